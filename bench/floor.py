"""Scenario "floor": what one machine serves before any feature costs anything.

Serves the project as deployed — gunicorn, DEBUG=0, a throwaway SpatiaLite database under
var/bench/ with a town, a resident and an API token — on a free 127.0.0.1 port, loads it with
Debian's `wrk` (fixed 10 s, 2 threads, 32 connections) on two endpoints:
  trivial: GET /healthz       — the whole middleware stack, no view work;
  me:      GET /api/v1/me     — token authentication, tenant scope, two small queries;
stops the server and prints as its last line one JSON object of named figures.

Why gunicorn and not granian: gunicorn is the field-standard WSGI server for Django, a pure
Python wheel (no Rust toolchain to build on Debian), and runs Django's synchronous stack the
way it is deployed, so the floor measured here is the floor a town gets.

Loopback only; nothing leaves the machine.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DURATION_S = int(os.environ.get("BENCH_DURATION", "10"))
THREADS = 2
CONNECTIONS = 32
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
TERYT = "1405021"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "PODKOWA_TESTING"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "podkowa.settings",
        "DEBUG": "0",
        # Throwaway keys: production refuses the development ones, and nothing outlives the run.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PESEL_HMAC_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "PODKOWA_VAR_DIR": str(workdir),
        "STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": f"spatialite:///{workdir / 'floor.sqlite3'}",
        # Persistent connections, as a deployment would configure: opening SQLite and loading
        # SpatiaLite on every request would measure the extension loader, not the project.
        "DB_CONN_MAX_AGE": "600",
        "TASKS_IMMEDIATE": "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    return env


def setup_data() -> None:
    """Runs in a child process with the bench environment: a town, a resident, a token."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django_scopes import scope

    from podkowa.accounts.models import ResidentProfile, User
    from podkowa.accounts.services.tokens import api_token_create
    from podkowa.core.models import Gmina

    gmina, _created = Gmina.objects.get_or_create(
        teryt=TERYT, defaults={"name": "Podkowa Leśna", "slug": "podkowa-lesna"}
    )
    with scope(gmina=gmina):
        user, _created = User.objects.get_or_create(
            email="bench@podkowa.test", defaults={"first_name": "Bench", "last_name": "Mark"}
        )
        ResidentProfile.objects.get_or_create(gmina=gmina, user=user)
        _token, plain = api_token_create(gmina=gmina, user=user, name="bench")
    print(plain)


def run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=300)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return done.stdout


def wait_until_up(url: str, server: subprocess.Popen, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout_s} s")


def check(url: str, token: str | None, expect: str) -> None:
    """The endpoint answers what it should before it is measured (a fast 401 is no figure)."""
    request = urllib.request.Request(url)  # noqa: S310 - loopback
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        body = json.loads(response.read())
    if expect not in json.dumps(body):
        raise SystemExit(f"{url} answered {body!r}, expected {expect!r} in it")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, token: str | None = None) -> tuple[float, float]:
    """Requests per second and the 99th percentile latency in ms."""
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION_S}s", "--latency",
           "--timeout", "5s"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True,
                         timeout=DURATION_S + 60).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses under load\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    return rps, float(p99.group(1)) * _UNITS_MS[p99.group(2)]


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    bench_root = ROOT / "var" / "bench"
    bench_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="floor-", dir=bench_root))
    (workdir / "static").mkdir()
    env = bench_env(workdir)
    server = None
    try:
        manage = [PYTHON, str(ROOT / "manage.py")]
        run([*manage, "migrate", "--noinput", "-v", "0"], env)
        run([*manage, "createcachetable"], env)
        token = run([PYTHON, __file__, "--setup"], env).strip().splitlines()[-1]

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "podkowa.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
             "--log-level", "warning", "--graceful-timeout", "5"],
            env=env, cwd=ROOT, start_new_session=True,
        )
        wait_until_up(f"{base}/healthz", server)
        check(f"{base}/healthz", None, '"ok"')
        check(f"{base}/api/v1/me", token, "bench@podkowa.test")

        trivial_rps, trivial_p99 = wrk(f"{base}/healthz")
        me_rps, me_p99 = wrk(f"{base}/api/v1/me", token)
    finally:
        if server is not None and server.poll() is None:
            # The whole process group: the arbiter and its workers.
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    print(json.dumps({
        "scenario": "floor",
        "server": "gunicorn",
        "workers": WORKERS,
        "trivial_rps": round(trivial_rps, 1),
        "me_rps": round(me_rps, 1),
        "trivial_p99_ms": round(trivial_p99, 2),
        "me_p99_ms": round(me_p99, 2),
    }))


if __name__ == "__main__":
    if sys.argv[1:] == ["--setup"]:
        setup_data()
    else:
        main()
