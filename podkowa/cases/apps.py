from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "podkowa.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from podkowa.cases import personal_data  # noqa: F401  (registers the exporter)
