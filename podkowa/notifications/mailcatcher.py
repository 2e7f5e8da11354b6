"""The development mail catcher: an SMTP server that writes every message to a folder.

`make run` starts it on 127.0.0.1:1025 (`manage.py mailcatcher`) and Django's SMTP backend
talks to it, so development and tests exercise the same sending code as production; nothing
is delivered anywhere. Each message becomes one `.eml` file that any mail program opens.
"""

import itertools
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

_sequence = itertools.count(1)
_sequence_lock = threading.Lock()


class MailDirHandler:
    """aiosmtpd handler: one `.eml` file per received message, named by time of arrival."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _unique_name(self) -> str:
        with _sequence_lock:
            number = next(_sequence)
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        return f"{stamp}-{os.getpid()}-{number:06d}.eml"

    async def handle_DATA(self, server, session, envelope) -> str:
        # Envelope recipients are not in the headers for Bcc copies; keep them visible.
        envelope_lines = (
            f"X-Catcher-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Catcher-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        name = self._unique_name()
        # Written under a temporary name and renamed, so a reader never sees half a message.
        partial = self.directory / f".{name}.part"
        partial.write_bytes(envelope_lines + content)
        partial.replace(self.directory / name)
        return "250 Message accepted for delivery"


def start_mail_catcher(*, port: int, directory: Path | str,
                       hostname: str = "127.0.0.1") -> Controller:
    """Start a catcher in a background thread; call `.stop()` on the result to end it."""
    controller = Controller(MailDirHandler(directory), hostname=hostname, port=port)
    controller.start()
    return controller
