"""Multi-row INSERTs of plain tuples, for the statement import's tens of thousands of rows.

`bulk_create` builds a model instance per row and sends every value through its field's
preparation: for a statement of 100,000 transfers that is 400,000 instances, and most of
the import's time. Here a row is a tuple in the order of the given fields; only dates and
times are adapted (the backend's own adapters, so the stored text is what the ORM writes
on SQLite). It is meant for append-only rows written inside a service's transaction: no
`save()`, no signals — the callers check what they write.
"""

from django.db import connection, models


def _batch_rows(width: int) -> int:
    limit = connection.features.max_query_params or 65_535
    return max(1, min(1000, limit // width))


def insert_rows(model: type[models.Model], fields: list[str], rows: list[tuple],
                returning: tuple[str, ...] = ()) -> list[tuple]:
    """Insert `rows` (tuples in the order of `fields`); with `returning`, the named columns
    of each inserted row (in no promised order: match them by a unique column)."""
    if not rows:
        return []
    meta = model._meta
    concrete = {f.name: f for f in meta.concrete_fields}
    columns = [concrete[name] for name in fields]
    needed = {f.name for f in meta.concrete_fields
              if not f.null and not f.primary_key and not f.has_db_default()}
    if missing := needed - set(fields):
        raise ValueError(f"{meta.label}: every required column must be given ({missing}).")
    ops = connection.ops
    adapters = []
    for field in columns:
        if isinstance(field, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        else:
            adapters.append(None)
    adapted = [i for i, adapter in enumerate(adapters) if adapter is not None]
    if adapted:
        # A statement's rows share a handful of dates and times: adapt each value once.
        memo: dict = {}
        prepared = []
        for row in rows:
            row = list(row)
            for i in adapted:
                value = row[i]
                if value is not None:
                    key = (i, value)
                    if key not in memo:
                        memo[key] = adapters[i](value)
                    row[i] = memo[key]
            prepared.append(row)
        rows = prepared
    table = ops.quote_name(meta.db_table)
    names = ", ".join(ops.quote_name(f.column) for f in columns)
    tail = ""
    if returning:
        tail = " RETURNING " + ", ".join(ops.quote_name(concrete[name].column)
                                         for name in returning)
    out: list[tuple] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if not returning:
                # COPY: the driver's fastest way in, a row at a time in its C code.
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return out
            # One array per column, unnested by the server: a short statement whatever the
            # number of rows (a VALUES list of 15,000 placeholders is re-parsed by the
            # driver for every batch), and RETURNING, which COPY has not.
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
            sql = (f"INSERT INTO {table} ({names}) "  # noqa: S608
                   f"SELECT * FROM unnest({arrays}){tail}")
            for start in range(0, len(rows), 10_000):
                chunk = rows[start:start + 10_000]
                cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)])
                out.extend(tuple(r) for r in cursor.fetchall())
        return out
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = _batch_rows(len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            # Only quoted names and placeholders are formatted in; the values are parameters.
            values = ", ".join([one] * len(chunk))
            sql = f"INSERT INTO {table} ({names}) VALUES {values}{tail}"  # noqa: S608
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                out.extend(tuple(r) for r in cursor.fetchall())
    return out
