"""``credit-warehouse generate`` end to end (files and courts; the source database has its own test)."""

from __future__ import annotations

import json

from credit_warehouse.cli import main


def test_generate_prints_a_summary_and_writes_the_manifest(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CREDIT_WAREHOUSE_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("CREDIT_WAREHOUSE_COURT_STORE", str(tmp_path / "courts"))
    assert main(["generate", "--date", "2024-05-10", "--rows", "40", "--seed", "4", "--no-source-db"]) == 0
    out = capsys.readouterr().out
    assert "dept_penalty" in out and "court/dishonest-debtors" in out and "manifest:" in out
    manifest = json.loads((tmp_path / "landing" / "_manifests" / "2024-05-10.json").read_text())
    assert manifest["seed"] == 4 and all(f["rows"] == 40 for f in manifest["feeds"].values())
    assert (tmp_path / "courts" / "2024-05-10" / "dishonest-debtors.jsonl").exists()


def test_bad_arguments_are_one_sentence(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CREDIT_WAREHOUSE_LANDING", str(tmp_path))
    assert main(["generate", "--date", "2024-05-10", "--feeds", "dept_nothing", "--no-source-db"]) == 2
    assert "unknown feed 'dept_nothing'" in capsys.readouterr().err
