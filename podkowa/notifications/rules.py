"""Who may do what with notifications (django-rules predicates)."""

import rules

from podkowa.accounts.rules import is_case_clerk, is_gmina_admin, is_official

# Announcements go out in the office's name: the case clerks (and the admin, who holds every
# role) write and send them, and keep the topic and area catalogues.
may_announce = is_case_clerk

rules.add_perm("notifications", is_official)
for model in ("topic", "area", "announcement"):
    for action in ("view", "add", "change", "delete"):
        rules.add_perm(f"notifications.{action}_{model}", may_announce)
rules.add_perm("notifications.send_announcement", may_announce)
# Subscriptions and inboxes are the residents' own; the office sees them in reports only.
rules.add_perm("notifications.view_deliveryattempt", is_gmina_admin)
