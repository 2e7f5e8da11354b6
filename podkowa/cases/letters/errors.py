"""Errors of the letters package: each carries a message fit to show (translated lazily)."""

from django.utils.translation import gettext_lazy as _


class LetterError(Exception):
    """Base class; ``str(error)`` is the message for a person."""

    default_message = _("The letter could not be processed.")

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class MalformedDocument(LetterError):
    default_message = _("The document is not a valid letter.")


class SignatureInvalid(LetterError):
    default_message = _("The document's electronic signature is not valid.")


class NotSigned(SignatureInvalid):
    default_message = _("The document is not signed.")


class AddressInvalid(LetterError):
    default_message = _("The delivery address is not valid.")


class TransportError(LetterError):
    """The national service could not be reached or answered something unusable."""

    default_message = _("The delivery service could not be reached. Please try again later.")


class DeliveryRefused(TransportError):
    """The national service answered and refused the request (do not retry unchanged)."""

    default_message = _("The delivery service refused the letter.")


class ConfigurationError(LetterError):
    default_message = _("Sending letters is not configured on this server.")
