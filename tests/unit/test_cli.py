"""What a user sees when something is wrong: one sentence and an exit code, never a traceback."""

from credit_warehouse import settings
from credit_warehouse.cli import main


def test_an_unreachable_warehouse_is_one_sentence(monkeypatch, capsys):
    monkeypatch.setenv(settings.ENV_DB_URL, "postgresql://postgres:secret-pw@127.0.0.1:1")
    for role in settings.ROLES:
        monkeypatch.setenv(f"CREDIT_WAREHOUSE_{role.upper()}_PASSWORD", "pw")
    assert main(["bootstrap"]) == 2
    err = capsys.readouterr().err
    assert "the warehouse database cannot be reached" in err and "CREDIT_WAREHOUSE_DB_URL" in err
    assert "Traceback" not in err and "secret-pw" not in err


def test_a_bad_setting_is_one_sentence(monkeypatch, capsys):
    monkeypatch.setenv(settings.ENV_DB_URL, "mysql://somewhere")
    assert main(["db", "status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("credit-warehouse: CREDIT_WAREHOUSE_DB_URL must be a postgresql:// URL")
    assert "Traceback" not in err
