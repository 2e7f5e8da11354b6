from django.http import HttpRequest

from podkowa.core.models import AuditLogEntry, Gmina


def audit_personal_data_read(
    *,
    gmina: Gmina,
    actor,
    subject,
    what: str,
    action: str = AuditLogEntry.Action.VIEW,
    object_ref: str = "",
    request: HttpRequest | None = None,
) -> AuditLogEntry:
    """Record that an official read a person's data. Call it wherever such a read happens."""
    return AuditLogEntry.objects.create(
        gmina=gmina,
        actor=actor,
        actor_label=actor.email,
        subject=subject,
        subject_label=(subject.email if subject is not None else ""),
        action=action,
        what=what,
        object_ref=str(object_ref),
        path=(request.get_full_path()[:500] if request is not None else ""),
    )
