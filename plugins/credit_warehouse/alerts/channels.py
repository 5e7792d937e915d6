"""Where alerts go besides mail: the webhook robots, from the environment.

Mail goes through Airflow's SMTP connection ``smtp_alerts`` (alerts/email.py). Nothing secret lives in
the repository: webhook URLs and the DingTalk signing secret come from environment variables

    CREDIT_WAREHOUSE_SLACK_WEBHOOK_URL      Slack-compatible incoming webhook
    CREDIT_WAREHOUSE_DINGTALK_WEBHOOK_URL   钉钉 robot (access_token in the URL)
    CREDIT_WAREHOUSE_DINGTALK_SECRET        its signing secret (加签)
    CREDIT_WAREHOUSE_WECOM_WEBHOOK_URL      企业微信 robot

each optionally overridden per feed by the same name plus ``__<FEED>`` (e.g.
CREDIT_WAREHOUSE_WECOM_WEBHOOK_URL__DEPT_PENALTY). A feed's registry entry says which channels
(email, webhook) it uses, who receives the mail and whom the robots @mention.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

WEBHOOK_KINDS = ("slack", "dingtalk", "wecom")


@dataclass(frozen=True)
class WebhookTarget:
    kind: str  # slack | dingtalk | wecom
    url_env: str  # the environment variable the URL came from (what the alert log names)
    url: str
    secret: str | None = None


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
