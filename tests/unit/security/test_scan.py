"""The personal-data scan on text and files: what counts as a full resident-ID number, reported masked."""

from __future__ import annotations

from datetime import date

from credit_warehouse.identifiers import make_resident_id, make_uscc, mask_resident_id
from credit_warehouse.security import scan

FULL_ID = make_resident_id("370102", date(1979, 3, 22), 12)


def test_full_ids_in_running_text_json_full_width_spaced_and_glued():
    full_width = FULL_ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    spaced = f"{FULL_ID[:6]} {FULL_ID[6:14]}-{FULL_ID[14:]}"
    text = f"row 3: id {FULL_ID}; {{\"id\":\"{FULL_ID.lower()}\"}} 证件号{full_width}号 {spaced} ID{FULL_ID}"
    assert list(scan.full_ids(text)) == [FULL_ID] * 5


def test_what_is_not_a_full_id():
    wrong_check = FULL_ID[:-1] + ("1" if FULL_ID[-1] != "1" else "2")
    not_yet_born = make_resident_id("370102", date(2090, 1, 1), 1)
    unknown_province = make_resident_id("990102", date(1979, 3, 22), 12)
    assert scan.is_full_id(FULL_ID)
    for text in (
        mask_resident_id(FULL_ID),
        wrong_check,
        not_yet_born,
        unknown_province,
        f"{FULL_ID}7",
        make_uscc("9", "1", "370102", "MA3C0001"),
    ):
        assert list(scan.full_ids(text)) == [], text


def test_scan_files_reads_every_file_across_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(scan, "CHUNK", 7)  # numbers straddle chunk boundaries
    logs = tmp_path / "logs" / "dag" / "task"
    logs.mkdir(parents=True)
    (logs / "attempt=1.log").write_text(f"loading…\nperson {FULL_ID} failed\n{FULL_ID}\n", encoding="utf-8")
    (logs / "clean.log").write_text("nothing personal " + mask_resident_id(FULL_ID))
    (tmp_path / "mail.eml").write_bytes(b"\xff\xfe garbage " + FULL_ID.encode("gb18030") + b" \x81")
    findings, files = scan.scan_files([tmp_path / "logs", tmp_path / "mail.eml", tmp_path / "missing"])
    assert files == 3
    assert sorted((f.location.rsplit("/", 1)[-1], f.count) for f in findings) == [("attempt=1.log", 2),
                                                                                   ("mail.eml", 1)]
    report = scan.format_findings(findings)
    assert FULL_ID not in report and mask_resident_id(FULL_ID) in report
    assert report.endswith("3 full resident-ID number(s) in 2 place(s).")


def test_clean_report():
    assert scan.format_findings([]) == "No full resident-ID number found."
