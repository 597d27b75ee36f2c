"""ID numbers, phones, names: normalisation and validation."""

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from persons.identity import (
    mask_doc,
    mask_phone,
    normalize_doc_number,
    normalize_phone,
    pinyin_initials,
    resident_id_check,
)
from persons.tests.conftest import resident_id

TODAY = dt.date(2020, 5, 21)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@given(region=st.integers(110000, 829999), birth=st.dates(dt.date(1900, 1, 1), TODAY), seq=st.integers(0, 999))
def test_check_digit_agrees_with_stdnum(region, birth, seq):
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    good = body + ric.calc_check_digit(body + "0")
    assert resident_id_check(good, today=TODAY) == (birth, "M" if seq % 2 else "F")
    for wrong in "0123456789X":
        if wrong != good[-1]:
            with pytest.raises(ValueError, match="check digit"):
                resident_id_check(body + wrong, today=TODAY)


def test_louxing_number_of_someone_born_in_1990_is_accepted():
    # 431302 (娄星区) was created in 1999: a person born in 1990 still carries it.
    number = resident_id("431302", dt.date(1990, 6, 15), 71)
    assert resident_id_check(number, today=TODAY) == (dt.date(1990, 6, 15), "M")


@pytest.mark.parametrize("number, reason", [
    ("43130219900101123", "18"),
    ("4313021990010112AX", "17 digits"),
    ("431302199002301234", "birth date"),
])
def test_bad_numbers_say_why(number, reason):
    with pytest.raises(ValueError, match=reason):
        resident_id_check(number, today=TODAY)


def test_future_birth_date_is_refused():
    with pytest.raises(ValueError, match="future"):
        resident_id_check(resident_id(birth=dt.date(2021, 1, 1)), today=TODAY)


def test_full_width_spaces_and_lower_x_are_normalised():
    assert normalize_doc_number(" ４３１３０２ １９９００１０１１２３x ") == "431302199001011230"[:17] + "X"


@pytest.mark.parametrize("raw, clean", [("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
                                        ("１３８１２３４５６７８", "13812345678"), ("", "")])
def test_phones_are_normalised(raw, clean):
    assert normalize_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12345678901", "0738-8321234", "1381234567"])
def test_non_mobile_numbers_are_refused(raw):
    with pytest.raises(ValueError, match="11 digits"):
        normalize_phone(raw)


def test_pinyin_initials_and_masks():
    assert pinyin_initials("张三丰") == "zsf"
    assert pinyin_initials("何芳 Ann") == "hfann"
    assert mask_doc("431302199001011230") == "431302********1230"
    assert mask_phone("13812345678") == "138****5678"
