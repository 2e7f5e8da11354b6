from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CemeteryConfig(AppConfig):
    name = "podkowa.cemetery"
    label = "cemetery"
    verbose_name = _("Cemetery")

    def ready(self) -> None:
        from podkowa.cemetery import personal_data  # noqa: F401  (registers the exporter)
        from podkowa.cemetery.services.prolongations import lease_charge_paid
        from podkowa.payments.models import SourceKind
        from podkowa.payments.paid import on_charge_paid

        on_charge_paid(SourceKind.CEMETERY, lease_charge_paid)
