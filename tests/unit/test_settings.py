import pytest

from credit_warehouse import settings


def test_mask_url_hides_the_password():
    assert settings.mask_url("postgresql://loader:s3cr%2Ft@127.0.0.1:5432/db") == "postgresql://loader:***@127.0.0.1:5432/db"


def test_external_url_must_be_postgresql(monkeypatch):
    monkeypatch.setenv(settings.ENV_DB_URL, "mysql://x@y/z")
    with pytest.raises(settings.ConfigurationError, match="must be a postgresql:// URL"):
        settings.external_database_url()


def test_external_database_needs_every_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv(settings.ENV_DB_URL, "postgresql://postgres:pw@db.example:5432")
    monkeypatch.delenv("CREDIT_WAREHOUSE_LOADER_PASSWORD", raising=False)
    with pytest.raises(settings.ConfigurationError, match="CREDIT_WAREHOUSE_LOADER_PASSWORD is not set"):
        settings.database_url(role="loader")


def test_role_urls_point_at_the_external_server(monkeypatch):
    monkeypatch.setenv(settings.ENV_DB_URL, "postgresql://postgres:pw@db.example:5432")
    monkeypatch.setenv("CREDIT_WAREHOUSE_ANALYST_PASSWORD", "a/b")
    monkeypatch.setenv(settings.ENV_DB_NAME, "warehouse_x")
    assert settings.database_url(role="analyst") == "postgresql://analyst:a%2Fb@db.example:5432/warehouse_x"


def test_unknown_role_is_refused():
    with pytest.raises(settings.ConfigurationError, match="unknown role"):
        settings.database_url(role="root")
