"""The demo town: Podkowa Leśna with its office, residents and one official per role.

Idempotent (update_or_create everywhere; a second run changes nothing), and built through the
real services where there is one, so the demo shows what the code does. Every person logs in
with one demo password; officials also need a TOTP code, from fixed secrets printed below so
that a newcomer can use an authenticator app or `oathtool --totp -b SECRET`.
"""

import base64
import hashlib
import hmac
import struct
import time

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope

from podkowa.accounts.models import (
    Channel,
    ConsentKind,
    ConsentText,
    Department,
    PersonIdentity,
    Role,
    User,
)
from podkowa.accounts.services.consents import consent_grant
from podkowa.accounts.services.officials import official_appoint
from podkowa.accounts.services.registration import resident_profile_ensure
from podkowa.accounts.services.verification import resident_verify_at_desk
from podkowa.cases.demo import load_case_demo
from podkowa.cemetery.demo import load_cemetery_demo
from podkowa.core.models import Gmina, GminaHost
from podkowa.notifications.services import topics_ensure_defaults
from podkowa.payments.demo import load_payments_demo
from podkowa.registers.demo import load_registers_demo

DEMO_PASSWORD = "podkowa-demo-2026"  # noqa: S105 - public by design, printed for everyone
# The reserved .test domain (RFC 2606): demo accounts can never receive real mail.
DEMO_DOMAIN = "podkowa.test"
# A valid PESEL from the domain facts (born 14 May 1944, male); only its keyed hash is stored.
DEMO_PESEL = "44051401359"

GMINA = {
    "teryt": "1405021",
    "slug": "podkowa-lesna",
    "name": "Podkowa Leśna",
    "official_name": "Urząd Miasta Podkowa Leśna",
    "address": "ul. Akacjowa 39/41",
    "postal_code": "05-807",
    "city": "Podkowa Leśna",
    "email": "urzad@podkowalesna.pl",
    "phone": "+48 22 759 21 00",
    "website": "https://podkowalesna.pl",
    "epuap_address": "/umpodkowalesna/SkrytkaESP",
    "bank_settlement_number": "10201055",
    "individual_account_prefix": "1405",
    # Point(longitude, latitude): the town hall.
    "map_center": Point(20.7286, 52.1225, srid=4326),
    # The town's surroundings, generously: it is about 2.5 km across.
    "map_extent": Polygon(
        ((20.700, 52.105), (20.760, 52.105), (20.760, 52.140), (20.700, 52.140),
         (20.700, 52.105)),
        srid=4326,
    ),
    "map_zoom": 14,
}
HOSTS = ["127.0.0.1", "localhost"]

DEPARTMENTS = [
    "Referat Organizacyjny",
    "Referat Finansowy",
    "Referat Gospodarki Komunalnej",
    "Referat Inwestycji i Planowania Przestrzennego",
    "Urząd Stanu Cywilnego",
]

CONSENTS = {
    ConsentKind.ELECTRONIC_COMMUNICATION: (
        "Wyrażam zgodę na doręczanie mi pism i informacji przez Urząd Miasta Podkowa Leśna "
        "środkami komunikacji elektronicznej, na adres e-mail i do konta w serwisie. Zgodę "
        "mogę w każdej chwili wycofać w ustawieniach konta albo w urzędzie."
    ),
    ConsentKind.PUSH: (
        "Wyrażam zgodę na otrzymywanie powiadomień (push) od Urzędu Miasta Podkowa Leśna na "
        "moim telefonie. Zgodę mogę w każdej chwili wycofać w ustawieniach konta albo "
        "w ustawieniach telefonu."
    ),
}

# login (before @), first name, last name, role, department, job title
OFFICIALS = [
    ("admin", "Barbara", "Lis", Role.ADMIN, "Referat Organizacyjny", "Sekretarz miasta"),
    ("biuro", "Tomasz", "Wróbel", Role.RESIDENT_DESK, "Referat Organizacyjny",
     "Biuro obsługi mieszkańców"),
    ("sprawy", "Katarzyna", "Sowa", Role.CASE_CLERK, "Referat Organizacyjny",
     "Kancelaria"),
    ("finanse", "Marek", "Dąb", Role.FINANCE, "Referat Finansowy", "Skarbnik"),
    ("konsultacje", "Agnieszka", "Jodła", Role.CONSULTATIONS_EDITOR, "Referat Organizacyjny",
     "Konsultacje społeczne"),
    ("cmentarz", "Paweł", "Grab", Role.CEMETERY_CLERK, "Referat Gospodarki Komunalnej",
     "Zarząd cmentarza"),
    ("kultura", "Joanna", "Lipa", Role.CULTURE_EDITOR, "Referat Organizacyjny",
     "Ośrodek kultury"),
    ("rejestry", "Michał", "Klon", Role.REGISTER_EDITOR,
     "Referat Inwestycji i Planowania Przestrzennego", "Rejestry i mapy"),
    ("raporty", "Ewa", "Buk", Role.REPORTS, "Referat Finansowy", "Analizy i sprawozdania"),
]
SUPERUSER = ("root", "Administrator", "Systemu")

RESIDENTS = [
    # login, first name, last name, what happened to the account
    ("jan.kowalski", "Jan", "Kowalski", "desk"),
    ("maria.nowak", "Maria", "Nowak", "email"),
    ("piotr.zielinski", "Piotr", "Zieliński", "fresh"),
]


# Postal addresses of the demo residents who have given one (a letter to the office needs it).
DEMO_ADDRESSES = {
    "jan.kowalski": ("ul. Jana Pawła II 12", "05-807", "Podkowa Leśna"),
    "maria.nowak": ("ul. Jaśminowa 5", "05-807", "Podkowa Leśna"),
}


def email_of(login: str) -> str:
    return f"{login}@{DEMO_DOMAIN}"


def totp_key_hex(email: str) -> str:
    """The demo device's fixed secret (20 bytes, as django-otp stores it: hex)."""
    return hashlib.sha1(f"podkowa-demo-totp:{email}".encode()).hexdigest()  # noqa: S324


def totp_secret_base32(email: str) -> str:
    return base64.b32encode(bytes.fromhex(totp_key_hex(email))).decode()


def totp_now(email: str, at: float | None = None) -> str:
    """RFC 6238 code (30 s, 6 digits, SHA-1): what an authenticator app would show now."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(totp_key_hex(email)), struct.pack(">Q", counter),
                      hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def logins() -> list[tuple[str, str, str]]:
    """(login, what it is, TOTP secret or "") for the table."""
    rows = [(email_of(SUPERUSER[0]), "superuser", totp_secret_base32(email_of(SUPERUSER[0])))]
    for login, _first, _last, role, _dept, _title in OFFICIALS:
        rows.append((email_of(login), f"official: {role.value}",
                     totp_secret_base32(email_of(login))))
    labels = {"desk": "resident, verified at the desk", "email": "resident, e-mail confirmed",
              "fresh": "resident, just registered"}
    for login, _first, _last, state in RESIDENTS:
        rows.append((email_of(login), labels[state], ""))
    return rows


class Command(BaseCommand):
    help = "Load the demo town Podkowa Leśna (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--logins-only", action="store_true",
                            help="Only print the table of demo logins.")
        parser.add_argument("--totp-code", metavar="EMAIL",
                            help="Print the current TOTP code of a demo official and stop.")
        parser.add_argument("--allow-production", action="store_true",
                            help="Load even with DEBUG=0 (demo passwords are public!).")

    def handle(self, *args, **options):
        if options["totp_code"]:
            self.stdout.write(totp_now(options["totp_code"].strip().lower()))
            return
        if options["logins_only"]:
            self.print_logins()
            return
        if not (settings.DEBUG or settings.TESTING or options["allow_production"]):
            raise CommandError(
                "Refusing to load demo accounts with a public password while DEBUG=0; "
                "pass --allow-production if this really is a demo server."
            )
        gmina = self.load()
        self.stdout.write(self.style.SUCCESS(f"Demo town {gmina.name} is ready."))
        self.print_logins()

    @transaction.atomic
    def load(self) -> Gmina:
        fields = dict(GMINA)
        teryt = fields.pop("teryt")
        gmina, _created = Gmina.objects.update_or_create(teryt=teryt, defaults=fields)
        for host in HOSTS:
            GminaHost.objects.update_or_create(host=host, defaults={"gmina": gmina})
        with scope(gmina=gmina):
            departments = {
                name: Department.objects.update_or_create(gmina=gmina, name=name)[0]
                for name in DEPARTMENTS
            }
            for kind, text in CONSENTS.items():
                ConsentText.objects.update_or_create(
                    gmina=gmina, kind=kind, version=1, defaults={"text": text}
                )
            root = self.person(*SUPERUSER, superuser=True)
            official_appoint(gmina=gmina, user=root, roles=[Role.ADMIN],
                             department=departments["Referat Organizacyjny"],
                             job_title="Administrator systemu")
            self.totp_device(root)
            officials = {}
            for login, first, last, role, dept, title in OFFICIALS:
                user = self.person(login, first, last)
                official_appoint(gmina=gmina, user=user, roles=[role],
                                 department=departments[dept], job_title=title)
                self.totp_device(user)
                officials[role] = user
            for login, first, last, state in RESIDENTS:
                self.resident(gmina, login, first, last, state,
                              desk=officials[Role.RESIDENT_DESK])
            topics_ensure_defaults(gmina=gmina)
            load_case_demo(gmina)
            load_payments_demo(gmina)
            load_cemetery_demo(gmina)
            load_registers_demo(gmina)
        return gmina

    def person(self, login: str, first: str, last: str, *, superuser: bool = False,
               email_confirmed: bool = True) -> User:
        user, created = User.objects.update_or_create(
            email=email_of(login),
            defaults={
                "first_name": first,
                "last_name": last,
                "is_active": True,
                "is_superuser": superuser,
            },
        )
        changed = []
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            changed.append("password")
        if email_confirmed and user.email_confirmed_at is None:
            user.email_confirmed_at = timezone.now()
            changed.append("email_confirmed_at")
        if changed:
            user.save(update_fields=changed)
        return user

    def totp_device(self, user: User) -> None:
        TOTPDevice.objects.update_or_create(
            user=user, name="demo",
            defaults={"key": totp_key_hex(user.email), "confirmed": True},
        )

    def resident(self, gmina: Gmina, login: str, first: str, last: str, state: str, *,
                 desk: User) -> None:
        user = self.person(login, first, last, email_confirmed=state != "fresh")
        profile = resident_profile_ensure(gmina=gmina, user=user)
        if login in DEMO_ADDRESSES and not profile.city:
            profile.street, profile.postal_code, profile.city = DEMO_ADDRESSES[login]
            profile.save(update_fields=["street", "postal_code", "city"])
        if state == "desk":
            consent_grant(gmina=gmina, user=user, kind=ConsentKind.ELECTRONIC_COMMUNICATION,
                          channel=Channel.DESK)
            if not PersonIdentity.objects.filter(user=user).exists():
                # The real service, as the desk would: checks the PESEL, stores its hash only.
                # (Inside this command's transaction: a refusal here is a bug to see at once.)
                resident_verify_at_desk(gmina=gmina, official=desk, user=user,
                                        pesel=DEMO_PESEL, document="dowód osobisty DEM000001")

    def print_logins(self) -> None:
        rows = logins()
        width = max(len(r[0]) for r in rows)
        kind_width = max(len(r[1]) for r in rows)
        self.stdout.write("")
        self.stdout.write(f"Demo logins — password for everyone: {DEMO_PASSWORD}")
        self.stdout.write(f"{'login':<{width}}  {'who':<{kind_width}}  TOTP secret (base32)")
        self.stdout.write(f"{'-' * width}  {'-' * kind_width}  {'-' * 32}")
        for login, kind, secret in rows:
            self.stdout.write(f"{login:<{width}}  {kind:<{kind_width}}  {secret}")
        self.stdout.write(
            "Officials enter a 6-digit code after the password: add the secret to an "
            "authenticator app,\nor run `oathtool --totp -b SECRET`, or "
            "`.venv/bin/python manage.py load_demo --totp-code LOGIN`."
        )
