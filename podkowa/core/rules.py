"""Who may do what with the town and its audit log (see podkowa/accounts/rules.py for how the
town of a question is chosen)."""

import rules

from podkowa.accounts.rules import is_gmina_admin, is_official

rules.add_perm("core", is_official)

# Every official may look at the town's settings; only its administrator changes them. A new
# town, or removing one, is the install's superuser's business (no rule).
rules.add_perm("core.view_gmina", is_official)
rules.add_perm("core.change_gmina", is_gmina_admin)
for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"core.{action}_gminahost", is_gmina_admin)

# The audit log is read by the administrator alone and written only by the code that audits.
rules.add_perm("core.view_auditlogentry", is_gmina_admin)
