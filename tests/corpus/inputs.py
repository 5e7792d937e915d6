"""Builders of the corpus's bad (and awkward but valid) inputs: small files written into a date folder.

Each builder takes the date folder and writes what a department might really deliver. The rows are the
dept_commitment feed's (信用承诺) or the credit_correction feed's (异议更正, JSON lines).
"""

from __future__ import annotations

import codecs
import json
import os
import zipfile
from datetime import date
from pathlib import Path

import openpyxl

from credit_warehouse.feeds import files
from credit_warehouse.identifiers import make_resident_id, make_uscc

SALT = 0  # set per case, so no two cases deliver the same record (the gate holds back what was accepted)
HEADER = ["主体名称", "统一社会信用代码", "承诺类型", "承诺事项", "承诺日期", "受理单位", "履约状态", "违约认定日期"]


def uscc(n: int) -> str:
    return make_uscc("9", "1", "310000", f"MA{n:06d}")


def row(n: int, **overrides) -> list[str]:
    values = {"subject_name": f"上海语料测试{n}有限公司", "uscc": uscc(SALT * 100 + n), "commitment_type": "审批替代型",
              "matter": f"按期提交材料{SALT}-{n}", "committed_on": "2024-03-01", "accepting_unit": "市市场监管局",
              "fulfilment": "履约", "breach_noted_on": ""}
    values.update(overrides)
    return list(values.values())


def rows(count: int = 3, **overrides) -> list[list[str]]:
    return [row(n, **overrides) for n in range(1, count + 1)]


def csv_text(header: list[str] = HEADER, body: list[list[str]] | None = None, delimiter: str = ",",
             newline: str = "\r\n") -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if any(c in value for c in ',"\n\r') else value

    lines = [delimiter.join(header), *(delimiter.join(cell(v) for v in r) for r in (body or rows()))]
    return newline.join(lines) + newline


def write(name: str, content: bytes):
    def build(folder: Path) -> None:
        (folder / name).write_bytes(content)
    return build


def csv(name: str = "commitments.csv", encoding: str = "utf-8", **kwargs):
    return write(name, csv_text(**kwargs).encode(encoding))


def raw_lines(*lines: str, name: str = "commitments.csv", encoding: str = "utf-8"):
    return write(name, ("\r\n".join(lines) + "\r\n").encode(encoding))


def header_line() -> str:
    return ",".join(HEADER)


def data_line(n: int, **overrides) -> str:
    return ",".join(row(n, **overrides))


def xlsx(name: str = "commitments.xlsx", sheets: dict[str, list[list]] | None = None):
    def build(folder: Path) -> None:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for title, content in (sheets or {"承诺": [HEADER, *rows()]}).items():
            sheet = workbook.create_sheet(title)
            for values in content:
                sheet.append(values)
        workbook.save(folder / name)
    return build


def damaged_xlsx(folder: Path) -> None:
    xlsx("cut.xlsx")(folder)
    path = folder / "cut.xlsx"
    path.write_bytes(path.read_bytes()[:-300])


def zip_bomb(folder: Path) -> None:
    with zipfile.ZipFile(folder / "bomb.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (600 * 1024 * 1024))


def jsonl(lines: list[str], name: str = "corrections.jsonl", prefix: bytes = b""):
    return write(name, prefix + ("\n".join(lines) + "\n").encode())


def correction(n: int, **overrides) -> str:
    record = {"申请编号": f"YY-{SALT}-{n}", "信息类别": "penalty", "信息标识": f"沪市监罚〔2024〕{SALT}-{n}号",
              "主体代码": uscc(SALT * 100 + n),
              "处理类型": "信用修复", "申请日期": "2024-03-01", "办理单位": "市信用中心"}
    record.update(overrides)
    return json.dumps(record, ensure_ascii=False)


def corrections(count: int = 3) -> list[str]:
    return [correction(n) for n in range(1, count + 1)]


def bom_then(encoding: str):
    return write("commitments.csv", codecs.BOM_UTF8 + csv_text().encode(encoding))


def symlink_out(folder: Path) -> None:
    outside = folder.parents[2] / "outside.csv"
    outside.write_text(csv_text(), encoding="utf-8")
    os.symlink(outside, folder / "linked.csv")


def hard_link_is_a_copy(folder: Path) -> None:
    outside = folder.parents[2] / "elsewhere.csv"
    outside.write_text(csv_text(), encoding="utf-8")
    os.link(outside, folder / "hardlinked.csv")


def both(*builders):
    def build(folder: Path) -> None:
        for builder in builders:
            builder(folder)
    return build


def person_id() -> str:
    return make_resident_id("310101", date(1981, 4, 2), 11)


OLE_SIGNATURE = files.OLE_SIGNATURE


def date_folder_link(folder: Path) -> None:
    outside = folder.parents[2] / f"elsewhere-{folder.name}"
    outside.mkdir()
    (outside / "commitments.csv").write_text(csv_text(), encoding="utf-8")
    folder.rmdir()
    os.symlink(outside, folder)
