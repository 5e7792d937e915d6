"""``credit-warehouse publish stage|push|reconcile`` and ``credit-warehouse serve-national``."""

from __future__ import annotations

import argparse
from datetime import date


def _publish(args: argparse.Namespace) -> int:
    from credit_warehouse.orchestration.delivery_date import default_delivery_date

    args.date = args.date or default_delivery_date()
    if args.action == "stage":
        from credit_warehouse.publish.outbox import stage_outbox_detailed

        result = stage_outbox_detailed(args.date)
        print(f"publish outbox: {result.staged} staged, {result.checked} checked by the contract, "
              f"{result.released} released for push, {result.held} held for correction")
        return 0
    if args.action == "push":
        from credit_warehouse.publish.push import push_pending

        summary = push_pending(args.max_batches)
        print(f"publish push: {summary.claimed} claimed in {summary.batches} batch(es), {summary.accepted} accepted, "
              f"{summary.rejected} rejected, {summary.released} to retry later, "
              f"{summary.claimed / summary.elapsed_seconds if summary.elapsed_seconds else 0:.0f} records/s"
              + (" (circuit breaker open)" if summary.breaker_open else ""))
        return 0 if not summary.breaker_open else 1
    from credit_warehouse.publish.reconcile import reconcile

    counts = reconcile(args.date)
    print("publish reconciliation " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0 if counts["balanced"] else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    publish = subparsers.add_parser("publish", help="stage, push and reconcile records for the national interface")
    publish.add_argument("action", choices=["stage", "push", "reconcile"])
    publish.add_argument("--max-batches", type=int, default=None, help="with push: stop after this many batches")
    publish.add_argument("--date", type=date.fromisoformat, default=None,
                         help="with stage and reconcile: the night's delivery date (YYYY-MM-DD, default yesterday "
                              "in Beijing)")
    publish.set_defaults(handler=_publish)
