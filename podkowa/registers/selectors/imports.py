from podkowa.core.models import Gmina
from podkowa.registers.models import ImportJob


def import_for(*, gmina: Gmina, job_id: int) -> ImportJob | None:
    return ImportJob.objects.filter(gmina=gmina, pk=job_id).select_related("register").first()


def imports_recent(*, gmina: Gmina, registers: list, limit: int = 20) -> list[ImportJob]:
    return list(ImportJob.objects.filter(gmina=gmina, register__in=registers)
                .select_related("register").order_by("-created_at", "-id")[:limit])
