"""``manage.py logingovpl_simulator`` serves the node's stand-in with the development keys the
site itself uses (generated once under var/logingovpl/), so that `make run` needs no set-up."""

import base64
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

from podkowa.accounts.logingovpl import saml
from podkowa.accounts.logingovpl.config import node_config
from podkowa.cases.letters.transports.http import request

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_accepts_what_the_development_site_signs(tmp_path, settings):
    port = _free_port()
    env = {**os.environ, "PODKOWA_VAR_DIR": str(tmp_path), "DEBUG": "1"}
    for name in list(env):
        if name.startswith("LOGINGOVPL_"):
            del env[name]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "logingovpl_simulator", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner, banner
        settings.LOGINGOVPL_CREDENTIALS_DIR = tmp_path / "logingovpl"
        settings.LOGINGOVPL_NODE = "local"
        settings.LOGINGOVPL_SIMULATOR_PORT = port
        for name in ("SIGNING", "ENCRYPTION"):
            setattr(settings, f"LOGINGOVPL_{name}_CERT_FILE", "")
        settings.LOGINGOVPL_NODE_CERT_FILE = ""
        config = node_config()
        assert config.node_entity_id == f"http://127.0.0.1:{port}/idp"
        message = saml.authn_request(entity_id=config.entity_id,
                                     acs_url="http://127.0.0.1:8000/konto/login-gov/acs/",
                                     sso_url=config.sso_url, loa=config.loa,
                                     credentials=config.signing)
        answer = request("POST", config.sso_url, body=urlencode(
            {"SAMLRequest": base64.b64encode(message.xml).decode()}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
        assert answer.status == 200
        assert "44051401359" in answer.body.decode()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
