"""Court feeds as the court system's API returns them: dishonest debtors, consumption restrictions."""

from __future__ import annotations

import random
from datetime import date, timedelta

from credit_warehouse_dev.generator.base import Built, FeedBuilder, Unit, format_date
from credit_warehouse_dev.generator.calendar import working_days_back
from credit_warehouse_dev.generator.reference import DIVISION_BY_CODE, PROVINCE_ABBREVIATION
from credit_warehouse_dev.generator.subjects import Subject, person_name

BEHAVIOURS = (
    "有履行能力而拒不履行生效法律文书确定义务",
    "违反财产报告制度",
    "违反限制高消费令",
    "被执行人无正当理由拒不履行执行和解协议",
    "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
    "其它规避执行",
)
_COURT_KINDS = ("full_width_code", "bad_org_code_checksum", "duplicate", "future_date", "missing_required")
# the court API mixes date formats row by row
_DATE_STYLES = ("compact", "chinese", "iso")


def court_name(subject: Subject) -> str:
    county = DIVISION_BY_CODE[subject.division_code]
    city = DIVISION_BY_CODE[county.city_code]
    upper = DIVISION_BY_CODE[county.province_code] if city.name == "市辖区" else city
    return upper.name + county.name + "人民法院"


def case_number(subject: Subject, filed: date, kind: str, sequence: str, rng: random.Random) -> str:
    """(2019)鲁0102执1194号 since 2016; (2015)历法执字第00232号 before; half- or full-width brackets."""
    county = DIVISION_BY_CODE[subject.division_code]
    if filed.year < 2016:
        number = f"({filed.year}){county.name[0]}法{kind}字第{sequence}号"
    else:
        number = f"({filed.year}){PROVINCE_ABBREVIATION[county.code[:2]]}{county.code[2:6]}{kind}{sequence}号"
    return number.replace("(", "（").replace(")", "）") if rng.random() < 0.3 else number


def masked_card(subject: Subject) -> str:
    """What the court publishes as cardNum: a masked ID (birth month and day hidden) or the org code."""
    if subject.is_person:
        id_no = subject.person.id_no
        return id_no[:10] + "****" + id_no[14:]
    return subject.uscc[8:17]


def representative(subject: Subject) -> str:
    if subject.is_person:
        return ""
    return (subject.legal_rep or subject.person).name


class _CourtBuilder(FeedBuilder):
    dirt_kinds = _COURT_KINDS
    code_columns = ("id_no",)
    org_code_column = "id_no"
    date_column = "published_on"
    endpoint: str

    def units(self) -> list[Unit]:
        return [Unit(self.endpoint, "http", self.endpoint, "json", header="label", date_style="compact")]

    def dates(self, rng: random.Random) -> tuple[date, date, str]:
        published = working_days_back(self.night.logical_date, rng.randrange(0, 3))
        old_case = rng.random() < 0.05
        filed = date(rng.choice((2014, 2015)), rng.randrange(1, 13), rng.randrange(1, 29)) if old_case \
            else published - timedelta(days=rng.randrange(30, 700))
        return filed, published, rng.choice(_DATE_STYLES)

    def sequence(self, index: int) -> str:
        return f"{self.night.logical_date.timetuple().tm_yday:03d}{index + 1:05d}"


class DishonestDebtorBuilder(_CourtBuilder):
    feed_name = "court_dishonest_debtor"
    endpoint = "court/dishonest-debtors"

    def build(self, index: int, rng: random.Random) -> Built:
        pool = self.night.pool
        subject = pool.draw_person(rng) if rng.random() < 0.6 else pool.draw_organisation(rng)
        filed, published, style = self.dates(rng)
        court = court_name(subject)
        county = DIVISION_BY_CODE[subject.division_code]
        judged = filed - timedelta(days=rng.randrange(60, 400))
        province = PROVINCE_ABBREVIATION[county.code[:2]]
        basis = f"({judged.year}){province}{county.code[2:6]}民初{rng.randrange(1, 9999)}号"
        amount = rng.randrange(5_000, 3_000_000)
        creditor = person_name(rng)
        partial = rng.random() < 0.12
        row = self.empty_row()
        row.update(
            case_no=case_number(subject, filed, "执", self.sequence(index), rng),
            debtor_name=subject.name,
            id_no=masked_card(subject),
            legal_rep=representative(subject),
            court=court,
            province=DIVISION_BY_CODE[county.province_code].name.removesuffix("省").removesuffix("市"),
            basis_doc_no=basis,
            basis_unit=court,
            filed_on=format_date(filed, style),
            published_on=format_date(published, style),
            duty=f"被告{subject.name}于本判决生效之日起十日内偿还原告{creditor}借款本金{amount}元及利息",
            performance="部分未履行" if partial else "全部未履行",
            performed_part=f"已履行{amount // 3}元" if partial else "暂无",
            unperformed_part=f"{amount - amount // 3}元" if partial else rng.choice(("暂无", f"{amount}元")),
            behaviours=",".join(rng.sample(BEHAVIOURS, rng.choice((1, 1, 2)))),
        )
        if subject.is_person:
            person = subject.person
            age = self.night.logical_date.year - person.birth_date.year
            row.update(sex=person.sex + ("性" if rng.random() < 0.7 else ""), age=str(age),
                       party_type=rng.choice(("580", "580", "0")))
        else:
            row.update(sex="", age="0", party_type=rng.choice(("581", "581", "0")))
        return Built(row, self.endpoint)


class ConsumptionRestrictionBuilder(_CourtBuilder):
    feed_name = "court_consumption_restriction"
    endpoint = "court/consumption-restrictions"

    def build(self, index: int, rng: random.Random) -> Built:
        pool = self.night.pool
        subject = pool.draw_person(rng) if rng.random() < 0.5 else pool.draw_organisation(rng)
        filed, published, style = self.dates(rng)
        row = self.empty_row()
        row.update(
            case_no=case_number(subject, filed, "执恢", self.sequence(index), rng),
            restricted_name=subject.name,
            id_no=masked_card(subject),
            legal_rep=representative(subject),
            court=court_name(subject),
            filed_on=format_date(filed, style),
            published_on=format_date(published, style),
        )
        return Built(row, self.endpoint)
