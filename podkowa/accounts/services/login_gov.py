"""Login through login.gov.pl: resolving the node's artifact, and what a verified person does to
an account (sign in, link to an existing account, create one).

The plain PESEL lives only inside ``person_from_identity``: from there on the person is their
keyed hash (the verification ledger's key) plus the attributes the node vouched for. One person,
one account: the unique constraint on PersonIdentity decides, and a second account presenting
the same person is refused, recorded in the ledger and raised as a conflict for the desk.
"""

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from podkowa.accounts.logingovpl import saml
from podkowa.accounts.logingovpl.config import NodeConfig, node_config
from podkowa.accounts.logingovpl.errors import LoginGovError
from podkowa.accounts.logingovpl.sealing import seal
from podkowa.accounts.models import (
    ExternalLoginRefusal,
    IdentityConflict,
    PersonIdentity,
    ResidentProfile,
    SamlOneTimeUse,
    VerificationEvent,
    VerificationLevel,
    VerifiedAttribute,
)
from podkowa.accounts.services.registration import (
    DUPLICATE_EMAIL_MESSAGE,
    email_confirmation_send,
)
from podkowa.accounts.services.verification import mask_email
from podkowa.cases.letters.errors import LetterError
from podkowa.cases.letters.transports import http
from podkowa.core.identifiers import clean_pesel, pesel_hmac
from podkowa.core.models import Gmina

logger = logging.getLogger("podkowa.accounts.logingovpl")
User = get_user_model()

ARTIFACT_GUARD = dt.timedelta(minutes=30)
REQUEST_GUARD = dt.timedelta(hours=2)

Transport = Callable[[str, bytes, float], bytes]


@dataclass(frozen=True)
class VerifiedPerson:
    """What the session may hold about the person between the node and the account."""

    pesel_hmac: str
    given_name: str
    family_name: str
    date_of_birth: str  # ISO date or ""
    name_id_sealed: str
    session_index: str

    def to_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data) -> "VerifiedPerson | None":
        try:
            return cls(**data)
        except TypeError:
            return None


def person_from_identity(identity: saml.NodeIdentity) -> VerifiedPerson:
    try:
        digits = clean_pesel(identity.pesel)
    except ValidationError:
        raise LoginGovError("attributes", gettext_lazy(
            "login.gov.pl gave a PESEL that is not valid."), detail="PESEL check failed"
        ) from None
    return VerifiedPerson(
        pesel_hmac=pesel_hmac(digits),
        given_name=identity.given_name[:150],
        family_name=identity.family_name[:150],
        date_of_birth=identity.date_of_birth.isoformat() if identity.date_of_birth else "",
        name_id_sealed=seal(identity.name_id),
        session_index=identity.session_index,
    )


# --- the node's answer ------------------------------------------------------------------


def login_gov_refusal_record(*, gmina: Gmina, error: LoginGovError) -> ExternalLoginRefusal:
    """Log a refused answer (committed on its own: it is the trace of an attack or a fault)."""
    logger.warning("login.gov.pl answer refused: %s (%s)", error.code, error.detail)
    with transaction.atomic():
        return ExternalLoginRefusal.objects.create(
            gmina=gmina, code=error.code[:30], message=str(error)[:300],
            detail=error.detail[:500],
        )


def _use_once(*, kind: str, value: str, expires_at: dt.datetime) -> None:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    try:
        with transaction.atomic():
            SamlOneTimeUse.objects.create(kind=kind, digest=digest, expires_at=expires_at)
    except IntegrityError:
        raise LoginGovError(
            "replay",
            gettext_lazy("This answer of login.gov.pl has already been used. Please log in "
                         "again."),
            detail=f"{kind} used before",
        ) from None


def soap_transport(url: str, body: bytes, timeout: float) -> bytes:
    try:
        http.check_endpoint(url, setting="LOGINGOVPL_ARTIFACT_RESOLVE_URL")
        answer = http.request("POST", url, body=body, timeout=timeout, headers={
            "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
    except LetterError as exc:
        raise LoginGovError("transport", gettext_lazy(
            "login.gov.pl could not be reached. Please try again in a moment."),
            detail=str(exc)) from None
    if answer.status != 200:
        raise LoginGovError("transport", gettext_lazy(
            "login.gov.pl could not be reached. Please try again in a moment."),
            detail=f"ArtifactResolve answered HTTP {answer.status}")
    return answer.body


def login_gov_artifact_resolve(
    *,
    gmina: Gmina,
    artifact: str,
    request_id: str,
    acs_url: str,
    config: NodeConfig | None = None,
    transport: Transport = soap_transport,
    now: dt.datetime | None = None,
) -> VerifiedPerson:
    """Resolve the artifact the browser brought back and check the node's answer.

    ``request_id``: the id of the AuthnRequest kept in the session (empty if none). Every
    refusal is recorded (ExternalLoginRefusal) and raised as LoginGovError.
    """
    try:
        config = config or node_config()
        now = now or timezone.now()
        if not request_id:
            raise LoginGovError(
                "in_response_to",
                gettext_lazy("No login through login.gov.pl was started in this browser, or "
                             "it has already been completed. Please log in again."),
                detail="no AuthnRequest id in the session",
            )
        artifact = saml.check_artifact(artifact, node_entity_id=config.node_entity_id)
        # Marked used before the node is asked: a replayed artifact never reaches it twice.
        _use_once(kind=SamlOneTimeUse.Kind.ARTIFACT, value=artifact,
                  expires_at=now + ARTIFACT_GUARD)
        message = saml.artifact_resolve(
            entity_id=config.entity_id, artifact=artifact,
            destination=config.artifact_resolve_url, credentials=config.signing, now=now,
        )
        body = transport(config.artifact_resolve_url, message.xml, config.timeout)
        identity = saml.read_artifact_response(body, saml.Expectations(
            entity_id=config.entity_id, acs_url=acs_url, node_entity_id=config.node_entity_id,
            request_id=request_id, resolve_id=message.id,
            certificates=config.node_certificates,
            encryption_key=config.encryption.private_key, loa=config.loa,
            clock_skew=dt.timedelta(seconds=config.clock_skew_seconds), now=now,
        ))
        _use_once(kind=SamlOneTimeUse.Kind.ASSERTION, value=identity.assertion_id,
                  expires_at=identity.not_on_or_after + ARTIFACT_GUARD)
        _use_once(kind=SamlOneTimeUse.Kind.REQUEST, value=request_id,
                  expires_at=now + REQUEST_GUARD)
        # Guards outlive what they guard by a margin; older ones can only take space.
        saml_one_time_use_purge(now=now)
        return person_from_identity(identity)
    except LoginGovError as error:
        login_gov_refusal_record(gmina=gmina, error=error)
        raise


def login_gov_logout_confirm(*, gmina: Gmina, xml: bytes, request_id: str) -> None:
    """Check the node's LogoutResponse to our LogoutRequest ``request_id`` (once only)."""
    try:
        config = node_config()
        saml.read_logout_response(xml, request_id=request_id,
                                  node_entity_id=config.node_entity_id,
                                  certificates=config.node_certificates)
        _use_once(kind=SamlOneTimeUse.Kind.REQUEST, value=request_id,
                  expires_at=timezone.now() + REQUEST_GUARD)
    except LoginGovError as error:
        login_gov_refusal_record(gmina=gmina, error=error)
        raise


def saml_one_time_use_purge(*, now: dt.datetime | None = None) -> int:
    """Forget guards whose message could no longer be accepted anyway."""
    deleted, _rows = SamlOneTimeUse.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


# --- the account ------------------------------------------------------------------------


def _grant(*, gmina: Gmina, user, person: VerifiedPerson) -> None:
    profile, _created = ResidentProfile.objects.get_or_create(gmina=gmina, user=user)
    if profile.verification_level < VerificationLevel.IDENTITY_VERIFIED:
        profile.verification_level = VerificationLevel.IDENTITY_VERIFIED
        profile.save(update_fields=["verification_level"])
        VerificationEvent.objects.create(
            gmina=gmina, user=user, method=VerificationEvent.Method.LOGIN_GOV,
            outcome=VerificationEvent.Outcome.GRANTED,
            level=VerificationLevel.IDENTITY_VERIFIED, pesel_hmac=person.pesel_hmac,
        )
    for kind, value in (
        (VerifiedAttribute.Kind.GIVEN_NAME, person.given_name),
        (VerifiedAttribute.Kind.FAMILY_NAME, person.family_name),
        (VerifiedAttribute.Kind.DATE_OF_BIRTH, person.date_of_birth),
    ):
        if value:
            VerifiedAttribute.objects.update_or_create(
                user=user, kind=kind, defaults={
                    "value": value, "source": VerifiedAttribute.Source.LOGIN_GOV,
                    "verified_at": timezone.now()},
            )
    changed = []
    if not user.first_name and person.given_name:
        user.first_name, changed = person.given_name, [*changed, "first_name"]
    if not user.last_name and person.family_name:
        user.last_name, changed = person.family_name, [*changed, "last_name"]
    if changed:
        user.save(update_fields=changed)


def _closed(user) -> bool:
    return not user.is_active or user.anonymised_at is not None


@transaction.atomic
def login_gov_sign_in(*, gmina: Gmina, person: VerifiedPerson):
    """The account already verified as this person (refreshing what the node vouched for),
    or None when the person is new here."""
    identity = (PersonIdentity.objects.select_related("user")
                .filter(pesel_hmac=person.pesel_hmac).first())
    if identity is None:
        return None
    if _closed(identity.user):
        raise ValidationError(_("The account of this person is closed. Contact the office."),
                              code="closed")
    _grant(gmina=gmina, user=identity.user, person=person)
    return identity.user


def login_gov_link(*, gmina: Gmina, user, person: VerifiedPerson):
    """Verify ``user``'s account as ``person`` (the person proved they hold the account).

    Refused when another account already is this person, or this account is another person:
    the refusal is recorded in the ledger and as a conflict (committed), then raised as a
    ValidationError. Must run outside any transaction of the caller's.
    """
    if _closed(user):
        raise ValidationError(_("This account is closed and cannot be verified."))
    refusal: ValidationError | None = None
    with transaction.atomic():
        try:
            with transaction.atomic():
                identity = (PersonIdentity.objects.filter(user=user).first()
                            or PersonIdentity.objects.create(user=user,
                                                             pesel_hmac=person.pesel_hmac))
        except IntegrityError:
            identity = (PersonIdentity.objects.select_related("user")
                        .filter(pesel_hmac=person.pesel_hmac).first()
                        or PersonIdentity.objects.get(user=user))
        if identity.user_id != user.pk:
            _refuse(gmina=gmina, user=user, person=person, holder=identity.user,
                    kind=IdentityConflict.Kind.DUPLICATE_IDENTITY)
            refusal = ValidationError(
                _("This person already has a verified account (%(email)s): one person, one "
                  "account. Log in to that account instead; the office has been told about "
                  "this attempt."),
                code="duplicate_person", params={"email": mask_email(identity.user.email)},
            )
        elif identity.pesel_hmac != person.pesel_hmac:
            _refuse(gmina=gmina, user=user, person=person, holder=None,
                    kind=IdentityConflict.Kind.OTHER_PERSON)
            refusal = ValidationError(
                _("This account is verified as another person. Log out and log in with "
                  "login.gov.pl again; the office has been told about this attempt."),
                code="other_person",
            )
        else:
            _grant(gmina=gmina, user=user, person=person)
            return user
    raise refusal


def _refuse(*, gmina, user, person, holder, kind) -> None:
    current = (ResidentProfile.objects.filter(gmina=gmina, user=user)
               .values_list("verification_level", flat=True).first())
    VerificationEvent.objects.create(
        gmina=gmina, user=user, method=VerificationEvent.Method.LOGIN_GOV,
        outcome=VerificationEvent.Outcome.REFUSED_DUPLICATE,
        level=current if current is not None else VerificationLevel.REGISTERED,
        pesel_hmac=person.pesel_hmac,
    )
    IdentityConflict.objects.create(gmina=gmina, kind=kind, user=user, holder=holder,
                                    method=VerificationEvent.Method.LOGIN_GOV)


@transaction.atomic
def login_gov_account_create(
    *, gmina: Gmina, email: str, person: VerifiedPerson, language: str,
    base_url: str | None = None,
):
    """A new account for a person the node vouched for: no password (they log in through
    login.gov.pl, or set one by "forgot password"), the address confirmed by the usual link."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": DUPLICATE_EMAIL_MESSAGE}, code="email_taken")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=None, first_name=person.given_name,
                last_name=person.family_name, language=language,
            )
            PersonIdentity.objects.create(user=user, pesel_hmac=person.pesel_hmac)
    except IntegrityError:
        # The address or the person was taken a moment ago by another request.
        raise ValidationError(
            _("An account for this address or this person has just been created. Log in "
              "again with login.gov.pl."), code="race",
        ) from None
    ResidentProfile.objects.create(gmina=gmina, user=user)
    _grant(gmina=gmina, user=user, person=person)
    email_confirmation_send(gmina=gmina, user=user, base_url=base_url)
    return user


@transaction.atomic
def identity_conflict_resolve(*, gmina: Gmina, conflict_id: int, official, note: str):
    from podkowa.accounts.rules import can_verify_at_desk

    if not can_verify_at_desk.test(official, gmina):
        raise PermissionDenied(_("Only the resident desk may resolve identity conflicts."))
    conflict = IdentityConflict.objects.select_for_update().get(gmina=gmina, pk=conflict_id)
    if conflict.status == IdentityConflict.Status.OPEN:
        conflict.status = IdentityConflict.Status.RESOLVED
        conflict.resolved_by = official
        conflict.resolved_at = timezone.now()
        conflict.resolution_note = note.strip()
        conflict.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    return conflict
