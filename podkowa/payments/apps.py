from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "podkowa.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from podkowa.payments import personal_data  # noqa: F401  (registers the exporter)
