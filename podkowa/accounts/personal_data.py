"""The accounts app's exporter and shredder of a person's data (registered at start-up).

Handlers are called with keyword arguments ``gmina`` and ``user``.
"""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_scopes import scopes_disabled

from podkowa.accounts.models import (
    ApiToken,
    Channel,
    Consent,
    ErasureRequest,
    IdentityConflict,
    Representation,
    ResidencyDeclaration,
    ResidentProfile,
    VerificationEvent,
    VerifiedAttribute,
)
from podkowa.core.personal_data import PersonalDataHandler, register

RETENTION = _(
    "When an erasure request is carried out, the account is anonymised: the e-mail address, "
    "names and password are removed and the account can no longer be used; the contact "
    "details in resident profiles are deleted; API tokens and consents are withdrawn; "
    "second-factor devices are removed; the names and date of birth confirmed through "
    "login.gov.pl, the declarations of residence and the authorisations to act for others "
    "are deleted. The account then no "
    "longer exists in any town "
    "served by this installation. Kept: the verification ledger (the keyed PESEL hash, "
    "when and how verification was done), because the town must go on refusing a second "
    "account for the same person; the consent register (which wording was agreed and "
    "withdrawn, when), as proof of what consent was given; the erasure requests themselves, "
    "as proof that the request was carried out."
)


def _when(value):
    return value.isoformat() if value else None


def export(*, gmina, user) -> dict:
    profiles = ResidentProfile.objects.filter(gmina=gmina, user=user)
    consents = Consent.objects.filter(gmina=gmina, user=user).select_related("text")
    events = VerificationEvent.objects.filter(gmina=gmina, user=user).order_by("at", "id")
    tokens = ApiToken.objects.filter(gmina=gmina, user=user).order_by("created_at", "id")
    erasures = ErasureRequest.objects.filter(gmina=gmina, user=user).order_by("requested_at")
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "email_confirmed": _when(user.email_confirmed_at),
        },
        "resident_profiles": [
            {
                "phone": p.phone,
                "street": p.street,
                "postal_code": p.postal_code,
                "city": p.city,
                "notify_by_email": p.notify_by_email,
                "notify_by_sms": p.notify_by_sms,
                "verification_level": p.get_verification_level_display(),
                "created": _when(p.created_at),
            }
            for p in profiles
        ],
        "consents": [
            {
                "kind": c.get_kind_display(),
                "text_version": c.text.version,
                "text": c.text.text,
                "granted": _when(c.granted_at),
                "granted_through": c.get_granted_channel_display(),
                "revoked": _when(c.revoked_at),
                "revoked_through": c.get_revoked_channel_display() if c.revoked_channel else "",
            }
            for c in consents
        ],
        # The keyed PESEL hash is deliberately absent: it identifies nobody to the person and
        # would only help someone who steals the file.
        "verification_events": [
            {
                "method": e.get_method_display(),
                "outcome": e.get_outcome_display(),
                "level": e.get_level_display(),
                "document": e.document,
                "when": _when(e.at),
            }
            for e in events
        ],
        "verified_attributes": [
            {
                "attribute": a.get_kind_display(),
                "value": a.value,
                "vouched_for_by": a.get_source_display(),
                "when": _when(a.verified_at),
            }
            for a in VerifiedAttribute.objects.filter(user=user).order_by("kind")
        ],
        "residency_declarations": [
            {
                "street": d.street, "postal_code": d.postal_code, "city": d.city,
                "since": d.since.isoformat(), "declared": _when(d.declared_at),
                "status": d.get_status_display(),
                "confirmed_by": d.get_confirmed_by_display() if d.confirmed_by else "",
            }
            for d in ResidencyDeclaration.objects.filter(gmina=gmina, user=user)
        ],
        "representations": [
            {
                "acts_for": r.get_kind_display(), "name": r.name, "nip": r.nip,
                "document": r.document, "status": r.get_status_display(),
                "requested": _when(r.requested_at), "confirmed": _when(r.confirmed_at),
                "actions": [{"what": f"{a.method} {a.path}", "when": _when(a.at)}
                            for a in r.actions.order_by("at", "id")],
            }
            for r in Representation.objects.filter(gmina=gmina, representative=user)
        ],
        "identity_conflicts": [
            {
                "kind": c.get_kind_display(),
                "status": c.get_status_display(),
                "when": _when(c.created_at),
            }
            for c in IdentityConflict.objects.filter(gmina=gmina, user=user)
        ],
        "api_tokens": [
            {
                "name": t.name,
                "created": _when(t.created_at),
                "last_used": _when(t.last_used_at),
                "revoked": _when(t.revoked_at),
            }
            for t in tokens
        ],
        "erasure_requests": [
            {
                "requested": _when(r.requested_at),
                "reason": r.reason,
                "status": r.get_status_display(),
                "resolved": _when(r.resolved_at),
                "note": r.resolution_note,
            }
            for r in erasures
        ],
    }


def shred(*, gmina, user) -> None:
    now = timezone.now()
    # The account is shared by every town of the installation and stops existing here, so its
    # rows are cleared in every town, not only in the one that received the request.
    with scopes_disabled():
        ResidentProfile.objects.filter(user=user).update(
            phone="", street="", postal_code="", city="",
            notify_by_email=False, notify_by_sms=False,
        )
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        Consent.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=now, revoked_channel=Channel.DESK
        )
        # What the desk wrote about the document shown may include its number; the ledger
        # needs only the hash, the method and the date.
        VerificationEvent.objects.filter(user=user).exclude(document="").update(document="")
        VerifiedAttribute.objects.filter(user=user).delete()
        ResidencyDeclaration.objects.filter(user=user).delete()
        # (their trail of actions for others goes with them, by cascade)
        Representation.objects.filter(representative=user).delete()
        IdentityConflict.objects.filter(user=user).update(resolution_note="")
        _forget_in_admin_history(user)
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    user.email = f"erased-{user.pk}@invalid"
    user.first_name = ""
    user.last_name = ""
    user.password = make_password(None)
    user.is_active = False
    user.anonymised_at = now
    user.save(
        update_fields=["email", "first_name", "last_name", "password", "is_active",
                       "anonymised_at"]
    )


def _forget_in_admin_history(user) -> None:
    """Django's admin history names the records officials changed (`object_repr`, the change
    message): for the erased person's rows those names go; that a change happened stays."""
    rows = {
        type(user): [user.pk],
        ResidentProfile: ResidentProfile.objects.filter(user=user).values_list("pk", flat=True),
        Consent: Consent.objects.filter(user=user).values_list("pk", flat=True),
        VerificationEvent: VerificationEvent.objects.filter(user=user).values_list(
            "pk", flat=True),
        ErasureRequest: ErasureRequest.objects.filter(user=user).values_list("pk", flat=True),
    }
    for model, pks in rows.items():
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in pks],
        ).update(object_repr="—", change_message="")


register(PersonalDataHandler(name="accounts", export=export, shred=shred, retention=RETENTION))
