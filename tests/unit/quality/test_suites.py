"""Suite files: every shipped suite loads; a malformed one is a ConfigurationError naming file and problem."""

from __future__ import annotations

import json

import pytest

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.quality.suites import EXPECTATIONS_DIR, load_suite
from credit_warehouse.settings import ConfigurationError


def test_every_feed_has_a_valid_suite():
    suites = [load_suite(name) for name in load_registry().names]
    assert all(s.rules for s in suites)


def _write(tmp_path, document) -> object:
    path = tmp_path / "dept_penalty.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document, ensure_ascii=False))
    return path


def _penalty():
    return json.loads((EXPECTATIONS_DIR / "dept_penalty.json").read_text(encoding="utf-8"))


def test_broken_json_names_the_line(tmp_path):
    with pytest.raises(ConfigurationError, match=r"not valid JSON at line 2"):
        load_suite("dept_penalty", _write(tmp_path, '{"name": "x",\n "feed": }'))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["expectations"].append({"kind": "date", "columns": ["fine_date"]}),
         r"expectation \d+ \(date\): feed dept_penalty has no column 'fine_date'"),
        (lambda d: d["expectations"].append({"kind": "spell_check", "column": "uscc"}), r"'kind' must be one of"),
        (lambda d: d.update(feed="dept_license"), r"belongs to feed dept_penalty"),
        (lambda d: d["expectations"].append({"kind": "pattern", "column": "uscc", "regex": "(["}),
         r"not a valid regular expression"),
        (lambda d: d["expectations"].append({"kind": "timeliness", "column": "decision_date",
                                                 "department_column": "authority"}),
         r"missing key 'max_working_days'"),
        (lambda d: d.update(personal_columns=["id_card"]), r"personal_columns: feed dept_penalty has no column"),
        (lambda d: d["expectations"].append({"kind": "in_ref", "column": "uscc", "ref_table": "x; drop",
                                             "ref_columns": ["a"]}), r"not a table name"),
    ],
)
def test_malformed_suites_are_configuration_errors(tmp_path, change, message):
    document = _penalty()
    change(document)
    with pytest.raises(ConfigurationError, match=message):
        load_suite("dept_penalty", _write(tmp_path, document))


def test_the_double_publicity_deadline_is_one_number_for_gates_and_dbt():
    import yaml

    from credit_warehouse.settings import PROJECT_ROOT

    project = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    deadlines = {
        feed: next(r.spec["max_working_days"] for r in load_suite(feed).rules if r.kind == "timeliness")
        for feed in ("dept_license", "dept_penalty")
    }
    assert deadlines == {"dept_license": project["vars"]["double_publicity_max_working_days"],
                         "dept_penalty": project["vars"]["double_publicity_max_working_days"]}


def test_gate_staging_and_contract_agree_on_every_status_code():
    """当前状态: the gate accepts per format exactly the codes staging maps (seed record_status), and every
    mapped code is one the publish contract accepts: no value passes the gate only to be held at publishing."""
    import csv

    from credit_warehouse.settings import PROJECT_ROOT

    with (PROJECT_ROOT / "dbt_project" / "seeds" / "record_status.csv").open(encoding="utf-8") as handle:
        seed = list(csv.DictReader(handle))
    from credit_warehouse.publish.contract import SUITE_PATH

    contract = json.loads(SUITE_PATH.read_text(encoding="utf-8"))
    published = {code for e in contract["expectations"] if e["kwargs"]["column"] == "status"
                 for code in e["kwargs"].get("value_set", [])}
    assert published == {"1", "2"}
    assert {row["status_code"] for row in seed} <= published
    for feed in ("dept_license", "dept_penalty"):
        suite = load_suite(feed)
        for layout in load_registry().get(feed).layouts:
            accepted = {v for r in suite.rules if r.kind == "in_set" and r.spec["column"] == "status"
                        and r.applies_to(layout.name) for v in r.spec["values"]}
            assert accepted == {row["status_sent"] for row in seed if row["layout"] == layout.name}, (feed, layout)
    # licence categories: the gate accepts the codes and names of the seed, staging maps names to those codes,
    # and the contract accepts exactly those codes
    with (PROJECT_ROOT / "dbt_project" / "seeds" / "license_category.csv").open(encoding="utf-8") as handle:
        categories = {row["category_code"] for row in csv.DictReader(handle)}
    assert categories == {code for e in contract["expectations"] if e["kwargs"]["column"] == "license_category"
                          for code in e["kwargs"].get("value_set", [])}
