"""Who may do what with registers, as predicates (see podkowa/accounts/rules.py for how the
town of a question is chosen).

Definitions (registers, attributes, dictionaries) are kept by the register editors without a
programmer. Each register names the role whose officials edit its objects; the town
administrator holds every role. A public register is read by anyone, without its personal
fields; a register that is not public, and personal fields, are for the town's officials.
"""

import rules

from podkowa.accounts.models import Role
from podkowa.accounts.rules import (
    gmina_id_for,
    is_case_clerk,
    is_gmina_admin,
    is_official,
    is_register_editor,
)
from podkowa.accounts.selectors.officials import official_roles


def _register_of(obj):
    return getattr(obj, "register", obj)


@rules.predicate
def may_edit_register_objects(user, obj=None) -> bool:
    register = _register_of(obj)
    if register is None or not hasattr(register, "editor_role"):
        return False
    gmina_id = gmina_id_for(register)
    if gmina_id is None:
        return False
    roles = official_roles(gmina=gmina_id, user=user)
    return register.editor_role in roles or Role.ADMIN in roles


@rules.predicate
def is_public_register(user, obj=None) -> bool:
    register = _register_of(obj)
    return bool(getattr(register, "is_public", False))


may_view_register = is_public_register | is_official
# Fault reports are the business of those who look after the objects and of the case clerks.
may_handle_fault_reports = is_register_editor | is_case_clerk
may_read_personal_fields = may_edit_register_objects | is_register_editor

rules.add_perm("registers", is_official)
rules.add_perm("registers.view_register_data", may_view_register)
rules.add_perm("registers.edit_register_objects", may_edit_register_objects)
rules.add_perm("registers.read_personal_fields", may_read_personal_fields)

for model in ("register", "attribute", "dictionary", "dictionaryentry", "treespecies",
              "treefeerate"):
    rules.add_perm(f"registers.view_{model}", is_register_editor)
    rules.add_perm(f"registers.add_{model}", is_register_editor)
    rules.add_perm(f"registers.change_{model}", is_register_editor)
    if model != "register":
        rules.add_perm(f"registers.delete_{model}", is_register_editor)
# Registers with objects are protected by the database (PROTECT); the admin deletes only
# empty ones. Deleting a whole register is the administrator's decision.
rules.add_perm("registers.delete_register", is_gmina_admin)

rules.add_perm("registers.view_registerobject", is_official)
rules.add_perm("registers.change_registerobject", may_edit_register_objects)
rules.add_perm("registers.add_registerobject", is_register_editor)
rules.add_perm("registers.view_objectversion", is_official)
