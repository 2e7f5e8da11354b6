"""The town's e-services as the shell presents them (home cards, primary navigation).

A service is live as soon as its app routes its entry URL name; until then the shell shows it
as "coming soon" instead of a dead link, so apps switch themselves on by being installed.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EService:
    key: str
    title: Promise
    description: Promise
    url_name: str
    icon: str


@dataclass(frozen=True)
class EServiceLink:
    service: EService
    url: str | None

    @property
    def available(self) -> bool:
        return self.url is not None


CATALOGUE: tuple[EService, ...] = (
    EService(
        "panel", _("Resident panel"),
        _("Your account: personal details, consents, messages from the office and your "
          "matters in one place."),
        "accounts:panel", "person",
    ),
    EService(
        "payments", _("Payments"),
        _("Check and pay local taxes and fees — property tax, waste collection, dog tax — "
          "online, with receipts."),
        "payments:home", "wallet",
    ),
    EService(
        "consultations", _("Public consultations"),
        _("Take part in surveys, consultations and the participatory budget, and see the "
          "results."),
        "consultations:home", "chat",
    ),
    EService(
        "cemetery", _("E-cemetery"),
        _("Find a grave in the municipal cemetery, get directions to it and manage a grave "
          "lease."),
        "cemetery:home", "candle",
    ),
    EService(
        "culture", _("Cultural events"),
        _("See what is on in town and book seats for concerts, film screenings and meetings."),
        "culture:home", "ticket",
    ),
    EService(
        "registers", _("Registers and map"),
        _("Public registers of the town on a map: trees, roads, lighting — and report a fault "
          "you have spotted."),
        "registers:home", "map",
    ),
    EService(
        "reports", _("Reports and open data"),
        _("Statistics and datasets about the town, with charts and downloads."),
        "reports:home", "chart",
    ),
)


def eservice_links() -> list[EServiceLink]:
    """Every e-service with its URL, or None while its app is not installed yet."""
    links = []
    for service in CATALOGUE:
        try:
            url = reverse(service.url_name)
        except NoReverseMatch:
            url = None
        links.append(EServiceLink(service, url))
    return links
