"""Government departments that decide, list and report: names, USCCs, document-number prefixes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cache

from credit_warehouse.devtools.generator.reference import DIVISION_BY_CODE
from credit_warehouse.devtools.generator.subjects import Subject
from credit_warehouse.identifiers import make_uscc

HOME_CITIES = ("370100", "370800")  # the platform's cities: Jinan and Jining
_CITY_SHORT = {"370100": "济", "370800": "济宁"}  # document-number abbreviations


@dataclass(frozen=True)
class Department:
    key: str  # ASCII key used in file names
    name: str  # 市场监督管理局 ...
    abbreviation: str  # 市监 ... (document numbers)


DEPARTMENTS = {
    d.key: d for d in (
        Department("scjg", "市场监督管理局", "市监"),
        Department("jtys", "交通运输局", "交运"),
        Department("zjj", "住房和城乡建设局", "建"),
        Department("wjw", "卫生健康委员会", "卫"),
        Department("sthj", "生态环境局", "环"),
        Department("xzsp", "行政审批服务局", "审批"),
        Department("yjgl", "应急管理局", "应急"),
        Department("sw", "税务局", "税"),
        Department("rsj", "人力资源和社会保障局", "人社"),
        Department("fgw", "发展和改革委员会", "发改"),
        Department("mzj", "民政局", "民"),
        Department("tjj", "统计局", "统"),
        Department("jrj", "地方金融监督管理局", "金"),
        Department("gaj", "公安局", "公"),
        Department("nyj", "能源局", "能"),
        Department("hg", "海关", "关"),
    )
}


@dataclass(frozen=True)
class Authority:
    name: str
    uscc: str
    doc_prefix: str  # e.g. 济历市监


@cache
def authority(department_key: str, division_code: str) -> Authority:
    """The department at a city (xxxx00) or county level; its USCC is stable for the name."""
    department = DEPARTMENTS[department_key]
    division = DIVISION_BY_CODE[division_code]
    city = DIVISION_BY_CODE[division.city_code]
    city_short = _CITY_SHORT.get(city.code, city.name[0])
    if division.level == "city":
        name, prefix = city.name + department.name, city_short + department.abbreviation
    else:
        name = city.name + division.name + department.name
        prefix = city_short + division.name[0] + department.abbreviation
    if department_key == "sw":
        name = "国家税务总局" + name
    rng = random.Random(f"authority:{name}")
    first8 = "".join(rng.choice("0123456789") for _ in range(8))
    return Authority(name, make_uscc("1", "1", division_code, first8), prefix)


def deciding_authority(department_key: str, subject: Subject, rng: random.Random) -> Authority:
    """A county-level department where the subject sits in a home city, else the Jinan city level."""
    county = DIVISION_BY_CODE[subject.division_code]
    if county.city_code in HOME_CITIES and rng.random() < 0.6:
        return authority(department_key, county.code)
    city = county.city_code if county.city_code in HOME_CITIES else HOME_CITIES[0]
    return authority(department_key, city)


def reporting_unit(department_key: str, decided_by: Authority) -> Authority:
    """Data are reported by the city-level department of the deciding authority's city."""
    city = decided_by.uscc[2:6] + "00"
    return authority(department_key, city)


def serial(logical_date: date, index: int) -> str:
    """A document serial unique per night and row: day of year (3 digits) then the row (5+ digits)."""
    return f"{logical_date.timetuple().tm_yday:03d}{index + 1:05d}"


def doc_no(prefix: str, word: str, logical_date: date, index: int) -> str:
    """A document number such as 济历市监罚字〔2024〕13100001号."""
    return f"{prefix}{word}〔{logical_date.year}〕{serial(logical_date, index)}号"


def reporting_units() -> list[tuple[str, str, str, str]]:
    """The directory of reporting units (信用信息提供单位目录): every department of the home cities and their
    counties, as (name, USCC, division, department key). The 2016 format names an authority without its
    USCC; the warehouse takes it from this directory."""
    divisions = [d for d in DIVISION_BY_CODE.values()
                 if d.code in HOME_CITIES or (d.level == "county" and d.city_code in HOME_CITIES)]
    return sorted({(a.name, a.uscc, code, key)
                   for key in DEPARTMENTS for code in (d.code for d in divisions)
                   for a in (authority(key, code),)})
