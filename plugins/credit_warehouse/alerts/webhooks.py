"""Webhook alerts: Slack-compatible JSON, DingTalk (钉钉) signed robot, WeCom (企业微信) robot markdown."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

import httpx

from credit_warehouse.alerts.channels import WebhookTarget
from credit_warehouse.alerts.message import Alert

TIMEOUT = 10.0


def slack_payload(alert: Alert) -> dict:
    return {
        "text": f"{alert.title}\n{alert.text()}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": alert.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(alert.lines)[:2900]}},
        ],
    }


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk robot 加签: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), url-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = timestamp_ms or int(time.time() * 1000)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def dingtalk_payload(alert: Alert) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": alert.title[:64], "text": alert.markdown()}}


def wecom_payload(alert: Alert) -> dict:
    color = "warning" if alert.severity == "error" else "info"
    content = f'<font color="{color}">{alert.title}</font>\n' + "\n".join(
        f"> {line}" if line and not line.startswith("- ") else line for line in alert.lines)
    return {"msgtype": "markdown", "markdown": {"content": content[:4000]}}


_PAYLOADS = {"slack": slack_payload, "dingtalk": dingtalk_payload, "wecom": wecom_payload}


def post_webhook(target: WebhookTarget, alert: Alert) -> None:
    """Send one alert to one robot; raises on an HTTP error or a robot's non-zero errcode."""
    url = dingtalk_url(target.url, target.secret) if target.kind == "dingtalk" else target.url
    response = httpx.post(url, json=_PAYLOADS[target.kind](alert), timeout=TIMEOUT)
    response.raise_for_status()
    # DingTalk and WeCom answer 200 with {"errcode": n, "errmsg": ...}; non-zero is a refusal
    if target.kind in {"dingtalk", "wecom"} and response.headers.get("content-type", "").startswith(
            "application/json"):
        body = response.json()
        if isinstance(body, dict) and body.get("errcode", 0) != 0:
            raise RuntimeError(f"{target.kind} robot refused the alert: {body.get('errcode')} {body.get('errmsg')}")
