import time

from django.conf import settings

from podkowa.core.models import AuditLogEntry, Gmina, GminaHost

# Host → gmina id, kept briefly in each process: the lookup happens on every request, and a
# town's host names change about once a decade.
_HOST_CACHE: dict[str, tuple[float, int | None]] = {}
_HOST_CACHE_SECONDS = 60.0


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
    return Gmina.objects.filter(id=cached[1]).first() if cached[1] else None


def clear_host_cache() -> None:
    _HOST_CACHE.clear()


def audit_entries_about(*, gmina: Gmina, subject_id: int):
    return AuditLogEntry.objects.filter(gmina=gmina, subject_id=subject_id).select_related("actor")
