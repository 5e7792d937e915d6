"""docker-compose.yml cannot run here (no Docker engine), so check it against what the code reads."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from credit_warehouse.cli import build_parser
from credit_warehouse.orchestration.airflow_env import airflow_env
from credit_warehouse.settings import PROJECT_ROOT, ROLES

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
AIRFLOW_SERVICES = [name for name in SERVICES if name.startswith("airflow-")]
# what the stack cannot run without: locations and secrets (tunables have defaults and are in README.md)
REQUIRED = {
    "CREDIT_WAREHOUSE_HOME", "CREDIT_WAREHOUSE_STATE", "CREDIT_WAREHOUSE_DB_URL", "CREDIT_WAREHOUSE_DB_NAME",
    "CREDIT_WAREHOUSE_LANDING", "CREDIT_WAREHOUSE_PERSON_KEY_SECRET", "CREDIT_WAREHOUSE_VAULT_KEY",
    "AIRFLOW_CONN_COURT_API", "AIRFLOW_CONN_NATIONAL_API", "AIRFLOW_CONN_SMTP_ALERTS",
} | {f"CREDIT_WAREHOUSE_{role.upper()}_PASSWORD" for role in ROLES}


def _env(service: str) -> dict:
    return SERVICES[service].get("environment", {})


def _variables_the_code_reads() -> set[str]:
    found = set()
    for path in (PROJECT_ROOT / "plugins").rglob("*.py"):  # the product and the stand-ins compose also runs
        found |= set(re.findall(r"\b(CREDIT_WAREHOUSE_[A-Z_]+[A-Z])\b", path.read_text()))
    return found | REQUIRED


def test_the_full_stack_is_there():
    assert {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer", "airflow-worker", "smtp-sink", "national-interface"} <= set(SERVICES)
    assert _env("airflow-scheduler")["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert _env("airflow-worker")["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")


@pytest.mark.parametrize("service", AIRFLOW_SERVICES)
def test_every_required_variable_is_set(service):
    missing = REQUIRED - set(_env(service))
    assert not missing, f"{service} lacks {sorted(missing)}"


def test_every_variable_set_is_one_the_code_reads():
    read = _variables_the_code_reads()
    for service in SERVICES:
        unknown = {key for key in _env(service) if key.startswith("CREDIT_WAREHOUSE_")} - read
        assert not unknown, f"{service} sets variables nothing reads: {sorted(unknown)}"


def test_every_variable_the_code_reads_is_documented():
    readme = (PROJECT_ROOT / "README.md").read_text()
    undocumented = {name for name in _variables_the_code_reads()
                    if name not in readme and not re.search(r"__[A-Z_]+$", name)}
    assert not undocumented, f"README.md does not mention {sorted(undocumented)}"


@pytest.mark.parametrize("service", AIRFLOW_SERVICES)
def test_airflow_settings_match_the_local_environment(service):
    local = airflow_env()
    shared = [key for key in local if key.startswith("AIRFLOW__") and "FOLDER" not in key
              and key not in {"AIRFLOW__CORE__EXECUTOR", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                              "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", "AIRFLOW__API_AUTH__JWT_SECRET",
                              "AIRFLOW__API__SECRET_KEY", "AIRFLOW__LOGGING__LOGGING_LEVEL",
                              "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
                              # sized for the machine it runs on
                              "AIRFLOW__CORE__PARALLELISM", "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG"}]
    env = _env(service)
    for key in shared:
        assert env.get(key) == local[key], key
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        assert key in env


@pytest.mark.parametrize("service", AIRFLOW_SERVICES)
def test_mounts_match_the_folders_the_code_reads(service):
    env = _env(service)
    mounts = {target.split(":")[0]: source for source, target in
              (volume.split(":", 1) for volume in SERVICES[service]["volumes"])}
    home = env["CREDIT_WAREHOUSE_HOME"]
    assert mounts[env["AIRFLOW__CORE__DAGS_FOLDER"]] == "./dags"
    assert mounts[env["AIRFLOW__CORE__PLUGINS_FOLDER"]] == "./plugins"
    assert mounts[f"{home}/dbt_project"] == "./dbt_project"
    assert mounts[f"{home}/expectations"] == "./expectations"
    assert env["CREDIT_WAREHOUSE_LANDING"] in mounts
    assert env["CREDIT_WAREHOUSE_STATE"] in mounts
    for source in mounts.values():
        assert source.startswith("./") is False or (PROJECT_ROOT / source).exists(), source


CLI_SERVICES = [name for name, service in SERVICES.items() if service.get("entrypoint", [""])[0] == "credit-warehouse"]


@pytest.mark.parametrize("service", CLI_SERVICES)
def test_service_commands_are_real_cli_commands(service):
    args = build_parser().parse_args(SERVICES[service]["entrypoint"][1:])  # exits on an unknown command or option
    assert callable(args.handler)


def test_no_secret_is_written_in_the_file():
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    for match in re.finditer(r"^\s*[A-Z_]*(?:PASSWORD|SECRET|TOKEN|KEY)[A-Z_]*:\s*(\S+)", text, re.MULTILINE):
        value = match.group(1)
        assert value.startswith("${"), f"{match.group(0)} is not taken from the environment"
    assert Path(PROJECT_ROOT / ".env").exists() is False


def test_the_product_image_has_no_stand_ins_and_the_stand_in_services_do():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "--no-dev" in dockerfile and "AS stand-ins" in dockerfile
    for service in ("smtp-sink", "national-interface", "court-api"):
        assert SERVICES[service]["build"]["target"] == "stand-ins", service
    for service in AIRFLOW_SERVICES:
        assert SERVICES[service]["build"]["target"] == "production", service
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    production = " ".join(project["project"]["dependencies"])
    assert not {"fastapi", "uvicorn", "aiosmtpd"} & set(re.findall(r"[a-z][a-z0-9-]+", production))


@pytest.mark.parametrize("service", [s for s in AIRFLOW_SERVICES if s != "airflow-init"])
def test_every_long_running_airflow_service_has_a_healthcheck(service):
    check = SERVICES[service]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL") and check["retries"] >= 1, service
