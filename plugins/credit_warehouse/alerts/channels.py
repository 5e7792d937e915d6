"""Where alerts go: the SMTP server (Airflow connection ``smtp_alerts``) and webhook targets.

Nothing secret lives in the repository. The SMTP server comes from AIRFLOW_CONN_SMTP_ALERTS (the
way Airflow itself passes connection ``smtp_alerts`` to tasks), a URI ``smtp://user:pass@host:port``
or Airflow's JSON form, so the same code works inside and outside Airflow. Webhook URLs and the
DingTalk signing secret come from environment variables:

    CREDIT_WAREHOUSE_SLACK_WEBHOOK_URL      Slack-compatible incoming webhook
    CREDIT_WAREHOUSE_DINGTALK_WEBHOOK_URL   钉钉 robot (access_token in the URL)
    CREDIT_WAREHOUSE_DINGTALK_SECRET        its signing secret (加签)
    CREDIT_WAREHOUSE_WECOM_WEBHOOK_URL      企业微信 robot

each optionally overridden per feed by the same name plus ``__<FEED>`` (e.g.
CREDIT_WAREHOUSE_WECOM_WEBHOOK_URL__DEPT_PENALTY). A feed's registry entry says which channels
(email, webhook) it uses and who receives the mail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from credit_warehouse.connections import env_name, get_connection
from credit_warehouse.settings import ConfigurationError

SMTP_CONNECTION = "smtp_alerts"
SMTP_CONN_ENV = env_name(SMTP_CONNECTION)
WEBHOOK_KINDS = ("slack", "dingtalk", "wecom")
DEFAULT_SENDER = "credit-warehouse@localhost"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    login: str | None
    password: str | None
    sender: str
    starttls: bool
    ssl: bool
    timeout: float = 30.0


@dataclass(frozen=True)
class WebhookTarget:
    kind: str  # slack | dingtalk | wecom
    url_env: str  # the environment variable the URL came from (what the alert log names)
    url: str
    secret: str | None = None


def _flag(value, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def smtp_settings() -> SmtpSettings:
    """The SMTP server of Airflow connection ``smtp_alerts`` (an smtp:// or smtps:// URI, or the JSON form)."""
    try:
        conn = get_connection(SMTP_CONNECTION)
    except ConfigurationError:
        raise ConfigurationError(f"{SMTP_CONN_ENV} is not set; set it to the SMTP server for alerts, "
                                 "e.g. smtp://127.0.0.1:8025.") from None
    if conn.conn_type not in {"smtp", "smtps", "email"}:
        raise ConfigurationError(f"{SMTP_CONN_ENV} must be an smtp:// URI (got scheme {conn.conn_type!r}).")
    extra = dict(conn.extra)
    if conn.conn_type == "smtps":
        extra.setdefault("ssl", "true")
    if not conn.host:
        raise ConfigurationError(f"{SMTP_CONN_ENV} names no SMTP host.")
    return SmtpSettings(
        host=conn.host,
        port=int(conn.port or (465 if conn.conn_type == "smtps" else 25)),
        login=conn.login,
        password=conn.password,
        sender=extra.get("from_email") or extra.get("from") or DEFAULT_SENDER,
        # plain SMTP unless asked: extra starttls/ssl, or Airflow's disable_tls/disable_ssl set to false
        starttls=_flag(extra.get("starttls")) or ("disable_tls" in extra and not _flag(extra["disable_tls"])),
        ssl=_flag(extra.get("ssl")) or ("disable_ssl" in extra and not _flag(extra["disable_ssl"])),
        timeout=float(extra.get("timeout", 30)),
    )


def webhook_targets(feed: str | None = None) -> list[WebhookTarget]:
    """The webhook robots configured in the environment (per-feed variables win over the shared ones)."""
    targets = []
    for kind in WEBHOOK_KINDS:
        base = f"CREDIT_WAREHOUSE_{kind.upper()}_WEBHOOK_URL"
        names = ([f"{base}__{feed.upper()}"] if feed else []) + [base]
        name = next((n for n in names if os.environ.get(n, "").strip()), None)
        if name is None:
            continue
        secret = None
        if kind == "dingtalk":
            secret_names = ([f"CREDIT_WAREHOUSE_DINGTALK_SECRET__{feed.upper()}"] if feed else []) + [
                "CREDIT_WAREHOUSE_DINGTALK_SECRET"]
            secret = next((os.environ[n] for n in secret_names if os.environ.get(n, "").strip()), None)
        targets.append(WebhookTarget(kind=kind, url_env=name, url=os.environ[name].strip(), secret=secret))
    return targets
