"""Why an answer of the node was refused: a code for the log and tests, a message for a person."""

from django.utils.translation import gettext_lazy as _


class LoginGovError(Exception):
    """``code`` names the check that failed; ``str(error)`` is fit to show (translated)."""

    default_message = _("The login through login.gov.pl could not be completed.")

    def __init__(self, code: str, message=None, *, detail: str = ""):
        self.code = code
        self.message = message if message is not None else self.default_message
        # What a developer needs in the log and a person must not see (values, ids).
        self.detail = detail
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class LoginGovConfigurationError(LoginGovError):
    default_message = _("Login through login.gov.pl is not configured on this server.")

    def __init__(self, message=None, *, detail: str = ""):
        super().__init__("configuration", message, detail=detail)
