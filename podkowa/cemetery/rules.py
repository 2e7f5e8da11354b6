"""Who may do what with the cemetery (see podkowa/accounts/rules.py for how the town of a
question is chosen).

Searching, grave pages and routes are public (no login). Residents who signed in may offer
notes and photos, which a cemetery clerk publishes or rejects; the books, the holders
(living people's data) and the map are the cemetery clerks' work.
"""

import rules

from podkowa.accounts.rules import is_cemetery_clerk, is_official


@rules.predicate
def is_signed_in(user, obj=None) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@rules.predicate
def is_holder_of(user, grave=None) -> bool:
    if grave is None or not getattr(user, "is_authenticated", False):
        return False
    return grave.holders.filter(gmina_id=grave.gmina_id, user=user, is_current=True).exists()


may_keep_books = is_cemetery_clerk

rules.add_perm("cemetery", is_official)
rules.add_perm("cemetery.contribute", is_signed_in)
rules.add_perm("cemetery.keep_books", may_keep_books)
rules.add_perm("cemetery.moderate", may_keep_books)
rules.add_perm("cemetery.view_holders", may_keep_books)
rules.add_perm("cemetery.set_holder_wishes", may_keep_books | is_holder_of)
# The holder asks for (and pays) another 20 years themself; the clerk may charge any holder.
rules.add_perm("cemetery.request_prolongation", may_keep_books | is_holder_of)
rules.add_perm("cemetery.view_lease", may_keep_books | is_holder_of)
for model in ("cemetery", "entrance", "alleyedge", "quarter", "row", "grave", "burial",
              "graveholder", "bookentryversion", "gravenote", "gravephoto", "leasefee",
              "leaseprolongation"):
    rules.add_perm(f"cemetery.view_{model}", may_keep_books)
