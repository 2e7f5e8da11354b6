"""Reads of the accounts app, one module per concern; import from the module itself."""
