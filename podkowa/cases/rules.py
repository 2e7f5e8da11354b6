"""Who may do what with cases, as predicates (see podkowa/accounts/rules.py for how the town
of a question is chosen: the case's own gmina wins over the open scope).

Handling cases is the case clerks' work (and the town administrator's, who holds every role);
the applicant sees their own case, withdraws it before work starts and answers the office.
"""

import rules

from podkowa.accounts.rules import is_case_clerk, is_gmina_admin, is_official


@rules.predicate
def is_applicant(user, case=None) -> bool:
    if case is None or not getattr(user, "is_authenticated", False):
        return False
    return getattr(case, "applicant_id", None) == user.pk


may_handle_case = is_case_clerk
may_view_case = is_applicant | is_case_clerk

rules.add_perm("cases", is_official)
rules.add_perm("cases.handle_case", may_handle_case)
rules.add_perm("cases.view_case", may_view_case)
rules.add_perm("cases.post_internal_note", may_handle_case)
rules.add_perm("cases.extend_deadline", may_handle_case)
rules.add_perm("cases.assign_case", may_handle_case)

# The catalogue (types, their forms, reply templates) is kept by the case clerks themselves,
# without a programmer: that is the point of it.
for model in ("casetype", "formversion", "replytemplate"):
    rules.add_perm(f"cases.view_{model}", is_case_clerk)
    rules.add_perm(f"cases.add_{model}", is_case_clerk)
    rules.add_perm(f"cases.change_{model}", is_case_clerk)
rules.add_perm("cases.delete_replytemplate", is_case_clerk)
# Case types are retired (inactive), never deleted: filed cases point at them.
rules.add_perm("cases.delete_casetype", is_gmina_admin)

# Letters and the intake register are read in the admin by the case clerks; they are written
# only by the services (a resident's letter, the intake), never by hand.
for model in ("letter", "incomingletter"):
    rules.add_perm(f"cases.view_{model}", is_case_clerk)
