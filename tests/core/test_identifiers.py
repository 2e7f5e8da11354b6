import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from podkowa.core.identifiers import (
    clean_nip,
    clean_pesel,
    clean_polish_account,
    clean_regon,
    pesel_hmac,
    validate_teryt_gmina,
)


@pytest.mark.parametrize("pesel", ["44051401359", "02211307589", " 4405 1401 359 "])
def test_valid_pesel_accepted(pesel):
    assert clean_pesel(pesel) == pesel.replace(" ", "")


@pytest.mark.parametrize(
    ("pesel", "code"),
    [("44051401358", "pesel_checksum"), ("02381307589", "pesel_date"),
     ("4405140135", "pesel_format"), ("4405140135x", "pesel_format")],
)
def test_invalid_pesel_refused_with_a_reason(pesel, code):
    with pytest.raises(ValidationError) as err:
        clean_pesel(pesel)
    assert err.value.code == code


def _make_pesel(born: datetime.date, serial: int) -> str:
    offset = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}[born.year // 100]
    body = f"{born.year % 100:02d}{born.month + offset:02d}{born.day:02d}{serial:04d}"
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    check = (10 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 10) % 10
    return body + str(check)


@given(
    born=st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2099, 12, 31)),
    serial=st.integers(0, 9999),
)
def test_every_well_formed_pesel_is_accepted_and_one_changed_digit_is_not(born, serial):
    pesel = _make_pesel(born, serial)
    assert clean_pesel(pesel) == pesel
    wrong_check = pesel[:-1] + str((int(pesel[-1]) + 1) % 10)
    with pytest.raises(ValidationError):
        clean_pesel(wrong_check)


def test_pesel_hash_is_keyed(settings):
    first = pesel_hmac("44051401359")
    assert len(first) == 64 and "44051401359" not in first
    settings.PESEL_HMAC_KEY = "another-key"
    assert pesel_hmac("44051401359") != first


def test_other_identifiers():
    assert clean_nip("8567346215") == "8567346215"
    assert clean_regon("192598184") == "192598184"
    assert clean_regon("12345678512347") == "12345678512347"
    nrb = "61109010140000071219812874"
    assert clean_polish_account("PL61 1090 1014 0000 0712 1981 2874") == nrb
    for bad, fn in [("8567346216", clean_nip), ("192598183", clean_regon),
                    ("12345678512348", clean_regon), ("61109010140000071219812875",
                                                       clean_polish_account)]:
        with pytest.raises(ValidationError):
            fn(bad)


@pytest.mark.parametrize("teryt", ["1405021", "1465011"])
def test_teryt_accepted(teryt):
    validate_teryt_gmina(teryt)


@pytest.mark.parametrize("teryt", ["140502", "1405029", "14050a1"])
def test_teryt_refused(teryt):
    with pytest.raises(ValidationError):
        validate_teryt_gmina(teryt)
