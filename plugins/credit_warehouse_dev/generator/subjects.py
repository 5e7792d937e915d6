"""The pool of credit subjects every feed draws from: companies, individual businesses, other
organisations and natural persons, each a pure function of (seed, index).

The pool depends only on the seed and its size, never on the date, so later nights meet the same
subjects again; subjects are built on demand (and cached), so a huge pool costs no memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from credit_warehouse.identifiers import USCC_ALPHABET, make_resident_id, make_uscc
from credit_warehouse_dev.generator import vocab
from credit_warehouse_dev.generator.reference import (
    COUNTIES,
    DIVISION_BY_CODE,
    NEW_COUNTIES,
    division_full_name,
)

DEFAULT_POOL_SIZE = 5000

# share of each authority/type pair among organisations (GB 32100 first two characters)
_ORG_TYPES = (
    ("91", 620), ("92", 180), ("93", 20), ("12", 40), ("11", 15), ("13", 3), ("51", 15), ("52", 20), ("53", 3),
    ("31", 8), ("32", 2), ("33", 2), ("34", 2), ("71", 4), ("81", 10), ("N1", 5), ("N2", 20), ("N3", 5),
    ("A1", 2), ("Y1", 4), ("19", 2),
)
_ORG_CODES = tuple(code for code, _ in _ORG_TYPES)
_ORG_WEIGHTS = tuple(weight for _, weight in _ORG_TYPES)

_SHANDONG = tuple(c for c in COUNTIES if c.code.startswith("37"))
_ELSEWHERE = tuple(c for c in COUNTIES if not c.code.startswith("37"))
_BIRTH_PLACES = tuple(c for c in COUNTIES if c.code not in NEW_COUNTIES)
_SURNAME_WEIGHTS = tuple(100 / (rank + 5) for rank in range(len(vocab.SURNAMES)))
_LETTERS = USCC_ALPHABET[10:]


@dataclass(frozen=True)
class Person:
    name: str
    id_no: str
    sex: str  # 男 | 女
    birth_date: date


@dataclass(frozen=True)
class Subject:
    index: int
    kind: str  # legal_person | individual_business | unincorporated | other | person
    name: str
    division_code: str
    address: str
    uscc: str | None = None  # organisations, individual businesses
    person: Person | None = None  # natural persons; the operator of an individual business
    legal_rep: Person | None = None  # organisations

    @property
    def is_person(self) -> bool:
        return self.kind == "person"

    @property
    def type_pair(self) -> str:
        return self.uscc[:2] if self.uscc else ""

    @property
    def code(self) -> str:
        """The subject's identifier: USCC, or the resident ID of a natural person."""
        return self.uscc or self.person.id_no


def person_name(rng: random.Random) -> str:
    surname = rng.choices(vocab.SURNAMES, _SURNAME_WEIGHTS)[0]
    return surname + "".join(rng.choice(vocab.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))


def make_person(rng: random.Random, as_of: date = date(2024, 1, 1)) -> Person:
    division = rng.choice(_BIRTH_PLACES if rng.random() < 0.2 else tuple(c for c in _SHANDONG
                                                                          if c.code not in NEW_COUNTIES))
    born = date(1950, 1, 1) + timedelta(days=rng.randrange((as_of - date(1950, 1, 1)).days - 18 * 366))
    sex = rng.choice("男女")
    sequence = rng.randrange(500) * 2 + (1 if sex == "男" else 0)  # odd sequence = male (GB 11643)
    return Person(person_name(rng), make_resident_id(division.code, born, sequence), sex, born)


def address(rng: random.Random, division_code: str) -> str:
    street = f"{rng.choice(vocab.ROADS)}{rng.randrange(1, 3000)}号"
    if rng.random() < 0.4:
        street += f"{rng.randrange(1, 30)}号楼{rng.randrange(1, 6)}单元{rng.randrange(101, 2602)}室"
    return division_full_name(division_code) + street


def _org_code_first8(rng: random.Random, type_pair: str) -> str:
    # codes issued by market regulation since 2015 start with MA; older ones are digits
    if type_pair[0] == "9" and rng.random() < 0.7:
        return "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    if type_pair[0] in "NAY":
        return rng.choice(_LETTERS) + "".join(rng.choice("0123456789") for _ in range(7))
    return "".join(rng.choice("0123456789") for _ in range(8))


def _org_name(rng: random.Random, type_pair: str, division_code: str, operator: Person) -> str:
    county = DIVISION_BY_CODE[division_code]
    city = DIVISION_BY_CODE[county.city_code]
    city_short = city.name.removesuffix("市") if city.name != "市辖区" else DIVISION_BY_CODE[
        county.province_code].name.removesuffix("市")
    brand, industry = rng.choice(vocab.BRANDS), rng.choice(vocab.INDUSTRIES)
    match type_pair:
        case "91":
            form = rng.choice(vocab.COMPANY_FORMS)
            if rng.random() < 0.3:
                return f"{brand}{industry}（{city_short}）{form}"
            return f"{city_short}{brand}{industry}{form}"
        case "92":
            return f"{county.name}{operator.name}{rng.choice(vocab.SHOPS)}"
        case "93":
            return f"{county.name}{rng.choice(vocab.VILLAGES)}{rng.choice(vocab.PRODUCE)}专业合作社"
        case "11":
            return f"{city.name if city.name != '市辖区' else ''}{county.name}{rng.choice(vocab.AGENCIES)}"
        case "12" | "19":
            return f"{city_short}{county.name}{rng.choice(vocab.INSTITUTIONS)}"
        case "13":
            return f"{city_short}市{rng.choice(('妇女联合会', '科学技术协会', '残疾人联合会'))}"
        case "31":
            return f"山东{brand}律师事务所"
        case "32":
            return f"{city_short}市{county.name}公证处"
        case "33":
            return f"{county.name}{rng.choice(vocab.VILLAGES)}法律服务所"
        case "34":
            return f"{city_short}{brand}司法鉴定所"
        case "51":
            return f"{city_short}市{rng.choice(vocab.ASSOCIATIONS)}"
        case "52":
            return f"{city_short}{brand}{rng.choice(vocab.PRIVATE_NONPROFITS)}"
        case "53":
            return f"山东省{brand}慈善基金会"
        case "71":
            return f"{county.name}{brand}寺"
        case "81":
            return f"{city_short}{brand}{industry}有限公司工会委员会"
        case "N1" | "N2" | "N3":
            return f"{county.name}{rng.choice(vocab.VILLAGES)}股份经济合作社"
        case "A1":
            return f"中国人民解放军联勤保障部队第{rng.randrange(900, 990)}医院"
        case _:
            return f"{city_short}{brand}{industry}商会"


class SubjectPool:
    """Subjects 0..size-1 for one seed; one in five is a natural person."""

    def __init__(self, seed: int, size: int = DEFAULT_POOL_SIZE):
        if size < 100:
            raise ValueError("the subject pool needs at least 100 subjects")
        self.seed = seed
        self.size = size
        self.get = lru_cache(maxsize=200_000)(self._build)

    def _build(self, index: int) -> Subject:
        rng = random.Random(f"subject:{self.seed}:{index}")
        county = rng.choice(_SHANDONG if rng.random() < 0.9 else _ELSEWHERE)
        where = address(rng, county.code)
        if index % 5 == 0:
            person = make_person(rng)
            return Subject(index, "person", person.name, county.code, where, person=person)
        type_pair = rng.choices(_ORG_CODES, _ORG_WEIGHTS)[0]
        operator = make_person(rng)
        uscc = make_uscc(type_pair[0], type_pair[1], county.code, _org_code_first8(rng, type_pair))
        kind = {"92": "individual_business", "31": "unincorporated", "33": "unincorporated",
                "34": "unincorporated", "19": "other", "Y1": "other"}.get(type_pair, "legal_person")
        name = _org_name(rng, type_pair, county.code, operator)
        if kind == "individual_business":
            return Subject(index, kind, name, county.code, where, uscc=uscc, person=operator)
        return Subject(index, kind, name, county.code, where, uscc=uscc, legal_rep=operator)

    def draw(self, rng: random.Random) -> Subject:
        """Any subject; low indices are drawn more often, so active subjects recur across feeds."""
        return self.get(int(self.size * rng.random() ** 2))

    def draw_organisation(self, rng: random.Random, type_pairs: tuple[str, ...] | None = None) -> Subject:
        """An organisation (optionally of the given USCC authority/type pairs), drawn as ``draw`` does."""
        for _ in range(200):
            subject = self.draw(rng)
            if not subject.is_person and (type_pairs is None or subject.type_pair in type_pairs):
                return subject
        # the pool holds no such subject near the front: fall back to a plain company
        index = rng.randrange(self.size)
        while index % 5 == 0 or self.get(index).type_pair != "91":
            index = (index + 1) % self.size
        return self.get(index)

    def draw_person(self, rng: random.Random) -> Subject:
        return self.get(5 * int((self.size - 1) // 5 * rng.random() ** 2))
