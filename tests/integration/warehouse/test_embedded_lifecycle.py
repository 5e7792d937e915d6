"""Start, stop and restart of the embedded server, on a data folder of its own (not the shared test server)."""

import socket

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.warehouse import embedded


@pytest.fixture
def own_state(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDIT_WAREHOUSE_STATE", str(tmp_path / "state"))
    monkeypatch.delenv(settings.ENV_DB_URL, raising=False)
    yield tmp_path / "state"
    embedded.stop()


def _select_one() -> int:
    with psycopg.connect(settings.server_url() + "/postgres", connect_timeout=5) as conn:
        return conn.execute("select 1").fetchone()[0]


def test_start_twice_is_harmless_and_stop_is_clean(own_state):
    first = embedded.start()
    second = embedded.start()
    assert first.running and second.running
    assert first.pid == second.pid and first.port == second.port
    assert _select_one() == 1
    stopped = embedded.stop()
    assert not stopped.running
    assert not (embedded.data_dir() / "postmaster.pid").exists()
    assert not embedded.stop().running  # stopping a stopped server is harmless
    restarted = embedded.start()
    assert restarted.running and _select_one() == 1


def test_a_stale_pid_file_does_not_block_start(own_state):
    embedded.start()
    embedded.stop()
    pid_file = embedded.data_dir() / "postmaster.pid"
    pid_file.write_text("999999\n/nowhere\n")  # left behind by a crash
    assert embedded.start().running
    assert _select_one() == 1


def test_a_taken_port_makes_it_pick_another(own_state):
    embedded.start()
    port = embedded.status().port
    embedded.stop()
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        status = embedded.start()
        assert status.running and status.port != port
        assert _select_one() == 1


def test_a_data_folder_from_another_version_is_refused_with_one_sentence(own_state):
    embedded.start()
    embedded.stop()
    (embedded.data_dir() / "PG_VERSION").write_text("16\n")
    with pytest.raises(settings.ConfigurationError, match="made by PostgreSQL 16 but this project runs PostgreSQL 18"):
        embedded.start()
    (embedded.data_dir() / "PG_VERSION").write_text("18\n")


def test_url_without_a_running_server_says_what_to_do(own_state):
    with pytest.raises(settings.ConfigurationError, match="credit-warehouse db start"):
        embedded.superuser_url()
