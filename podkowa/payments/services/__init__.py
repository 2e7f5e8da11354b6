"""The payments app's writes, one module per concern (ledger, taxes, orders, accounts)."""
