"""One masking policy per channel (domain.md, "Masking personal identifiers")."""

import random

from app.core import idnumber
from app.core.disclosure import Channel, PersonFields, mask_account, mask_id, mask_phone, policy_for, scrub_free_text
from app.core.names import mask_given_name, pinyin_initials
from app.core.synthetic import make_id_number

ID = make_id_number(random.Random(3))
FIELDS = PersonFields(name="张三明", id_number=ID, phone="13812341234", account="6228480012345678901", group="3组",
                      note="代领人身份证 " + make_id_number(random.Random(4)))


def test_id_keeps_region_and_last_four_and_hides_birth_date():
    masked = mask_id(ID)
    assert masked == ID[:6] + "********" + ID[-4:]
    assert ID[6:14] not in masked


def test_phone_and_account():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_account("6228480012345678901") == "***************8901"


def test_wall_keeps_full_names_online_masks_the_given_name():
    wall = policy_for(Channel.WALL).apply(FIELDS, sensitive=False)
    online = policy_for("online").apply(FIELDS, sensitive=False)
    assert wall.name == "张三明"
    assert online.name == "张*明"
    assert wall.id_number == online.id_number == mask_id(ID)


def test_sensitive_types_hide_more_than_either_channel():
    for channel in Channel:
        shown = policy_for(channel).apply(FIELDS, sensitive=True)
        assert shown.name == "张*明"
        assert set(shown.id_number) == {"*"}
        assert shown.note == ""
        assert "8901" not in shown.account


def test_ids_inside_free_text_are_masked():
    scrubbed = scrub_free_text(FIELDS.note)
    assert not any(idnumber.is_valid(token) for token in scrubbed.split())
    assert "********" in scrubbed


def test_given_name_masks():
    assert mask_given_name("张三") == "张*"
    assert mask_given_name("张三明") == "张*明"
    assert mask_given_name("欧阳明明") == "欧阳**"
    assert mask_given_name("阿依·买买提") == "阿*·***"


def test_pinyin_initials_cover_rare_characters():
    assert pinyin_initials("张三") == "zs"
    assert pinyin_initials("王䶮") == "wy"


def test_a_surname_read_otherwise_is_findable_by_its_own_initial():
    """单 is shàn and 曾 zēng as surnames (dān, céng otherwise): the clerk types the surname's reading."""
    assert pinyin_initials("曾国藩") == "zgf cgf"
    assert pinyin_initials("单雄信") == "sxx dxx"
    assert pinyin_initials("尉迟恭") == "ycg wcg"  # a compound surname, read as a whole
    assert pinyin_initials("张曾") == "zc"  # only the surname: 曾 as a given name keeps its reading
    assert pinyin_initials("阿依·单") == "ay·d"  # a transliterated name has no Han surname


def test_the_separator_class_knows_every_format_character_of_this_python():
    """text_rules.FORMAT_RANGES feeds the gate's fast search; it must cover every Cf character the running
    Unicode tables have, or a number split by a newer invisible character would skip the scan."""
    import sys
    import unicodedata

    from app.core.text_rules import FORMAT_RANGES

    covered = {code for low, high in FORMAT_RANGES for code in range(low, high + 1)}
    missing = [hex(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf" and c not in covered]
    assert not missing


def test_a_published_number_is_spared_whatever_its_spelling():
    from app.core.disclosure import for_output, published

    with published("0351-7654321", "140122196308097411"):
        assert for_output("电话 0351 765 4321；号码 140122-19630809-7411") == "电话 0351 765 4321；号码 140122-19630809-7411"
        assert for_output("另一个 13912345678") == "另一个 139****5678"


def test_a_published_setting_spares_the_numbers_inside_it():
    """A supervision phone set as 0351-7654321转12 prints whole on the sheet (issue 14's settings)."""
    from app.core.disclosure import for_output, published

    with published("0351-7654321转12", "0351 7654322（工作日 8:00-17:00）"):
        assert for_output("监督电话：0351-7654321转12") == "监督电话：0351-7654321转12"
        assert for_output("咨询电话：0351 7654322（工作日）") == "咨询电话：0351 7654322（工作日）"
        assert for_output("村民电话 13912345678") == "村民电话 139****5678"
    assert for_output("监督电话：0351-7654321转12") != "监督电话：0351-7654321转12"
