from podkowa.core.models import Gmina
from podkowa.registers.models import FaultReport


def fault_reports_list(*, gmina: Gmina, open_only: bool = True):
    """The reports with their case and object, newest first; `open_only`: not fixed yet."""
    reports = (FaultReport.objects.filter(gmina=gmina)
               .select_related("case", "register", "object__register", "reporter")
               .order_by("-created_at", "-id"))
    if open_only:
        reports = reports.filter(fixed_at__isnull=True)
    return reports[:200]
