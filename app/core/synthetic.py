"""Synthetic villagers for the demo, the tests and the benchmarks: never real identity data.

IDs are built with valid check characters from a seeded random generator at run time; the repository
holds no ID numbers.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from app.core.idnumber import check_character

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
COMPOUND = ("欧阳", "司马", "上官", "诸葛")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志福春生金海荣凤林德文云成宝珍秋菊才喜富贵"
# 生僻字 seen in villagers' names (domain.md, "Printed forms"): the fonts must print them.
RARE = ("䶮", "𬌗", "堃", "喆", "昇", "淼", "犇", "珺")
# Region codes in the real format; the people are invented, so any valid-looking code will do.
REGION_CODES = ("140123", "140122", "140121", "141127", "410526", "511324", "360732")


@dataclass(frozen=True)
class SyntheticPerson:
    name: str
    id_number: str
    phone: str
    account: str


def make_id_number(rng: random.Random, birth: dt.date | None = None, region: str | None = None) -> str:
    birth = birth or dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 70))
    body = (region or rng.choice(REGION_CODES)) + birth.strftime("%Y%m%d") + f"{rng.randrange(0, 1000):03d}"
    return body + check_character(body)


def make_name(rng: random.Random, rare_share: float = 0.02) -> str:
    surname = rng.choice(COMPOUND) if rng.random() < 0.02 else rng.choice(SURNAMES)
    length = 1 if rng.random() < 0.35 else 2
    given = "".join(rng.choice(GIVEN) for _ in range(length))
    if rng.random() < rare_share:
        given = given[:-1] + rng.choice(RARE)
    return surname + given


def make_person(rng: random.Random, rare_share: float = 0.02) -> SyntheticPerson:
    return SyntheticPerson(
        name=make_name(rng, rare_share),
        id_number=make_id_number(rng),
        phone="1" + rng.choice("3578") + "".join(str(rng.randrange(10)) for _ in range(9)),
        account="6228" + "".join(str(rng.randrange(10)) for _ in range(15)),
    )


def make_people(count: int, seed: int = 2026, rare_share: float = 0.02) -> list[SyntheticPerson]:
    rng = random.Random(seed)
    people: list[SyntheticPerson] = []
    seen: set[str] = set()
    while len(people) < count:
        person = make_person(rng, rare_share)
        if person.id_number not in seen:
            seen.add(person.id_number)
            people.append(person)
    return people
