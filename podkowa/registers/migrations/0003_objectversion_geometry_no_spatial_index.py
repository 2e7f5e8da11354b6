"""ObjectVersion.geometry loses its spatial index on PostgreSQL: nothing reads history by
place (versions are read by object), and the index cost every write — an import writes a
version per object. SpatiaLite keeps its index: GeoDjango's SpatiaLite schema editor drops
`idx_<table>_<column>` unconditionally whenever it remakes a table, so a geometry without one
would break the next migration that remakes this table there."""

from django.db import migrations

_FIND = ("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
         "AND tablename = 'registers_objectversion' AND indexdef LIKE %s")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_FIND, ["%USING gist (geometry)%"])
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("registers", "ObjectVersion")
    schema_editor.execute(schema_editor._create_spatial_index_sql(
        model, model._meta.get_field("geometry")))


class Migration(migrations.Migration):

    dependencies = [
        ("registers", "0002_register_style_key"),
    ]

    operations = [
        migrations.RunPython(drop_index, create_index, elidable=True),
    ]
