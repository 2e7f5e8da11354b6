import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY"))}
    clean.pop("PODKOWA_TESTING", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )


def test_deploy_checks_are_clean_under_production_settings(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        PESEL_HMAC_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="e-uslugi.podkowalesna.pl",
        PODKOWA_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "PESEL_HMAC_KEY"])
def test_production_refuses_to_start_without_its_own_keys(tmp_path, missing):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PESEL_HMAC_KEY": secrets.token_urlsafe(32),
        "PODKOWA_VAR_DIR": str(tmp_path),
    }
    del env[missing]
    result = _manage("check", **env)
    assert result.returncode != 0
    assert missing in result.stderr
