"""``credit-warehouse report night|subject`` and ``credit-warehouse docs``."""

from __future__ import annotations

import argparse
from datetime import date


def _report(args: argparse.Namespace) -> int:
    from credit_warehouse.docs_site import url_for

    if args.kind == "night":
        from credit_warehouse.orchestration.delivery_date import default_delivery_date
        from credit_warehouse.reports.night import write_night_report

        path = write_night_report(args.date or default_delivery_date())
        print(f"night report: {path}\n  on the docs site: {url_for(path)}")
        return 0
    if not args.subject:
        print("credit-warehouse: report subject needs the subject's USCC (or a person's subject_key)")
        return 2
    from credit_warehouse.reports.subject import write_subject_report

    report = write_subject_report(args.subject, args.purpose)
    scope = "with the authorised sections (audited in ops.access_audit)" if args.purpose else "public sections"
    print(f"credit report of {args.subject} ({scope}):\n  HTML {report.html_path}\n  PDF  {report.pdf_path}"
          f"\n  on the docs site: {url_for(report.html_path)}")
    return 0


def _docs(args: argparse.Namespace) -> int:
    from credit_warehouse.docs_site import make_server

    if not args.no_generate:
        from credit_warehouse.transform.dbt import run_dbt

        run_dbt(["docs", "generate"], check=False)
    server = make_server(args.port, args.host)
    print(f"serving Data Docs, dbt docs and reports on http://{args.host}:{server.server_address[1]}/ "
          "(Ctrl-C to stop); alerts link here through CREDIT_WAREHOUSE_DOCS_BASE_URL", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser("report", help="write the night report (HTML with charts) or a subject's "
                                                  "credit report (HTML and PDF)")
    report.add_argument("kind", choices=["night", "subject"])
    report.add_argument("subject", nargs="?", help="with subject: the USCC, or a person's subject_key")
    report.add_argument("--date", type=date.fromisoformat, default=None,
                        help="with night: the night (YYYY-MM-DD, default yesterday in Beijing)")
    report.add_argument("--purpose", default=None,
                        help="with subject: the authorisation of an authorised query (授权查询); adds the "
                             "authorised sections and is written to the audit trail")
    report.set_defaults(handler=_report)
    docs = subparsers.add_parser("docs", help="serve Data Docs, dbt docs and the reports on one local port")
    docs.add_argument("--port", type=int, default=8600)
    docs.add_argument("--host", default="127.0.0.1")
    docs.add_argument("--no-generate", action="store_true", help="serve dbt docs as last generated")
    docs.set_defaults(handler=_docs)
