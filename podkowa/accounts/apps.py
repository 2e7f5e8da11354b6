from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "podkowa.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from podkowa.accounts import personal_data  # noqa: F401  (registers the exporter)
