"""Registry of each app's exporter and shredder of a person's data (pretix's shredders).

Every app that stores personal data registers one entry in its AppConfig.ready(), so that a
resident's download holds everything and an erasure reaches every app.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PersonalDataHandler:
    name: str
    # The person's own data as JSON-serialisable values.
    export: Callable[..., dict[str, Any]]
    # Erase or anonymise what the law lets us drop; keep what a retention rule requires.
    shred: Callable[..., None]
    retention: str


_HANDLERS: dict[str, PersonalDataHandler] = {}


def register(handler: PersonalDataHandler) -> None:
    _HANDLERS[handler.name] = handler


def handlers() -> list[PersonalDataHandler]:
    return [_HANDLERS[name] for name in sorted(_HANDLERS)]
