"""The standard letter "Pismo ogólne do podmiotu publicznego" (CRD form 2013/12/12/1410).

``build_general_letter`` turns a typed ``GeneralLetter`` into the form's XML;
``parse_general_letter`` reads such a document (a resident's letter, or one the office
receives through ePUAP / e-Doręczenia) back into a ``GeneralLetter``.

Element names and namespaces follow the form published in the Central Repository of
Electronic Document Templates (CRD); they stay Polish because the schema defines them so.
"""

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree

from podkowa.core.identifiers import clean_pesel

from .errors import MalformedDocument
from .xmlsafe import parse_xml

WNIO = "http://crd.gov.pl/wzor/2013/12/12/1410/"
META = "http://crd.gov.pl/xml/schematy/meta/2009/11/16/"
STR = "http://crd.gov.pl/xml/schematy/struktura/2009/11/16/"
OSO = "http://crd.gov.pl/xml/schematy/osoba/2009/11/16/"
INST = "http://crd.gov.pl/xml/schematy/instytucja/2009/11/16/"
ADR = "http://crd.gov.pl/xml/schematy/adres/2009/11/09/"
NSMAP = {"wnio": WNIO, "meta": META, "str": STR, "oso": OSO, "inst": INST, "adr": ADR}

DOCUMENT_NAME = "Pismo ogólne do podmiotu publicznego"
DEFAULT_KIND = "wniosek"
OTHER_KIND = "inne pismo"

# Parsers here run without lxml's huge_tree (untrusted input), which caps one text node at
# 10 MB. ePUAP carries the whole letter base64-encoded once more inside the SOAP message, so
# 5 MiB of attachments (base64 twice: ~9.3 MB) is the most that still fits; a larger letter
# would be refused by our own simulator and parser. Raising it means parsing with huge_tree
# (and a total size cap), a deliberate decision.
MAX_ATTACHMENTS_TOTAL_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 20


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


@dataclass(frozen=True)
class Address:
    town: str  # adr:Miejscowosc
    postal_code: str = ""  # adr:KodPocztowy
    street: str = ""  # adr:Ulica
    building: str = ""  # adr:Budynek
    unit: str = ""  # adr:Lokal
    post_office: str = ""  # adr:Poczta
    country: str = "PL"  # adr:Kraj


@dataclass(frozen=True)
class Person:
    """A natural person (oso:Osoba)."""

    first_name: str
    last_name: str
    address: Address
    pesel: str = ""
    email: str = ""


@dataclass(frozen=True)
class Institution:
    """A legal person or public body (inst:Instytucja)."""

    name: str
    address: Address
    regon: str = ""
    email: str = ""


class Attachment(NamedTuple):
    """A file carried inside the letter; a plain (filename, mime, bytes) tuple works too."""

    filename: str
    mime: str
    content: bytes


Party = Person | Institution


@dataclass(frozen=True)
class GeneralLetter:
    sender: Party
    recipient: Institution
    place: str  # wnio:MiejscowoscDokumentu
    title: str  # wnio:Tytul
    body: str  # wnio:Informacje
    attachments: tuple[Attachment, ...] = ()
    created: dt.datetime | None = None  # meta:Data typDaty="stworzony"; now when None
    kind: str = DEFAULT_KIND  # wnio:RodzajWnioskuRozszerzony/@rodzaj
    other_kind: str = ""  # …/@jakiInny, read when kind is "inne pismo"

    def __post_init__(self):
        # Accept lists of plain tuples from callers (forms, parsers) and freeze them.
        object.__setattr__(
            self, "attachments", tuple(Attachment(*a) for a in (self.attachments or ()))
        )


# --- building ----------------------------------------------------------------------------


def _sub(parent, ns: str, name: str, text: str | None = None, **attrs) -> etree._Element:
    el = etree.SubElement(parent, _q(ns, name), **{k: v for k, v in attrs.items() if v})
    if text is not None:
        el.text = text
    return el


def _clean_text(value: str, *, field_label, required: bool = True, max_length: int = 0) -> str:
    text = (value or "").strip()
    if required and not text:
        raise MalformedDocument(_("%(field)s is required.") % {"field": field_label})
    if max_length and len(text) > max_length:
        raise MalformedDocument(
            _("%(field)s is too long (at most %(max)s characters).")
            % {"field": field_label, "max": max_length}
        )
    # XML 1.0 cannot carry most control characters; a pasted one would make the file invalid.
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise MalformedDocument(
            _("%(field)s contains characters that cannot be sent.") % {"field": field_label}
        )
    return text


def _address(parent, address: Address) -> None:
    adres = _sub(parent, ADR, "Adres")
    _sub(adres, ADR, "KodPocztowy", address.postal_code.strip())
    _sub(adres, ADR, "Poczta", (address.post_office or address.town).strip())
    _sub(adres, ADR, "Miejscowosc", _clean_text(address.town, field_label=_("Town")))
    if address.street.strip():
        _sub(adres, ADR, "Ulica", address.street.strip())
    _sub(adres, ADR, "Budynek", address.building.strip())
    if address.unit.strip():
        _sub(adres, ADR, "Lokal", address.unit.strip())
    _sub(adres, ADR, "Kraj", (address.country or "PL").strip())


def _contact(parent, email: str) -> None:
    if email.strip():
        kontakt = _sub(parent, ADR, "Kontakt")
        _sub(kontakt, ADR, "Email", email.strip())


def _party(parent, party: Party, *, role_label) -> None:
    podmiot = _sub(parent, META, "Podmiot")
    if isinstance(party, Person):
        osoba = _sub(podmiot, OSO, "Osoba")
        if party.pesel.strip():
            try:
                pesel = clean_pesel(party.pesel)
            except ValidationError as exc:
                raise MalformedDocument(exc.messages[0]) from None
            ids = _sub(osoba, OSO, "IdOsoby")
            _sub(ids, OSO, "PESEL", pesel)
        _sub(osoba, OSO, "Imie", _clean_text(party.first_name, field_label=_("First name")))
        _sub(osoba, OSO, "Nazwisko", _clean_text(party.last_name, field_label=_("Last name")))
        _address(osoba, party.address)
        _contact(osoba, party.email)
    elif isinstance(party, Institution):
        inst = _sub(podmiot, INST, "Instytucja")
        if party.regon.strip():
            ids = _sub(inst, INST, "IdInstytucji")
            _sub(ids, INST, "REGON", party.regon.strip())
        _sub(inst, INST, "NazwaInstytucji",
             _clean_text(party.name, field_label=_("Name of the institution")))
        _address(inst, party.address)
        _contact(inst, party.email)
    else:
        raise MalformedDocument(
            _("%(role)s must be a person or an institution.") % {"role": role_label}
        )


def build_general_letter(letter: GeneralLetter) -> bytes:
    """Return the letter as UTF-8 XML bytes (unsigned; see ``signing.sign_enveloped``)."""
    created = letter.created or timezone.now()
    if timezone.is_naive(created):
        raise MalformedDocument(_("The letter's date must carry a time zone."))
    if len(letter.attachments) > MAX_ATTACHMENTS:
        raise MalformedDocument(
            _("A letter may carry at most %(max)s attachments.") % {"max": MAX_ATTACHMENTS}
        )
    total = sum(len(a.content or b"") for a in letter.attachments)
    if total > MAX_ATTACHMENTS_TOTAL_BYTES:
        raise MalformedDocument(
            _("The attachments are too large together (%(size)s MB; at most %(max)s MB).")
            % {"size": round(total / (1024 * 1024), 1),
               "max": MAX_ATTACHMENTS_TOTAL_BYTES // (1024 * 1024)}
        )

    root = etree.Element(_q(WNIO, "Dokument"), nsmap=NSMAP)
    opis = _sub(root, WNIO, "OpisDokumentu")
    data = _sub(opis, META, "Data", typDaty="stworzony")
    _sub(data, META, "Czas", timezone.localtime(created).date().isoformat())

    dane = _sub(root, WNIO, "DaneDokumentu")
    naglowek = _sub(dane, STR, "Naglowek")
    _sub(naglowek, STR, "NazwaDokumentu", DOCUMENT_NAME)
    data = _sub(dane, META, "Data", typDaty="stworzony")
    _sub(data, META, "Czas", timezone.localtime(created).isoformat(timespec="seconds"))
    _party(_sub(dane, STR, "Adresaci"), letter.recipient, role_label=_("The recipient"))
    _party(_sub(dane, STR, "Nadawcy"), letter.sender, role_label=_("The sender"))

    tresc = _sub(root, WNIO, "TrescDokumentu", format="text/xml", kodowanie="XML")
    _sub(tresc, WNIO, "MiejscowoscDokumentu",
         _clean_text(letter.place, field_label=_("Place"), max_length=200))
    _sub(tresc, WNIO, "Tytul", _clean_text(letter.title, field_label=_("Title"), max_length=500))
    kind = _clean_text(letter.kind or DEFAULT_KIND, field_label=_("Kind of letter"))
    rodzaj = _sub(tresc, WNIO, "RodzajWnioskuRozszerzony", rodzaj=kind)
    if kind == OTHER_KIND and letter.other_kind.strip():
        rodzaj.set("jakiInny", letter.other_kind.strip())
    informacje = _sub(tresc, WNIO, "Informacje")
    _sub(informacje, WNIO, "Informacja", _clean_text(letter.body, field_label=_("Text")))

    if letter.attachments:
        zalaczniki = _sub(tresc, STR, "Zalaczniki")
        for position, attachment in enumerate(letter.attachments, start=1):
            _attachment(zalaczniki, attachment, position)

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _attachment(parent, attachment: Attachment, position: int) -> None:
    label = _("Attachment %(n)s") % {"n": position}
    filename = _clean_text(attachment.filename, field_label=label, max_length=255)
    if "/" in filename or "\\" in filename:
        raise MalformedDocument(
            _("%(field)s: a file name may not contain a path.") % {"field": label}
        )
    mime = _clean_text(attachment.mime, field_label=label, max_length=127)
    if "/" not in mime:
        raise MalformedDocument(_("%(field)s: the file type is not valid.") % {"field": label})
    if not isinstance(attachment.content, bytes | bytearray) or not attachment.content:
        raise MalformedDocument(_("%(field)s is empty.") % {"field": label})
    zal = _sub(parent, STR, "Zalacznik", format=mime, kodowanie="base64", nazwaPliku=filename)
    _sub(zal, STR, "DaneZalacznika", base64.b64encode(bytes(attachment.content)).decode("ascii"))


# --- parsing -----------------------------------------------------------------------------


def _text(el, path: str) -> str:
    found = el.find(path, NSMAP) if el is not None else None
    return (found.text or "").strip() if found is not None else ""


def _require(el, path: str, label) -> etree._Element:
    found = el.find(path, NSMAP)
    if found is None:
        raise MalformedDocument(
            _("The letter lacks the required element %(element)s (%(label)s).")
            % {"element": path.split("/")[-1].split(":")[-1], "label": label}
        )
    return found


def _parse_address(el) -> Address:
    adres = el.find("adr:Adres", NSMAP)
    if adres is None:
        return Address(town="")
    return Address(
        town=_text(adres, "adr:Miejscowosc"),
        postal_code=_text(adres, "adr:KodPocztowy"),
        street=_text(adres, "adr:Ulica"),
        building=_text(adres, "adr:Budynek"),
        unit=_text(adres, "adr:Lokal"),
        post_office=_text(adres, "adr:Poczta"),
        country=_text(adres, "adr:Kraj") or "PL",
    )


def _parse_party(container, label) -> Party:
    podmiot = _require(container, "meta:Podmiot", label)
    osoba = podmiot.find("oso:Osoba", NSMAP)
    if osoba is not None:
        return Person(
            first_name=_text(osoba, "oso:Imie"),
            last_name=_text(osoba, "oso:Nazwisko"),
            address=_parse_address(osoba),
            pesel=_text(osoba, "oso:IdOsoby/oso:PESEL"),
            email=_text(osoba, "adr:Kontakt/adr:Email"),
        )
    inst = podmiot.find("inst:Instytucja", NSMAP)
    if inst is not None:
        return Institution(
            name=_text(inst, "inst:NazwaInstytucji"),
            address=_parse_address(inst),
            regon=_text(inst, "inst:IdInstytucji/inst:REGON"),
            email=_text(inst, "adr:Kontakt/adr:Email"),
        )
    raise MalformedDocument(
        _("%(label)s is neither a person nor an institution.") % {"label": label}
    )


def _parse_created(dane) -> dt.datetime | None:
    raw = _text(dane, "meta:Data[@typDaty='stworzony']/meta:Czas")
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        try:
            value = dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())
        except ValueError:
            return None  # a date we cannot read is not worth refusing a letter for
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def parse_general_letter(xml_bytes: bytes) -> GeneralLetter:
    """Read a Pismo ogólne (signed or not) into a GeneralLetter, or raise MalformedDocument.

    The signature is not checked here: call ``signing.verify_enveloped`` first when it matters.
    """
    root = parse_xml(xml_bytes, what="letter")
    if root.tag != _q(WNIO, "Dokument"):
        raise MalformedDocument(
            _("This is not a Pismo ogólne: the root element is %(tag)s, expected Dokument in "
              "namespace %(ns)s.") % {"tag": etree.QName(root).localname, "ns": WNIO}
        )
    dane = _require(root, "wnio:DaneDokumentu", _("document data"))
    tresc = _require(root, "wnio:TrescDokumentu", _("document content"))
    recipient = _parse_party(_require(dane, "str:Adresaci", _("recipient")), _("The recipient"))
    if not isinstance(recipient, Institution):
        raise MalformedDocument(_("The recipient of a Pismo ogólne must be an institution."))
    sender = _parse_party(_require(dane, "str:Nadawcy", _("sender")), _("The sender"))

    paragraphs = [
        (el.text or "").strip() for el in tresc.findall("wnio:Informacje/wnio:Informacja", NSMAP)
    ]
    body = "\n\n".join(p for p in paragraphs if p)
    title = _text(tresc, "wnio:Tytul")
    if not title and not body:
        raise MalformedDocument(_("The letter has neither a title nor any text."))

    rodzaj = tresc.find("wnio:RodzajWnioskuRozszerzony", NSMAP)
    attachments = []
    for position, zal in enumerate(tresc.findall("str:Zalaczniki/str:Zalacznik", NSMAP), 1):
        attachments.append(_parse_attachment(zal, position))

    return GeneralLetter(
        sender=sender,
        recipient=recipient,
        place=_text(tresc, "wnio:MiejscowoscDokumentu"),
        title=title,
        body=body,
        attachments=tuple(attachments),
        created=_parse_created(dane),
        kind=(rodzaj.get("rodzaj") if rodzaj is not None else "") or DEFAULT_KIND,
        other_kind=(rodzaj.get("jakiInny") or rodzaj.get("jakisInny") or "")
        if rodzaj is not None else "",
    )


def _parse_attachment(zal, position: int) -> Attachment:
    label = _("Attachment %(n)s") % {"n": position}
    encoding = (zal.get("kodowanie") or "base64").strip()
    if encoding != "base64":
        # A URI attachment points somewhere we will not fetch on a sender's say-so.
        raise MalformedDocument(
            _("%(field)s is not embedded in the letter (encoding %(enc)s).")
            % {"field": label, "enc": encoding}
        )
    data = zal.find("str:DaneZalacznika", NSMAP)
    raw = "".join((data.text or "").split()) if data is not None else ""
    try:
        content = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedDocument(
            _("%(field)s is not valid base64 data.") % {"field": label}
        ) from None
    return Attachment(
        filename=(zal.get("nazwaPliku") or f"attachment-{position}").strip(),
        mime=(zal.get("format") or "application/octet-stream").strip(),
        content=content,
    )
