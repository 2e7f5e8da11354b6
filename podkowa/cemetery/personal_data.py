"""The cemetery's exporter and shredder of a person's data (registered at start-up).

The dead are not data subjects (RODO recital 27); grave holders are. Handlers are called with
keyword arguments ``gmina`` and ``user``: a holder linked to that account.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from podkowa.cemetery.models import GraveHolder, GraveNote, GravePhoto, LeaseProlongation
from podkowa.core.personal_data import PersonalDataHandler, register

RETENTION = _(
    "Who holds the right to a grave is part of the grave register the cemetery must keep "
    "(ustawa o cmentarzach i chowaniu zmarłych, rozporządzenie of 1 August 2001): the holder's "
    "name stays in the book for as long as the grave exists. Erasure removes the contact "
    "details (address, e-mail, phone) and the link to the account, and the name under notes "
    "and photos the person sent."
)


def export(*, gmina, user) -> dict:
    holders = GraveHolder.objects.filter(gmina=gmina, user=user).select_related(
        "grave__cemetery", "grave__quarter", "grave__row")
    return {
        "grave_holder": [
            {"cemetery": h.grave.cemetery.name, "grave": h.grave.place,
             "first_name": h.first_name, "last_name": h.last_name, "address": h.address,
             "email": h.email, "phone": h.phone,
             "since": h.since.isoformat() if h.since else None, "current": h.is_current}
            for h in holders
        ],
        "lease_prolongations": [
            {"grave": p.grave.place, "requested": p.requested_at.isoformat(),
             "years": p.years, "amount_grosze": p.amount_grosze, "status": p.status}
            for p in LeaseProlongation.objects.filter(gmina=gmina, holder__user=user)
            .select_related("grave__quarter", "grave__row")
        ],
        "notes": [{"grave": n.grave_id, "text": n.text, "status": n.status,
                   "sent": n.created_at.isoformat()}
                  for n in GraveNote.objects.filter(gmina=gmina, author=user)],
        "photos": [{"grave": p.grave_id, "caption": p.caption, "status": p.status,
                    "sent": p.created_at.isoformat()}
                   for p in GravePhoto.objects.filter(gmina=gmina, author=user)],
    }


@transaction.atomic
def shred(*, gmina, user) -> None:
    GraveHolder.objects.filter(gmina=gmina, user=user).update(
        address="", email="", phone="", user=None)
    GraveNote.objects.filter(gmina=gmina, author=user).update(author=None, author_name="")
    GravePhoto.objects.filter(gmina=gmina, author=user).update(author=None)


register(PersonalDataHandler(name="cemetery", export=export, shred=shred, retention=RETENTION))
