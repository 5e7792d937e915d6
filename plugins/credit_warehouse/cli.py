"""One command-line entry point: ``credit-warehouse <command>``.

Each command lives in its own module with a ``register(subparsers)`` function; this file only
collects them and turns failures into one clear sentence (the traceback goes to the log file).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
import traceback

import psycopg

from credit_warehouse.settings import ConfigurationError, state_dir

COMMAND_MODULES = (
    "credit_warehouse.warehouse.commands",
    "credit_warehouse.install",
    "credit_warehouse.orchestration.commands",
    "credit_warehouse.publish.commands",
    "credit_warehouse.reports.commands",
    "credit_warehouse.security.commands",
    "credit_warehouse.transform.registry_export",
)
# the night runner, the generator and the stand-ins: present in a development install only
DEV_COMMAND_MODULE = "credit_warehouse_dev.commands"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="credit-warehouse",
        description="Credit data warehouse: nightly feeds, quality gates, marts and publishing.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    if importlib.util.find_spec(DEV_COMMAND_MODULE.split(".")[0]) is not None:
        importlib.import_module(DEV_COMMAND_MODULE).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ConfigurationError as error:
        print(f"credit-warehouse: {error}", file=sys.stderr)
        return 2
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0]
        print(
            f"credit-warehouse: {args.command}: the warehouse database cannot be reached ({reason}); "
            "check CREDIT_WAREHOUSE_DB_URL, or start the embedded server with `credit-warehouse db start`.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("credit-warehouse: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the user gets a sentence, the log keeps the traceback
        log_file = state_dir() / "logs" / "cli-errors.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a") as handle:
            handle.write(traceback.format_exc())
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(
            f"credit-warehouse: {args.command} failed: {type(error).__name__}: {error} "
            f"(full details in {log_file})",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
