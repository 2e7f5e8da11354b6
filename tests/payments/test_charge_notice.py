"""The printable notice of a charge or a tax decision: amounts, due dates, the individual
account in groups of four, and a payment QR code that a banking app really reads."""

import shutil
import subprocess
from datetime import date

import pytest

from podkowa.accounts.models import Role
from podkowa.core.models import AuditLogEntry
from podkowa.payments.models import Payment, PaymentSettings
from podkowa.payments.services.accounts import individual_account_ensure
from podkowa.payments.services.ledger import payment_record
from podkowa.payments.services.taxes import tax_decision_issue
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: apt-get install poppler-utils zbar-tools")
    return found


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    return subprocess.run([_tool("pdftotext"), "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_qr_codes(pdf: bytes, tmp_path) -> list[str]:
    """Take every image out of the PDF and decode it as a QR code, byte for byte (zbar's
    binary mode: its own charset guess would read UTF-8 as Shift JIS)."""
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    subprocess.run([_tool("pdfimages"), "-png", str(path), str(tmp_path / "image")],
                   check=True)
    codes = []
    for image in sorted(tmp_path.glob("image-*.png")):
        done = subprocess.run([_tool("zbarimg"), "--quiet", "--raw", "-Sbinary", str(image)],
                              capture_output=True, check=True)
        codes.append(done.stdout.decode("utf-8"))
    return codes


@pytest.fixture
def decision(town, payer, sources):
    PaymentSettings.objects.create(gmina=town, recipient_name="UM Podkowa Leśna",
                                   recipient_nip="5291800426")
    return tax_decision_issue(gmina=town, payer=payer, source=sources["property_tax"],
                              number="FN.3120.412.2026", year=2026, amount=84_200,
                              issued_on=date(2026, 2, 10))


def test_decision_notice_shows_instalments_account_and_readable_qr(client, town, resident,
                                                                   payer, decision, tmp_path):
    account = individual_account_ensure(gmina=town, payer=payer)
    # The first instalment is paid: it shows as paid and gets no QR code.
    first = decision.charges.get(instalment=1)
    payment_record(gmina=town, payer_id=payer.pk, amount=first.amount,
                   method=Payment.Method.BANK, reference="T-1", charge_ids=[first.pk])
    client.force_login(resident)
    response = client.get(f"/platnosci/naleznosc/{first.pk}/zawiadomienie.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    grouped = account.formatted
    assert grouped.startswith(account.number[:2] + " ") and len(grouped.split()) == 7
    for expected in (grouped, "FN.3120.412.2026", "Jan Kowalski", "Podatek od nieruchomości",
                     "210,50", "842,00", "631,50", "16.03.2026", "15.05.2026", "15.09.2026",
                     "16.11.2026", "opłacone", "Termin płatności", "rata 1"):
        assert expected in text, expected
    codes = pdf_qr_codes(response.content, tmp_path)
    # 15.03.2026 is a Sunday, 15.11.2026 too: due the next Monday.
    assert sorted(codes) == [
        f"5291800426|PL|{account.number}|021050|UM Podkowa Leśna|FN.3120.412.2026 rata 2|||",
        f"5291800426|PL|{account.number}|021050|UM Podkowa Leśna|FN.3120.412.2026 rata 3|||",
        f"5291800426|PL|{account.number}|021050|UM Podkowa Leśna|FN.3120.412.2026 rata 4|||",
    ]


def test_notice_of_a_single_charge_without_recipient_nip(client, town, resident, payer,
                                                         charge_factory, tmp_path):
    charge = charge_factory(kind="waste", title="Opłata za odpady, I kwartał 2026",
                            amount=13_200, due=date(2026, 3, 16), reference="DO.6845.2026.0412")
    account = individual_account_ensure(gmina=town, payer=payer)
    client.force_login(resident)
    pdf = client.get(f"/platnosci/naleznosc/{charge.pk}/zawiadomienie.pdf").content
    text = pdf_text(pdf, tmp_path)
    assert "Opłata za odpady, I kwartał 2026" in text and "132,00" in text
    assert account.formatted in text
    # No NIP configured: the first field stays empty, the name is cut to 20 characters.
    assert pdf_qr_codes(pdf, tmp_path) == [
        f"|PL|{account.number}|013200|{town.name[:20]}|DO.6845.2026.0412|||"]


def test_nobody_else_gets_a_residents_notice(client, town, payer, charge_factory):
    charge = charge_factory(amount=1_000)
    client.force_login(UserFactory())
    assert client.get(f"/platnosci/naleznosc/{charge.pk}/zawiadomienie.pdf").status_code == 404
    client.logout()
    assert client.get(f"/platnosci/naleznosc/{charge.pk}/zawiadomienie.pdf").status_code == 302


def test_finance_prints_any_notice_audited_others_may_not(client, town, payer, resident,
                                                          decision):
    sign_in_with_second_factor(client, make_official(town, Role.CASE_CLERK))
    url = f"/platnosci/urzad/decyzja/{decision.pk}/zawiadomienie.pdf"
    assert client.get(url).status_code == 403
    finance = make_official(town, Role.FINANCE)
    sign_in_with_second_factor(client, finance)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    entry = AuditLogEntry.objects.filter(gmina=town, actor=finance).get()
    assert entry.subject == resident and entry.object_ref.endswith(f":{decision.pk}")
    charge = decision.charges.first()
    assert client.get(f"/platnosci/urzad/naleznosc/{charge.pk}/zawiadomienie.pdf"
                      ).status_code == 200
    assert client.get("/platnosci/urzad/inne/1/zawiadomienie.pdf").status_code == 404
