"""E-mail alerts through Airflow's SMTP provider: connection ``smtp_alerts`` and its SmtpNotifier.

The connection is Airflow's own (AIRFLOW_CONN_SMTP_ALERTS, or the metadata database under the
scheduler), with Airflow's meaning of its extras: TLS and SSL are on unless ``disable_tls`` /
``disable_ssl`` say otherwise, the server's certificate is verified, ``from_email`` is the sender.
The one change to Airflow's hook: the Date header is Beijing time (+0800), as the body says.
"""

from __future__ import annotations

from email.utils import format_datetime
from functools import cached_property

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.providers.smtp.notifications.smtp import SmtpNotifier

from credit_warehouse.alerts.message import Alert, beijing_now

SMTP_CONNECTION = "smtp_alerts"


class BeijingDatedSmtpHook(SmtpHook):
    def _build_mime_message(self, *args, **kwargs):
        message, recipients = super()._build_mime_message(*args, **kwargs)
        message.replace_header("Date", format_datetime(beijing_now()))
        return message, recipients


class AlertMailNotifier(SmtpNotifier):
    @cached_property
    def hook(self) -> SmtpHook:
        return BeijingDatedSmtpHook(smtp_conn_id=self.smtp_conn_id, auth_type=self.auth_type)


def alert_headers(alert: Alert) -> dict[str, str]:
    headers = {"X-Credit-Warehouse-Alert": alert.kind}
    if alert.feed:
        headers["X-Credit-Warehouse-Feed"] = alert.feed
    if alert.batch_id is not None:
        headers["X-Credit-Warehouse-Batch"] = str(alert.batch_id)
    return headers


def send_email(alert: Alert, recipients: list[str], smtp_conn_id: str = SMTP_CONNECTION) -> None:
    """One message to all recipients; raises what the SMTP provider raises, for the caller to record."""
    notifier = AlertMailNotifier(to=recipients, subject=alert.subject, html_content=alert.html(),
                                 custom_headers=alert_headers(alert), smtp_conn_id=smtp_conn_id)
    # notify() directly: the content is final text, not a template for Airflow to render
    notifier.notify({})
