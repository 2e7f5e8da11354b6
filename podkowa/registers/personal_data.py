"""The registers app's exporter and shredder of a person's data (registered at start-up).

Register objects are the town's assets, not anyone's account: a personal field (say, the
owner of a private tree) is bound to the object, not to a user. What the app holds about a
user is the changes they made to objects as an official.
"""

from django.utils.translation import gettext_lazy as _

from podkowa.core.personal_data import PersonalDataHandler, register
from podkowa.registers.models import FaultReport, ObjectVersion

RETENTION = _(
    "The history of a register object (who changed what and when) is part of the town's "
    "record of its assets and is kept as long as the register is. Personal fields of objects "
    "are erased by the register's editors when their purpose ends. A fault report is part of "
    "the case it was filed as and is kept with the case file."
)


def export(*, gmina, user) -> dict:
    changes = (ObjectVersion.objects.filter(gmina=gmina, actor=user)
               .select_related("object__register").order_by("at", "id"))
    reports = (FaultReport.objects.filter(gmina=gmina, reporter=user)
               .select_related("case", "register").order_by("created_at", "id"))
    return {
        "register_changes": [
            {"register": v.object.register.name, "object": v.object_id, "version": v.number,
             "change": v.get_change_display(), "when": v.at.isoformat()}
            for v in changes],
        "fault_reports": [
            {"case": r.case.number, "register": r.register.name if r.register_id else "",
             "object": r.object_id, "description": r.description, "address": r.address,
             "lat": r.location.y, "lon": r.location.x, "reported": r.created_at.isoformat(),
             "fixed": r.fixed_at.isoformat() if r.fixed_at else None}
            for r in reports],
    }


def shred(*, gmina, user) -> None:
    """Nothing to erase: the change history is the register's record, and a fault report is
    part of its case file, which archive law keeps (see RETENTION and the cases app)."""
    return None


register(PersonalDataHandler(name="registers", export=export, shred=shred, retention=RETENTION))
