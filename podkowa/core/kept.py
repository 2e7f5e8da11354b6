"""Rows kept in each process between requests, and checked against the database on every use.

Some rows are read by nearly every request (the town, a register's definition) but change
rarely. Keeping them per process saves loading them through the ORM; checking a fingerprint
(PostgreSQL's md5 of the row text, or of several rows' text) on every use keeps that honest:
an edit made in another process, through the admin or by a bulk update is seen on the very
next request. The check is one short statement, without the ORM or any geometry to parse.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def kept_row(cache: dict, key, *, check_sql: str, params: list,
             load: Callable[[], tuple[str | None, T | None]]) -> T | None:
    """The kept value for `key` while `check_sql` (one row, the fingerprint first) still
    answers what it answered when the value was loaded; else `load()`'s, kept with its
    fingerprint. `load` returns (fingerprint, value); a value without a fingerprint is
    used once and not kept. The caller copies what it hands out: the kept value is shared."""
    cached = cache.get(key)
    if cached is not None:
        with connection.cursor() as cursor:
            cursor.execute(check_sql, params)
            row = cursor.fetchone()
        if row is None:
            cache.pop(key, None)
            return None
        if row[0] == cached[0]:
            return cached[1]
    fingerprint, value = load()
    if value is not None and fingerprint is not None:
        cache[key] = (fingerprint, value)
    return value
