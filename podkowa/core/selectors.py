import copy
import time

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL

from podkowa.core.kept import kept_row
from podkowa.core.models import AuditLogEntry, Gmina, GminaHost

# Host → gmina id, kept briefly in each process: the lookup happens on every request, and a
# town's host names change about once a decade.
_HOST_CACHE: dict[str, tuple[float, int | None]] = {}
_HOST_CACHE_SECONDS = 60.0
# Gmina id → (fingerprint of its row, the row as loaded), in each process (core/kept.py):
# every request checks the whole row's md5 and reloads it when it differs.
_GMINA_CACHE: dict[int, tuple[str, Gmina]] = {}
_GMINA_FINGERPRINT = 'md5("core_gmina"::text)'
_GMINA_CHECK = f"SELECT {_GMINA_FINGERPRINT} FROM core_gmina WHERE id = %s"  # noqa: S608


def _gmina_loaded(gmina_id: int) -> tuple[str | None, Gmina | None]:
    # The row and its fingerprint from one statement: they describe the same version.
    gmina = (Gmina.objects.filter(id=gmina_id)
             .annotate(_fingerprint=RawSQL(_GMINA_FINGERPRINT, ())).first())  # noqa: S611
    if gmina is None:
        return None, None
    return gmina.__dict__.pop("_fingerprint"), gmina


def _gmina(gmina_id: int) -> Gmina | None:
    if connection.vendor != "postgresql":
        return Gmina.objects.filter(id=gmina_id).first()
    gmina = kept_row(_GMINA_CACHE, gmina_id, check_sql=_GMINA_CHECK, params=[gmina_id],
                     load=lambda: _gmina_loaded(gmina_id))
    # Each request its own copy: a view may change its gmina (and its geometries) in place.
    return None if gmina is None else copy.deepcopy(gmina)


def gmina_for_host(*, host: str) -> Gmina | None:
    """The gmina served under this host name, else the default one (TERYT from settings)."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    now = time.monotonic()
    cached = _HOST_CACHE.get(host)
    if cached is None or cached[0] < now:
        gmina_id = (
            GminaHost.objects.filter(host=host, gmina__is_active=True)
            .values_list("gmina_id", flat=True)
            .first()
        )
        if gmina_id is None:
            gmina_id = (
                Gmina.objects.filter(teryt=settings.DEFAULT_GMINA_TERYT, is_active=True)
                .values_list("id", flat=True)
                .first()
            )
        _HOST_CACHE[host] = (now + _HOST_CACHE_SECONDS, gmina_id)
        cached = _HOST_CACHE[host]
    return _gmina(cached[1]) if cached[1] else None


def clear_host_cache() -> None:
    _HOST_CACHE.clear()
    _GMINA_CACHE.clear()


def audit_entries_about(*, gmina: Gmina, subject_id: int):
    return AuditLogEntry.objects.filter(gmina=gmina, subject_id=subject_id).select_related("actor")
