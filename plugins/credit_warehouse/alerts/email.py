"""E-mail alerts through the SMTP server of Airflow connection ``smtp_alerts`` (standard library smtplib)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from credit_warehouse.alerts.channels import SmtpSettings, smtp_settings
from credit_warehouse.alerts.message import Alert


def build_email(alert: Alert, recipients: list[str], sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="credit-warehouse.local")
    message["X-Credit-Warehouse-Alert"] = alert.kind
    if alert.feed:
        message["X-Credit-Warehouse-Feed"] = alert.feed
    if alert.batch_id is not None:
        message["X-Credit-Warehouse-Batch"] = str(alert.batch_id)
    message.set_content(alert.text(), charset="utf-8")
    return message


def send_email(alert: Alert, recipients: list[str], settings: SmtpSettings | None = None) -> None:
    """One message to all recipients; raises smtplib/OSError errors for the caller to record."""
    settings = settings or smtp_settings()
    message = build_email(alert, recipients, settings.sender)
    # smtplib alone encrypts without checking whom it talks to: the certificate and host name are verified
    context = ssl.create_default_context()
    if settings.ssl:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.starttls:
            client.starttls(context=context)
        if settings.login:
            client.login(settings.login, settings.password or "")
        client.send_message(message)
