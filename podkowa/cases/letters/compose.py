"""The two steps the Letter layer needs around the transports: seal a letter, read one."""

from cryptography import x509

from .credentials import SystemCredentials, system_credentials
from .document import GeneralLetter, build_general_letter, parse_general_letter
from .errors import NotSigned
from .signing import SignatureInfo, sign_enveloped, verify_enveloped
from .transports import Incoming


def compose_general_letter(
    letter: GeneralLetter, *, credentials: SystemCredentials | None = None
) -> bytes:
    """The Pismo ogólne as XML, sealed (enveloped XAdES-BES) with the office's certificate.

    The seal attests that the document is what was filed on the website; a resident's own
    qualified or trusted-profile signature is a separate step this project does not perform.
    """
    return sign_enveloped(build_general_letter(letter), credentials or system_credentials("EPUAP"))


def read_incoming_letter(
    incoming: Incoming, *, trusted_certificates: list[x509.Certificate] | None = None
) -> tuple[GeneralLetter, list[SignatureInfo]]:
    """Parse a received document and check its signatures (if it carries any).

    An unsigned document yields no SignatureInfo; a signed one whose signature fails raises
    SignatureInvalid — it was changed on the way and must not become a case as if intact.
    Without ``trusted_certificates`` any signer's certificate is accepted: the result names
    the signer, and whether that certificate is qualified is for a person to judge.
    """
    content = incoming.document.content
    letter = parse_general_letter(content)
    try:
        signatures = verify_enveloped(content, trusted_certificates=trusted_certificates,
                                      require_xades=False)
    except NotSigned:
        return letter, []
    return letter, signatures
