"""The registers app's exporter and shredder of a person's data (registered at start-up).

Register objects are the town's assets, not anyone's account: a personal field (say, the
owner of a private tree) is bound to the object, not to a user. What the app holds about a
user is the changes they made to objects as an official.
"""

from django.utils.translation import gettext_lazy as _

from podkowa.core.personal_data import PersonalDataHandler, register
from podkowa.registers.models import ObjectVersion

RETENTION = _(
    "The history of a register object (who changed what and when) is part of the town's "
    "record of its assets and is kept as long as the register is. Personal fields of objects "
    "are erased by the register's editors when their purpose ends."
)


def export(*, gmina, user) -> dict:
    changes = (ObjectVersion.objects.filter(gmina=gmina, actor=user)
               .select_related("object__register").order_by("at", "id"))
    return {"register_changes": [
        {"register": v.object.register.name, "object": v.object_id, "version": v.number,
         "change": v.get_change_display(), "when": v.at.isoformat()}
        for v in changes
    ]}


def shred(*, gmina, user) -> None:
    """Nothing to erase: the change history is the register's record (see RETENTION)."""
    return None


register(PersonalDataHandler(name="registers", export=export, shred=shred, retention=RETENTION))
