"""ID numbers as domain.md defines validity: 18 characters, a real birth date, the check character."""

import datetime as dt
import random

import pytest

from app.core import idnumber
from app.core.synthetic import make_id_number

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def valid_id() -> str:
    return make_id_number(random.Random(1), birth=dt.date(1990, 1, 1), region="140123")


def test_valid_number_is_accepted(valid_id):
    assert idnumber.validate(valid_id, today=TODAY).number == valid_id


def test_lowercase_x_is_stored_as_upper_and_spaces_are_trimmed():
    rng = random.Random(5)
    number = next(n for n in (make_id_number(rng) for _ in range(500)) if n.endswith("X"))
    spaced = f"  {number[:6]} {number[6:14]} {number[14:-1]}x "
    assert idnumber.validate(spaced, today=TODAY).number == number


def test_full_width_digits_are_folded(valid_id):
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in valid_id)
    assert idnumber.validate(full_width, today=TODAY).number == valid_id


def test_wrong_check_character_names_the_expected_one(valid_id):
    wrong = valid_id[:17] + ("0" if valid_id[17] != "0" else "1")
    with pytest.raises(idnumber.IdNumberError, match="校验位不对.*应为 " + valid_id[17]):
        idnumber.validate(wrong, today=TODAY)


@pytest.mark.parametrize("cut", [17, 19])
def test_wrong_length(valid_id, cut):
    text = (valid_id + "1")[:cut]
    with pytest.raises(idnumber.IdNumberError, match=f"这里是 {cut} 位"):
        idnumber.validate(text, today=TODAY)


@pytest.mark.parametrize("birth", ["19900230", "19901301", "20300101", "18500101"])
def test_impossible_birth_date(birth):
    body = "140123" + birth + "123"
    number = body + idnumber.check_character(body)
    with pytest.raises(idnumber.IdNumberError, match="出生日期 " + birth):
        idnumber.validate(number, today=TODAY)


def test_legacy_15_digit_number_is_flagged_for_correction():
    with pytest.raises(idnumber.IdNumberError, match="15 位旧身份证号"):
        idnumber.validate("140123900101123", today=TODAY)


@pytest.mark.parametrize("mangled", ["1.40123199001E+17", "1.40123199001011e17"])
def test_number_mangled_by_excel_is_rejected(mangled):
    with pytest.raises(idnumber.IdNumberError, match="科学计数法"):
        idnumber.validate(mangled, today=TODAY)


def test_numeric_cell_is_rejected_even_if_it_looks_plausible(valid_id):
    with pytest.raises(idnumber.IdNumberError, match="存成了数字"):
        idnumber.validate(float(valid_id[:17] + "0"), today=TODAY)


def test_unknown_region_code_is_a_warning_not_a_rejection():
    # domain.md: codes of merged or abolished counties stay on people's IDs.
    body = "999901" + "19800101" + "001"
    number = body + idnumber.check_character(body)
    checked = idnumber.validate(number, today=TODAY)
    assert checked.number == number
    assert checked.warnings and "地区码 999901" in checked.warnings[0]


def test_check_character_matches_gb11643_example():
    # GB 11643-1999 appendix example: 11010519491231002X.
    assert idnumber.check_character("11010519491231002") == "X"
    assert idnumber.is_valid("11010519491231002X")


# --- issue 12: region codes as data; nothing but IdNumberError ever leaves validate ----------------

def _holder(region: str, year: int) -> str:
    return make_id_number(random.Random(year), birth=dt.date(year, 3, 1), region=region)


@pytest.mark.parametrize("year", [1950, 1962, 1970, 1985, 1999, 2002, 2010])
def test_a_county_created_in_2003_is_fine_for_holders_born_before_it(year):
    # domain.md: the code is the one in force where the number was issued, not at birth. 141102
    # 离石区 exists since 2003; the old code drew a warning for everyone born before.
    assert idnumber.validate(_holder("141102", year), today=TODAY).warnings == ()


@pytest.mark.parametrize("region", ["120110", "140102", "142301"])
def test_codes_of_abolished_or_renamed_counties_are_fine(region):
    # 天津 东郊区 (until 1991), 太原 南城区 (1983-1997), 离石市 of 吕梁地区 (until 2003)
    assert idnumber.validate(_holder(region, 1960), today=TODAY).warnings == ()


def test_a_code_never_issued_is_a_warning_naming_it_not_a_crash():
    # python-stdnum's get_birth_place raised KeyError('county') for 140124.
    checked = idnumber.validate(_holder("140124", 1980), today=TODAY)
    assert len(checked.warnings) == 1 and "地区码 140124" in checked.warnings[0]


def test_the_region_table_is_the_bundled_data():
    from app.core import regions

    assert regions.periods("141102")[0].first_year == 2003
    assert [p.name for p in regions.periods("120110")] == ["东郊区", "东丽区"]
    assert not regions.ever_issued("140124") and not regions.ever_issued("999901")


def test_arabic_indic_and_other_decimal_digits_are_folded(valid_id):
    arabic = valid_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    devanagari = valid_id.translate(str.maketrans("0123456789", "०१२३४५६७८९"))
    assert idnumber.validate(arabic, today=TODAY).number == valid_id
    assert idnumber.validate(devanagari, today=TODAY).number == valid_id


@pytest.mark.parametrize(
    "raw",
    ["𐩀" * 18, "²" * 18, "1" * 17 + "²", True, dt.date(2020, 1, 1), float("nan"), float("inf"), "9" * 5000,
     "\x00" * 18, "\u202e" + "1" * 18, 10**40, b"140123199001011234"],
)
def test_strange_input_is_refused_in_chinese_never_raised_otherwise(raw):
    with pytest.raises(idnumber.IdNumberError) as caught:
        idnumber.validate(raw, today=TODAY)
    assert not str(caught.value).isascii()
