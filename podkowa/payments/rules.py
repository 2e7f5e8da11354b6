"""Who may do what with payments, as predicates.

A resident sees and pays the charges of the payer linked to their account; the finance
department keeps the ledger (charges, decisions, payments) in the administration. Ledger
rows are never changed or deleted by anyone: corrections are reversals.
"""

import rules

from podkowa.accounts.rules import is_finance, is_official


@rules.predicate
def is_payer_of(user, payer=None) -> bool:
    if payer is None or not getattr(user, "is_authenticated", False):
        return False
    return getattr(payer, "user_id", None) == user.pk


may_see_payer = is_payer_of | is_finance

rules.add_perm("payments", is_official)
rules.add_perm("payments.view_payer_account", may_see_payer)
rules.add_perm("payments.pay_for_payer", is_payer_of)

for model in ("payer", "chargesource", "taxdecision", "charge", "paymentsettings",
              "bankstatement", "watermeter", "wastedeclaration"):
    rules.add_perm(f"payments.view_{model}", is_finance)
    rules.add_perm(f"payments.add_{model}", is_finance)
    rules.add_perm(f"payments.change_{model}", is_finance)
for model in ("payment", "allocation", "ledgerentry", "paymentorder", "gatewaynotification",
              "individualaccount"):
    rules.add_perm(f"payments.view_{model}", is_finance)
rules.add_perm("payments.change_gatewaynotification", is_finance)
rules.add_perm("payments.view_statementline", is_finance)
rules.add_perm("payments.change_statementline", is_finance)
for action in ("view", "add", "change"):
    rules.add_perm(f"payments.{action}_lombardrate", is_finance)
rules.add_perm("payments.view_formalreminder", is_finance)
rules.add_perm("payments.issue_reminder", is_finance)
rules.add_perm("payments.print_charge_notice", is_finance)
rules.add_perm("payments.issue_period_charges", is_finance)
rules.add_perm("payments.view_meterreading", is_finance)
