from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "podkowa.registers"
    label = "registers"
    verbose_name = _("Registers")

    def ready(self) -> None:
        from podkowa.registers import personal_data  # noqa: F401  (registers the exporter)
