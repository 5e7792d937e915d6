"""The printable subject credit report (信用报告): HTML and PDF of one subject's credit information.

The document comes from the warehouse's own functions, as the analyst role: analytics.public_credit_report
(what anyone may see) or, with a purpose, analytics.credit_report_of, which audits the query and adds the
authorised-class sections (授权查询). Analysts call the same functions from SQL. IDs are masked in the
document already; the page shows them as they come. The PDF is printed by headless Chromium (Debian's
chromium package), which renders the same HTML a browser shows.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from credit_warehouse.reports.night import PAGE_STYLE, reports_dir, write_index
from credit_warehouse.settings import PLATFORM_TZ, ConfigurationError, database_url

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
KIND_NAMES = {"license": "行政许可", "penalty": "行政处罚", "redlist": "守信红名单", "blacklist": "失信名单",
              "commitment": "信用承诺", "court": "法院失信被执行人", "utility": "公用事业欠费", "logistics": "物流信用"}
CLASS_NAMES = {"public": "社会公开", "government": "政务共享", "authorised": "授权查询"}
STATUS_NAMES = {"active": "有效", "expired": "已届满", "repaired": "已修复", "withdrawn": "已撤销",
                "withheld": "异议更正中，暂停公示"}
TIER_NAMES = {"A": "A（守信）", "B": "B（一般）", "C": "C（关注）", "D": "D（失信）"}


@dataclass
class SubjectReport:
    html_path: Path
    pdf_path: Path
    document: dict


def fetch_document(subject_code: str, purpose: str | None) -> dict:
    with psycopg.connect(database_url(role="analyst")) as conn:
        if purpose:
            row = conn.execute("select analytics.credit_report_of(%s, %s)", (subject_code, purpose)).fetchone()
        else:
            row = conn.execute("select analytics.public_credit_report(%s)", (subject_code,)).fetchone()
        conn.commit()
    if not row or row[0] is None:
        raise ConfigurationError(f"no subject {subject_code!r} in the warehouse (give a USCC, or a person's "
                                 "subject_key from analytics.dim_credit_archive)")
    return row[0]


def _esc(value) -> str:
    return "-" if value is None or value == "" else html.escape(str(value))


def _names(value) -> str | None:
    return "、".join(value) if isinstance(value, list) else value


def _table(headers: list[str], rows: list[list]) -> str:
    if not rows:
        return '<p class="empty">无</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render(document: dict, generated: datetime) -> str:
    subject, tier = document["subject"], document.get("tier") or {}
    identity = [
        ["主体名称", subject.get("primary_name")], ["统一社会信用代码", subject.get("uscc")],
        ["主体标识（subject_key）", subject.get("subject_key")], ["身份证号（掩码）", subject.get("id_no_masked")],
        ["主体类别", subject.get("subject_kind")], ["组织类型", subject.get("organisation_type")],
        ["登记机关", subject.get("registration_authority")], ["所属区划", subject.get("division_name")],
        ["曾用名/报送名称", _names(subject.get("names_seen"))],
        ["首次/最近出现", f"{subject.get('first_seen_on') or '-'} / {subject.get('last_seen_on') or '-'}"],
    ]
    sections = [
        "<h2>一、主体身份</h2>" + _table(["项目", "内容"], [row for row in identity if row[1]]),
        "<h2>二、信用评价</h2>" + _table(["项目", "内容"], [
            ["信用等级（credit_tier）", TIER_NAMES.get(tier.get("credit_tier"), tier.get("credit_tier"))
             or "不评级（自然人仅列示信用记录）"],
            ["等级理由（credit_tier_reason）", tier.get("credit_tier_reason")],
            ["重点监管对象", "是" if tier.get("is_key_supervision") else "否"],
            ["有效失信名单", "、".join(tier.get("active_list_type_names") or []) or "无"],
        ]),
    ]
    records = document.get("records") or []
    by_kind: dict[str, list] = {}
    for record in records:
        by_kind.setdefault(record["record_kind"], []).append(record)
    parts = []
    for kind, items in sorted(by_kind.items()):
        parts.append(f"<h3>{html.escape(KIND_NAMES.get(kind, kind))}（{len(items)} 条）</h3>" + _table(
            ["文号", "机关", "日期", "严重程度", "公示期至", "状态", "公开类别"],
            [[r.get("doc_no"), r.get("authority"), r.get("event_date") or r.get("valid_from"), r.get("severity"),
              r.get("publicity_until"), STATUS_NAMES.get(r.get("status"), r.get("status")),
              CLASS_NAMES.get(r.get("disclosure_class"), r.get("disclosure_class"))] for r in items]))
    sections.append("<h2>三、信用记录（按类别）</h2>" + ("".join(parts) or '<p class="empty">无</p>'))
    listings = document.get("listings") or []
    listing_parts = []
    for listing in listings:
        measures = listing.get("measures") or []
        listing_parts.append(
            f"<h3>{_esc(listing.get('list_type_name'))}：{_esc(listing.get('listing_doc_no'))}</h3>"
            + _table(["认定部门", "认定机关", "列入日期", "公示期至", "列入事由"],
                     [[listing.get("owner_department"), listing.get("listing_authority"), listing.get("listed_on"),
                       listing.get("publicity_until"), listing.get("listing_reason")]])
            + "<p>适用的联合惩戒措施：</p>"
            + _table(["措施", "实施单位", "依据"],
                     [[m.get("measure"), m.get("implementing_units"), m.get("legal_basis")] for m in measures]))
    sections.append("<h2>四、失信名单及适用的惩戒措施</h2>" + ("".join(listing_parts) or '<p class="empty">无</p>'))
    sections.append("<h2>五、异议更正与信用修复</h2>" + _table(
        ["类别", "文号", "状态", "结束日期", "更正编号", "原因"],
        [[KIND_NAMES.get(c.get("record_kind"), c.get("record_kind")), c.get("doc_no"),
          STATUS_NAMES.get(c.get("status"), c.get("status")), c.get("ended_on"), c.get("correction_id"),
          c.get("removal_reason")] for c in document.get("corrections") or []]))
    if document.get("include_authorised"):
        authorised = document.get("authorised") or {}
        sections.append("<h2>六、授权查询信息</h2><p>本节经授权查询取得，查询已记入审计日志。</p>" + _table(
            ["项目", "内容"], [
            ["公用事业欠费记录数", authorised.get("utility_arrears_count")],
            ["当前欠费金额（元）", authorised.get("current_arrears_yuan")],
            ["最长欠费期数", authorised.get("max_arrears_periods")],
            ["物流信用评级", authorised.get("logistics_credit_rating")],
            ["含授权查询信息的信用等级", TIER_NAMES.get(authorised.get("authorised_credit_tier"),
                                            authorised.get("authorised_credit_tier"))],
            ["其理由", authorised.get("authorised_credit_tier_reason")],
        ]))
    title = f"信用报告 · {subject.get('primary_name') or subject.get('subject_key')}"
    scope = "含授权查询信息（已审计）" if document.get("include_authorised") else "公开版（不含授权查询信息）"
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{PAGE_STYLE} @page {{ size: A4; margin: 15mm; }}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{scope}；生成时间：{generated:%Y-%m-%d %H:%M}（北京时间）</p>"
            f"{''.join(sections)}<p class=\"empty\">本报告依据公共信用信息平台归集的数据生成，身份证号已掩码。</p>"
            "</body></html>")


def chromium() -> str:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ConfigurationError("printing the PDF needs Chromium: install the Debian package chromium "
                             "(./cw setup does) or put chromium on PATH")


def print_pdf(html_path: Path, pdf_path: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not pdf_path.exists():
        raise RuntimeError(f"Chromium could not print {html_path.name}: {result.stderr.strip()[-300:]}")


def write_subject_report(subject_code: str, purpose: str | None = None) -> SubjectReport:
    document = fetch_document(subject_code, purpose)
    generated = datetime.now(PLATFORM_TZ)
    key = document["subject"].get("uscc") or document["subject"]["subject_key"]
    folder = reports_dir() / "subjects"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{key}-{generated:%Y%m%d-%H%M%S}" + ("-authorised" if document.get("include_authorised") else "")
    html_path, pdf_path = folder / f"{stem}.html", folder / f"{stem}.pdf"
    html_path.write_text(render(document, generated), encoding="utf-8")
    print_pdf(html_path, pdf_path)
    write_index()
    return SubjectReport(html_path, pdf_path, document)
