from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "podkowa.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from podkowa.notifications import personal_data  # noqa: F401  (registers the handler)
