"""The cases app's exporter and shredder of a person's data (registered at start-up).

Handlers are called with keyword arguments ``gmina`` and ``user``.
"""

from django.utils.translation import gettext_lazy as _

from podkowa.cases.models import Case, CaseMessage, Letter
from podkowa.core.personal_data import PersonalDataHandler, register

RETENTION = _(
    "Cases are public records. The application, its answers and attachments, the messages "
    "exchanged with the office, the status log and deadline extensions form the case file, "
    "which the office keeps for the period its archive rules (the JRWA classification of the "
    "case type) set, and then hands to the archive or destroys as those rules say. An erasure "
    "request does not remove or alter a case file: the law on archives requires the record "
    "as it was filed. Erasing the account (the accounts app) removes the contact details kept "
    "outside the case files; the case files keep the name and answers the person filed. "
    "Letters sent to the office through ePUAP or e-Doręczenia are incoming correspondence and "
    "are kept the same way."
)


def _when(value):
    return value.isoformat() if value else None


def export(*, gmina, user) -> dict:
    cases = (Case.objects.filter(gmina=gmina, applicant=user)
             .select_related("case_type", "form_version").order_by("filed_at", "id"))
    result = []
    for case in cases:
        messages = CaseMessage.objects.filter(gmina=gmina, case=case, is_internal=False)
        result.append({
            "number": case.number,
            "type": case.case_type.name,
            "form_version": case.form_version.number,
            "status": case.get_status_display(),
            "filed_through": case.get_channel_display(),
            "filed": _when(case.filed_at),
            "due_date": _when(case.due_date),
            "answers": case.data,
            "content_hash": case.content_hash,
            "attachments": [
                {"name": a.original_name, "type": a.content_type, "size": a.size,
                 "sha256": a.sha256, "uploaded": _when(a.uploaded_at)}
                for a in case.attachments.filter(is_internal=False)
            ],
            "messages": [
                {"from_office": m.from_office, "text": m.body, "sent": _when(m.created_at),
                 "read_by_you": _when(m.read_by_applicant_at)}
                for m in messages
            ],
            "status_changes": [
                {"from": t.from_status, "to": t.to_status, "when": _when(t.at)}
                for t in case.transitions.all()
            ],
            "deadline_extensions": [
                {"from": _when(e.previous_due_date), "to": _when(e.new_due_date),
                 "reason": e.reason, "when": _when(e.at)}
                for e in case.extensions.all()
            ],
        })
    letters = [
        {"subject": letter.title, "text": letter.body, "sent_through": letter.get_channel_display(),
         "status": letter.get_status_display(), "written": _when(letter.created_at),
         "receipt": f"{letter.receipt_kind} {letter.receipt_id}".strip(),
         "delivered": _when(letter.submitted_at), "attachments": letter.attachments,
         "case": letter.case.number if letter.case_id else None}
        for letter in Letter.objects.filter(gmina=gmina, author=user).select_related("case")
    ]
    return {"cases": result, "letters": letters}


def shred(*, gmina, user) -> None:
    """Nothing to erase here: every piece of personal data the app holds is part of a case
    file that archive law keeps (see RETENTION). Contact data lives in the accounts app."""
    return None


register(PersonalDataHandler(name="cases", export=export, shred=shred, retention=RETENTION))
