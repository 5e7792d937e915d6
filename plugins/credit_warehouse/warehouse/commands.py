"""``credit-warehouse db start|stop|status|url``: the embedded server."""

from __future__ import annotations

import argparse

from credit_warehouse.settings import (
    ROLES,
    database_url,
    external_database_url,
    mask_url,
)
from credit_warehouse.warehouse import embedded


def _describe(status: embedded.ServerStatus) -> str:
    if not status.running:
        return f"embedded warehouse: stopped (data in {status.data_dir})"
    return f"embedded warehouse: running, pid {status.pid}, 127.0.0.1:{status.port}, data in {status.data_dir}"


def _db(args: argparse.Namespace) -> int:
    if args.action == "url":
        print(database_url(args.database, role=args.role) if args.show_password
              else mask_url(database_url(args.database, role=args.role)))
        return 0
    if external_database_url():
        print(f"external warehouse: {mask_url(external_database_url())} (nothing embedded to {args.action})")
        return 0 if args.action == "status" else 2
    status = {"start": embedded.start, "stop": embedded.stop, "status": embedded.status}[args.action]()
    print(_describe(status))
    return 0 if status.running or args.action == "stop" else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="start, stop or inspect the embedded PostgreSQL warehouse")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.add_argument("--database", default=None)
    db.add_argument("--role", choices=ROLES, help="with url: the URL a component role connects with")
    db.add_argument("--show-password", action="store_true", help="with url: print the password too")
    db.set_defaults(handler=_db)
