"""On PostgreSQL the database itself refuses UPDATE and DELETE of ledger rows (entries,
allocations, payments), as core does for the audit log: the models refuse too, but raw SQL
does not go through them. SQLite keeps the Python guard only (its test database is emptied
with DELETE)."""

from django.db import migrations

TABLES = ["payments_ledgerentry", "payments_allocation", "payments_payment"]

FUNCTION = """
CREATE OR REPLACE FUNCTION payments_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The ledger is append-only: % of a row of % refused.', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        for table in TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            cursor.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "
                           f"{table} FOR EACH ROW EXECUTE FUNCTION payments_append_only()")


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS payments_append_only()")


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
