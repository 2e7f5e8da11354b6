from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CemeteryConfig(AppConfig):
    name = "podkowa.cemetery"
    label = "cemetery"
    verbose_name = _("Cemetery")

    def ready(self) -> None:
        from podkowa.cemetery import personal_data  # noqa: F401  (registers the exporter)
