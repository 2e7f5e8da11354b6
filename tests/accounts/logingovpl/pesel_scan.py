"""Scan every table of the database for plain PESEL numbers (sessions decoded first)."""

import base64
import binascii
import contextlib

from django.contrib.sessions.backends.db import SessionStore
from django.db import connection


def _texts(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        out = [raw.decode("utf-8", "replace")]
        with contextlib.suppress(binascii.Error, ValueError):
            out.append(base64.b64decode(raw, validate=False).decode("utf-8", "replace"))
        return out
    return [str(value)]


def tables_holding(pesels: list[str]) -> dict[str, int]:
    """{table: rows containing any of ``pesels``} over every table of the database."""
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            if table.startswith(("sqlite_", "spatial", "geometry_columns", "spatialite",
                                 "views_geometry", "virts_geometry", "sql_statements",
                                 "data_licenses", "idx_", "ElementaryGeometries",
                                 "KNN", "SE_", "geom_cols", "vector_layers",
                                 "spatial_ref_sys")):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                texts = [t for value in row for t in _texts(value)]
                if table == "django_session":
                    texts.append(repr(SessionStore().decode(row[1])))
                if any(p in t for p in pesels for t in texts):
                    found[table] = found.get(table, 0) + 1
    return found
