"""Landing-folder hardening in the file extractor: unsafe names, links out of the folder, bounded lines."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from credit_warehouse.feeds import files
from credit_warehouse.feeds.errors import FeedInputError
from credit_warehouse.feeds.registry import Column, get_feed

DAY = date(2024, 3, 4)
HEADER = "主体名称,统一社会信用代码,承诺类型,承诺事项,承诺日期,受理单位,履约状态,违约认定日期\n"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path / "landing"))
    path = tmp_path / "landing" / "dept_commitment" / DAY.isoformat()
    path.mkdir(parents=True)
    return path


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a.csv", None),
        ("2024年3月 行政许可(第1批).csv", None),
        ("..\\..\\x.csv", "contains a path separator"),
        ("report..csv", "contains '..'"),
        ("..csv", "contains '..'"),
        ("bell\x07.csv", "contains control, invisible or undecodable characters"),
        ("invoice\u202evsc.exe", "contains control, invisible or undecodable characters"),  # right-to-left override
        ("caf\udce9.csv", "contains control, invisible or undecodable characters"),  # a Latin-1 byte, undecoded
    ],
)
def test_unsafe_name_reason(name, reason):
    assert files.unsafe_name_reason(name) == reason


def test_unsafe_names_are_listed_to_be_refused_not_skipped(folder):
    for name in ("ok.csv", ".hidden.csv", "..\\evil.csv", "x.csv.part", "..swap.part"):
        (folder / name).write_text("x")
    listed = [p.name for p in files.landing_files(get_feed("dept_commitment"), DAY)]
    assert listed == ["..\\evil.csv", "..swap.part", "ok.csv"]


def test_display_name_escapes_what_a_terminal_would_act_on(folder):
    assert files.display_name(folder / "a\x1b[31m\udcff.csv") == "dept_commitment/2024-03-04/a\\x1b[31m\\xff.csv"


def test_links_inside_the_folder_are_followed_links_outside_refused(folder, tmp_path):
    feed = get_feed("dept_commitment")
    (folder / "real.csv").write_text(HEADER)
    (folder / "alias.csv").symlink_to(folder / "real.csv")
    files.check_landing_path(feed, folder / "alias.csv")
    outside = tmp_path / "passwd.csv"
    outside.write_text(HEADER)
    (folder / "sneaky.csv").symlink_to(outside)
    with pytest.raises(FeedInputError, match=r"^feed dept_commitment, file dept_commitment/2024-03-04/sneaky.csv: "
                                             r"refused because it is a symbolic link pointing outside"):
        files.inspect_file(feed, folder / "sneaky.csv")


def test_a_date_folder_that_links_out_of_the_landing_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path / "landing"))
    feed = get_feed("dept_commitment")
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    (elsewhere / "secrets.csv").write_text(HEADER)
    (tmp_path / "landing" / "dept_commitment").mkdir(parents=True)
    (tmp_path / "landing" / "dept_commitment" / DAY.isoformat()).symlink_to(elsewhere, target_is_directory=True)
    [path] = files.landing_files(feed, DAY)
    with pytest.raises(FeedInputError, match="its folder is a symbolic link pointing outside the landing folder"):
        files.inspect_file(feed, path)


def test_a_landing_root_that_is_itself_a_link_is_fine(tmp_path, monkeypatch):
    real = tmp_path / "mnt" / "landing"
    (real / "dept_commitment" / DAY.isoformat()).mkdir(parents=True)
    (real / "dept_commitment" / DAY.isoformat() / "c.csv").write_text(HEADER)
    (tmp_path / "landing").symlink_to(real, target_is_directory=True)
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path / "landing"))
    [path] = files.landing_files(get_feed("dept_commitment"), DAY)
    files.check_landing_path(get_feed("dept_commitment"), path)


def test_csv_field_limit_follows_the_registry():
    feed = get_feed("dept_commitment")
    assert files.csv_field_limit(feed) == 4 * max(c.max_length for c in feed.columns)
    unbounded = dataclasses.replace(feed, columns=(Column(name="x", label="X"),))
    assert files.csv_field_limit(unbounded) == files.CSV_FIELD_LIMIT


def test_header_line_and_json_line_are_bounded(folder, monkeypatch):
    monkeypatch.setattr(files, "HEADER_LINE_LIMIT", 50)
    path = folder / "wide.csv"
    path.write_text("主体名称," * 40 + "\n")
    facts = files.inspect_file(get_feed("dept_commitment"), path)
    with pytest.raises(FeedInputError, match=r"wide.csv, line 1: the header line is longer than 50 characters"):
        list(files.read_rows(get_feed("dept_commitment"), facts))

    monkeypatch.setattr(files, "JSONL_LINE_LIMIT", 100)
    lines = folder / "c.jsonl"
    lines.write_text('{"correction_id": "A"}\n{"correction_id": "' + "B" * 200 + '"}\n')
    feed = get_feed("credit_correction")
    with pytest.raises(FeedInputError, match=r"c.jsonl, line 2: longer than 100 characters"):
        list(files.read_rows(feed, files.inspect_file(feed, lines)))
