import json

from podkowa.core.models import Gmina
from podkowa.registers.models import ImportJob


def import_for(*, gmina: Gmina, job_id: int) -> ImportJob | None:
    return ImportJob.objects.filter(gmina=gmina, pk=job_id).select_related("register").first()


def imports_recent(*, gmina: Gmina, registers: list, limit: int = 20) -> list[ImportJob]:
    return list(ImportJob.objects.filter(gmina=gmina, register__in=registers)
                .select_related("register").order_by("-created_at", "-id")[:limit])


def write_progress_path(job: ImportJob) -> str:
    """Where the worker tells how far the write got (see services/imports.py, why not in
    the database)."""
    return job.file.path + ".progress.json"


def import_progress(job: ImportJob) -> tuple[int, int | None]:
    """(rows done, rows in all, None while unknown) of the stage under way: the check
    counts in the job's row, the write in its progress file."""
    if job.state == ImportJob.State.WRITING:
        try:
            with open(write_progress_path(job), encoding="utf-8") as source:
                data = json.load(source)
            return int(data["done"]), int(data["total"])
        except (OSError, ValueError, KeyError, TypeError):  # not started yet, or just ended
            return 0, None
    return job.done, job.total or None
