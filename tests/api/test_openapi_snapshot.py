from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from podkowa.core.management.commands.export_openapi import openapi_document

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_snapshot_matches_the_api():
    # Fails when an endpoint changed without `make openapi`: the app builders work from the
    # committed file.
    assert SNAPSHOT.read_text(encoding="utf-8") == openapi_document(), (
        "docs/openapi.json is out of date: run `make openapi` and commit it."
    )


def test_export_writes_a_stable_document(tmp_path):
    target = tmp_path / "openapi.json"

    call_command("export_openapi", str(target))

    text = target.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text == openapi_document()
    call_command("export_openapi", "--check", str(target))


def test_check_fails_with_a_summary_when_the_file_differs(tmp_path, capsys):
    target = tmp_path / "openapi.json"
    call_command("export_openapi", str(target))
    target.write_text(target.read_text().replace('"Podkowa API"', '"Old API"'))

    with pytest.raises(CommandError, match=r"out of date \(\+1 -1 lines\)"):
        call_command("export_openapi", "--check", str(target))
    assert '"Podkowa API"' in capsys.readouterr().err
