"""``credit-warehouse scan-personal-data``: proof that no full resident-ID number left the vault.

Scans the night's output folders (logs, mails, Data Docs, reports, Airflow task logs, dbt's target and
run results), the derived warehouse schemas and Airflow's metadata database (XCom, run confs, Asset
events); prints where numbers were found (masked) and exits 1 if any was.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from credit_warehouse.settings import ConfigurationError


def _scan(args: argparse.Namespace) -> int:
    import psycopg

    from credit_warehouse.security.scan import (
        default_paths,
        format_findings,
        scan_airflow,
        scan_files,
        scan_warehouse,
    )

    paths = args.paths or default_paths()
    findings, files = scan_files(paths)
    print(f"Scanned {files} file(s) under: {', '.join(str(p) for p in paths)}")
    if not args.no_warehouse:
        try:
            in_tables, relations = scan_warehouse()
        except psycopg.OperationalError:
            raise ConfigurationError(
                "cannot connect to the warehouse to scan it; start it (credit-warehouse db start) or pass "
                "--no-warehouse."
            ) from None
        findings += in_tables
        print(f"Scanned {relations} table(s) and view(s) of the derived schemas and ops.")
        try:
            in_airflow, relations = scan_airflow()
        except psycopg.OperationalError:
            print("Airflow's metadata database does not exist yet (no night has run through Airflow); not scanned.")
        else:
            findings += in_airflow
            print(f"Scanned {relations} table(s) of Airflow's metadata database (XCom, run confs, Asset events).")
    print(format_findings(findings))
    return 1 if findings else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    scan = subparsers.add_parser(
        "scan-personal-data",
        help="look for full resident-ID numbers in logs, mails, Data Docs, reports, dbt's target, the derived "
             "tables and Airflow's metadata (XCom)",
    )
    scan.add_argument("--paths", nargs="+", type=Path, default=None,
                      help="folders or files to scan (default: the state folder's logs, mail, data_docs, "
                           "reports and airflow/logs)")
    scan.add_argument("--no-warehouse", action="store_true", help="scan the folders only, not the database")
    scan.set_defaults(handler=_scan)
