"""``credit-warehouse smtp-sink`` and ``credit-warehouse webhook-sink``: local receivers for alerts."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from credit_warehouse.settings import state_dir


def _serve_until_interrupted(describe) -> int:
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print(describe())
        return 0


def _smtp_sink(args: argparse.Namespace) -> int:
    from credit_warehouse_dev.smtp_sink import start_smtp_sink

    folder = args.folder or state_dir() / "smtp_sink"
    sink = start_smtp_sink(port=args.port, folder=folder, host=args.host)
    print(f"SMTP sink listening on {sink.host}:{sink.port}; messages saved in {folder}")
    print(f"export AIRFLOW_CONN_SMTP_ALERTS={sink.url}")
    try:
        return _serve_until_interrupted(lambda: f"stopped after {len(sink.messages)} message(s)")
    finally:
        sink.stop()


def _webhook_sink(args: argparse.Namespace) -> int:
    from credit_warehouse_dev.webhook_sink import start_webhook_sink

    folder = args.folder or state_dir() / "webhook_sink"
    sink = start_webhook_sink(port=args.port, dingtalk_secret=args.dingtalk_secret, folder=folder, host=args.host)
    print(f"webhook sink listening on {sink.url('/')}; requests saved in {folder}")
    for kind in ("slack", "dingtalk", "wecom"):
        print(f"export CREDIT_WAREHOUSE_{kind.upper()}_WEBHOOK_URL={sink.url('/' + kind)}")
    try:
        return _serve_until_interrupted(lambda: f"stopped after {len(sink.received)} request(s)")
    finally:
        sink.stop()


def register(subparsers: argparse._SubParsersAction) -> None:
    smtp = subparsers.add_parser("smtp-sink", help="run a local SMTP server that keeps every alert mail")
    smtp.add_argument("--host", default="127.0.0.1")
    smtp.add_argument("--port", type=int, default=8025)
    smtp.add_argument("--folder", type=Path, default=None,
                      help="where .eml files go (default .state/smtp_sink)")
    smtp.set_defaults(handler=_smtp_sink)

    hook = subparsers.add_parser("webhook-sink", help="run a local receiver that records webhook alerts")
    hook.add_argument("--host", default="127.0.0.1")
    hook.add_argument("--port", type=int, default=8026)
    hook.add_argument("--dingtalk-secret", default=None, help="verify DingTalk signatures with this secret")
    hook.add_argument("--folder", type=Path, default=None,
                      help="where request bodies go (default .state/webhook_sink)")
    hook.set_defaults(handler=_webhook_sink)
