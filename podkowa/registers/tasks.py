"""Background work of the registers app (imports). Tasks take ids and call the services; the
town is read from the row itself (see podkowa/notifications/tasks.py)."""

from django.contrib.auth import get_user_model
from django_scopes import scope, scopes_disabled
from django_tasks import task

from podkowa.core.models import Gmina
from podkowa.registers.models import ImportJob
from podkowa.registers.services.imports import import_check, import_write


def _gmina_of(job_id: int) -> Gmina | None:
    with scopes_disabled():
        gmina_id = ImportJob.objects.filter(pk=job_id).values_list("gmina_id", flat=True).first()
    return Gmina.objects.get(pk=gmina_id) if gmina_id is not None else None


@task()
def check_import(job_id: int) -> str:
    gmina = _gmina_of(job_id)
    if gmina is None:
        return "missing"
    with scope(gmina=gmina):
        job = import_check(gmina=gmina, job_id=job_id)
        return job.state if job else "missing"


@task()
def write_import(job_id: int, actor_id: int) -> str:
    gmina = _gmina_of(job_id)
    if gmina is None:
        return "missing"
    with scope(gmina=gmina):
        actor = get_user_model().objects.get(pk=actor_id)
        job = import_write(gmina=gmina, job_id=job_id, actor=actor)
        return job.state if job else "missing"
