"""Webhook alerts: Slack-compatible JSON, DingTalk (钉钉) signed robot, WeCom (企业微信) robot markdown.

Each robot takes a message of limited size, counted in bytes of UTF-8 (a Chinese character is 3): the
message is fitted to the channel's limit by dropping list items from the end and saying how many
(message.fit). The feed's registry entry names whom to @mention: DingTalk by mobile number (at.atMobiles,
and "@<mobile>" in the text, which DingTalk requires for markdown), WeCom by member userid ("<@userid>").

A robot answers HTTP 200 with {"errcode": n} and refuses with n != 0 (a wrong signature, a blocked
keyword, too many messages): that is a failure, recorded as one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

import httpx

from credit_warehouse.alerts.channels import WebhookTarget
from credit_warehouse.alerts.message import Alert, fit

TIMEOUT = 10.0
# bytes of UTF-8 each robot takes for the message text (WeCom's markdown content is 4,096 bytes; Slack's
# section text 3,000 characters, so bytes are safe; DingTalk's documentation gives 20,000 bytes)
MAX_BYTES = {"slack": 3000, "dingtalk": 20000, "wecom": 4096}


def slack_payload(alert: Alert, mentions: tuple[str, ...] = ()) -> dict:
    text = fit(alert, alert.text, MAX_BYTES["slack"])
    return {
        "text": text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": alert.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
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


def dingtalk_payload(alert: Alert, mentions: tuple[str, ...] = ()) -> dict:
    at_line = " ".join(f"@{mobile}" for mobile in mentions)
    room = MAX_BYTES["dingtalk"] - len(at_line.encode("utf-8")) - 2
    text = fit(alert, alert.markdown, room) + (f"\n\n{at_line}" if at_line else "")
    return {"msgtype": "markdown", "markdown": {"title": alert.title[:64], "text": text},
            "at": {"atMobiles": list(mentions), "isAtAll": False}}


def wecom_payload(alert: Alert, mentions: tuple[str, ...] = ()) -> dict:
    color = "warning" if alert.severity == "error" else "info"
    at_line = " ".join(f"<@{user}>" for user in mentions)

    def render(lines: list[str]) -> str:
        body = alert.markdown(lines).split("\n", 1)[1]  # the title goes in colour instead of a heading
        return f'<font color="{color}">{alert.title}</font>\n{body}'

    room = MAX_BYTES["wecom"] - len(at_line.encode("utf-8")) - 1
    content = fit(alert, render, room) + (f"\n{at_line}" if at_line else "")
    return {"msgtype": "markdown", "markdown": {"content": content}}


_PAYLOADS = {"slack": slack_payload, "dingtalk": dingtalk_payload, "wecom": wecom_payload}


def post_webhook(target: WebhookTarget, alert: Alert, mentions: tuple[str, ...] = ()) -> None:
    """Send one alert to one robot; raises on an HTTP error or a robot's non-zero errcode."""
    url = dingtalk_url(target.url, target.secret) if target.kind == "dingtalk" else target.url
    response = httpx.post(url, json=_PAYLOADS[target.kind](alert, mentions), timeout=TIMEOUT)
    response.raise_for_status()
    if target.kind in {"dingtalk", "wecom"} and response.headers.get("content-type", "").startswith(
            "application/json"):
        body = response.json()
        if isinstance(body, dict) and body.get("errcode", 0) != 0:
            raise RuntimeError(f"{target.kind} robot refused the alert: {body.get('errcode')} {body.get('errmsg')}")
