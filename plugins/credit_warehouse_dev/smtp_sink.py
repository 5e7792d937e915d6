"""A local SMTP server for development and tests that keeps every message it receives.

``start_smtp_sink()`` runs aiosmtpd on 127.0.0.1 in a background thread; messages are kept in
memory (``sink.messages``, parsed EmailMessage objects) and, with a folder, written as .eml files.
CLI: ``credit-warehouse smtp-sink [--port 8025] [--folder DIR]``.
"""

from __future__ import annotations

import html
import re
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

from credit_warehouse_dev.ports import free_port

# Airflow's SMTP connection turns SSL and STARTTLS on unless told otherwise; a sender is required
PLAIN_SMTP_EXTRA = "disable_ssl=true&disable_tls=true&from_email=credit-warehouse%40localhost"


def mail_text(message: EmailMessage) -> str:
    """The readable text of an alert mail (its HTML body without tags), for tests and the night summary."""
    body = message.get_body(preferencelist=("html", "plain"))
    content = body.get_content() if body is not None else ""
    text = re.sub(r"<br\s*/?>|</(p|li|h3|ul)>", "\n", re.sub(r"<(?!br|/p|/li|/h3|/ul)[^>]+>", "", content))
    return html.unescape(text)


class _KeepEverything:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.sink._keep(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int = 0, folder: Path | None = None, host: str = "127.0.0.1"):
        self.host = host
        self.port = port or free_port(host)
        self.folder = Path(folder) if folder else None
        self.messages: list[EmailMessage] = []
        self.envelopes: list[dict] = []
        self._lock = threading.Lock()
        self._controller = Controller(_KeepEverything(self), hostname=host, port=self.port)

    def _keep(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append({"from": mail_from, "to": rcpt_tos})
            if self.folder:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / f"{len(self.messages):05d}.eml").write_bytes(raw)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()

    @property
    def url(self) -> str:
        """The URI to put in AIRFLOW_CONN_SMTP_ALERTS: Airflow's SMTP connection, plain (the sink has no TLS)."""
        return f"smtp://{self.host}:{self.port}?{PLAIN_SMTP_EXTRA}"

    def __enter__(self) -> SmtpSink:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_smtp_sink(port: int = 0, folder: Path | None = None, host: str = "127.0.0.1") -> SmtpSink:
    """A running sink; call ``.stop()`` (or use it as a context manager) when done."""
    return SmtpSink(port=port, folder=folder, host=host).start()
