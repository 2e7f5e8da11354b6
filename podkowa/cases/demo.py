"""The demo town's case types (idempotent: a second run changes nothing).

The names and form labels are the town's own content, in Polish, as an official would type
them into the catalogue; they are data, not strings of the program.
"""

from django.db import transaction

from podkowa.accounts.models import Department
from podkowa.cases.models import CaseType, Deadline, FormVersion, Status
from podkowa.cases.services.catalogue import form_version_publish
from podkowa.cases.services.letters import letter_case_type_ensure
from podkowa.core.models import Gmina

PHOTO = {"kinds": ["image"], "max_size_mb": 5}
DOCUMENTS = {"kinds": ["image", "pdf"], "max_size_mb": 10}
NOTIFY_USUAL = [Status.NEEDS_INFORMATION, Status.DECIDED, Status.READY_FOR_PICKUP,
                Status.CLOSED]

TYPES = [
    {
        "slug": "karta-mieszkanca",
        "name": "Karta Mieszkańca",
        "number_prefix": "KM",
        "department": "Referat Organizacyjny",
        "deadline": Deadline.DAYS_14,
        "app_allowed": True,
        "notify_statuses": NOTIFY_USUAL,
        "description": "Karta uprawnia mieszkańców Podkowy Leśnej do zniżek w instytucjach "
                       "miejskich i u partnerów programu. Odbiór osobisty w urzędzie.",
        "form": [
            {"key": "first_name", "type": "text", "label": "Imię", "required": True,
             "max_length": 100},
            {"key": "last_name", "type": "text", "label": "Nazwisko", "required": True,
             "max_length": 100},
            {"key": "pesel", "type": "pesel", "label": "PESEL", "required": True},
            {"key": "address", "type": "address", "label": "Adres zamieszkania",
             "required": True},
            {"key": "phone", "type": "phone", "label": "Telefon kontaktowy"},
            {"key": "household", "type": "people",
             "label": "Członkowie gospodarstwa domowego (też otrzymają kartę)",
             "max_rows": 10},
            {"key": "photo", "type": "attachments", "label": "Zdjęcie (jak do dowodu)",
             "required": True, "max_count": 1, **PHOTO},
            {"key": "declaration", "type": "checkbox", "required": True,
             "label": "Oświadczam, że zamieszkuję na terenie Podkowy Leśnej."},
        ],
    },
    {
        "slug": "zaswiadczenie",
        "name": "Zaświadczenie",
        "number_prefix": "ZA",
        "department": "Referat Organizacyjny",
        "deadline": Deadline.DAYS_7,
        "app_allowed": True,
        "notify_statuses": NOTIFY_USUAL,
        "description": "Wydanie zaświadczenia (art. 217 KPA): bez zbędnej zwłoki, "
                       "najpóźniej w ciągu 7 dni.",
        "form": [
            {"key": "kind", "type": "choice", "label": "Rodzaj zaświadczenia",
             "required": True,
             "choices": ["o zameldowaniu", "o niezaleganiu w podatkach",
                         "o przeznaczeniu działki w planie miejscowym", "inne"]},
            {"key": "purpose", "type": "text", "label": "Cel wydania", "required": True},
            {"key": "details", "type": "textarea", "label": "Szczegóły wniosku"},
            {"key": "copies", "type": "integer", "label": "Liczba egzemplarzy", "min": 1,
             "max": 5},
            {"key": "payment", "type": "attachments",
             "label": "Potwierdzenie opłaty skarbowej (17 zł)", "max_count": 1, **DOCUMENTS},
        ],
    },
    {
        "slug": "usuniecie-drzewa",
        "name": "Zgłoszenie zamiaru usunięcia drzewa",
        "number_prefix": "DR",
        "department": "Referat Gospodarki Komunalnej",
        "deadline": Deadline.DAYS_14,
        "app_allowed": True,
        "notify_statuses": NOTIFY_USUAL,
        "description": "Zgłoszenie przez właściciela nieruchomości (osobę fizyczną, poza "
                       "działalnością gospodarczą). Oględziny w ciągu 21 dni, sprzeciw w "
                       "ciągu 14 dni od oględzin.",
        "form": [
            {"key": "species", "type": "text", "label": "Gatunek drzewa", "required": True},
            {"key": "circumference_5cm", "type": "integer",
             "label": "Obwód pnia na wysokości 5 cm (cm)", "required": True, "min": 1,
             "max": 2000},
            {"key": "location", "type": "address", "label": "Położenie (adres działki)",
             "required": True},
            {"key": "plot_number", "type": "text", "label": "Numer działki ewidencyjnej"},
            {"key": "email", "type": "email", "label": "E-mail do kontaktu"},
            {"key": "photo", "type": "attachments", "label": "Zdjęcie drzewa",
             "max_count": 3, **PHOTO},
        ],
    },
    {
        "slug": "wniosek-ogolny",
        "name": "Wniosek ogólny",
        "number_prefix": "WO",
        "department": "Referat Organizacyjny",
        "deadline": Deadline.MONTH_1,
        "app_allowed": True,
        "notify_statuses": NOTIFY_USUAL,
        "description": "Sprawa, dla której nie ma osobnego formularza.",
        "form": [
            {"key": "subject", "type": "text", "label": "Temat", "required": True,
             "max_length": 200},
            {"key": "content", "type": "textarea", "label": "Treść", "required": True},
            {"key": "attachments", "type": "attachments", "label": "Załączniki",
             "max_count": 5, **DOCUMENTS},
        ],
    },
]


@transaction.atomic
def load_case_demo(gmina: Gmina) -> list[CaseType]:
    """Create or refresh the demo types; a form changes only by a new version."""
    created = []
    for spec in TYPES:
        department = None
        if spec["department"]:
            department, _ = Department.objects.get_or_create(gmina=gmina,
                                                             name=spec["department"])
        case_type, _ = CaseType.objects.update_or_create(
            gmina=gmina, slug=spec["slug"],
            defaults={
                "name": spec["name"], "number_prefix": spec["number_prefix"],
                "department": department, "deadline": spec["deadline"],
                "app_allowed": spec["app_allowed"], "description": spec["description"],
                "notify_statuses": [str(s) for s in spec["notify_statuses"]],
                "is_active": True,
            },
        )
        current = (FormVersion.objects.filter(gmina=gmina, case_type=case_type)
                   .order_by("-number").first())
        if current is None or current.definition != spec["form"]:
            form_version_publish(gmina=gmina, case_type_id=case_type.pk,
                                 definition=spec["form"])
        created.append(case_type)
    # Where the letters residents send through ePUAP / e-Doręczenia are registered.
    created.append(letter_case_type_ensure(gmina=gmina))
    return created
