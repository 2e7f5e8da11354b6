"""The import page while the worker writes: an accessible progress bar that htmx keeps up
to date (no inline script), then the result once the write is done. axe on each state."""

import json

from django.core.files.base import ContentFile
from django_scopes import scope
from playwright.sync_api import expect

from podkowa.accounts.models import Role
from podkowa.registers.models import ImportJob, Register
from podkowa.registers.selectors.imports import write_progress_path
from tests.e2e.test_admin import _official, sign_in
from tests.e2e.test_registers_map import town  # noqa: F401 (the fixture)


def test_the_rows_written_show_while_the_worker_writes(page, site, town, axe, settings,  # noqa: F811
                                                       tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    editor, device = _official(town, "gis@example.org", Role.REGISTER_EDITOR)
    with scope(gmina=town):
        register = Register.objects.filter(gmina=town).first()
        job = ImportJob(gmina=town, register=register, original_name="drzewa.csv",
                        created_by=editor, state=ImportJob.State.WRITING, total=3000,
                        done=3000, report={"errors": [], "duplicates": [], "valid": 3000})
        job.file.save("drzewa.csv", ContentFile(b"Nr;x;y\n"), save=False)
        job.save()
    path = f"/rejestry/import/{job.pk}/"

    def progress(done: int) -> None:
        with open(write_progress_path(job), "w", encoding="utf-8") as out:
            json.dump({"done": done, "total": 3000}, out)

    progress(1000)
    sign_in(page, site, editor.email, device, next_path=path)
    bar = page.get_by_role("progressbar", name="Zapisane wiersze")
    expect(bar).to_have_attribute("value", "1000")
    expect(bar).to_have_attribute("max", "3000")
    expect(page.locator("#import-progress-box")).to_contain_text("1000 z 3000")
    axe(page, "the import being written")
    progress(2500)  # the worker got further: the next poll shows it, the page stays
    expect(bar).to_have_attribute("value", "2500", timeout=10_000)
    with scope(gmina=town):
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.DONE, created=3000)
    expect(page.locator("main")).to_contain_text("3000", timeout=10_000)
    expect(page.locator("#import-progress-box")).to_have_count(0)
    axe(page, "the import done")
