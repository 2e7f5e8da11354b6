"""``manage.py letters_simulator``: the development stand-in starts, answers and stops."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from podkowa.cases.letters.transports.http import request

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_serves_the_simulator_until_stopped(tmp_path):
    port = _free_port()
    env = {**os.environ, "PODKOWA_VAR_DIR": str(tmp_path), "DEBUG": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "letters_simulator", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner, banner
        # The banner is printed once the server listens.
        response = request("GET", f"http://127.0.0.1:{port}/simulator/received", timeout=5)
        assert response.status == 200
        assert response.body == b'{"epuap": [], "edoreczenia": []}'
        # The development pair both sides use was generated on first start.
        assert (tmp_path / "letters" / "system.crt.pem").exists()
        assert (tmp_path / "letters" / "simulator.key.pem").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
