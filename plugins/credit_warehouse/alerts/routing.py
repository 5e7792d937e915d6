"""Who hears of a feed: the one place that turns feed names into mail recipients, webhook wishes and
@mentions.

A feed's registry entry says which channels it uses (email, webhook), who receives its mail and whom the
robots @mention. No feed named, or a name the registry does not know, reaches every feed's monitors: an
alert never goes nowhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from credit_warehouse.feeds.registry import MENTION_CHANNELS, load_registry


@dataclass(frozen=True)
class Route:
    recipients: list[str]
    webhooks: bool
    mentions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # robot kind -> people


def route(feeds: Iterable[str | None]) -> Route:
    """Mail recipients (in registry order, each once), whether webhooks are wanted, and the @mentions."""
    registry = load_registry()
    names = [name for name in feeds if name]
    known = set(registry.names)
    chosen = [registry.get(name) for name in names] if names and set(names) <= known else list(registry)
    recipients = list(dict.fromkeys(r for feed in chosen if "email" in feed.alerts.channels
                                    for r in feed.alerts.recipients))
    # @mentions only for the feeds named: an alert about everything does not wake every duty officer
    mentioned = chosen if names else []
    mentions = {kind: tuple(dict.fromkeys(p for feed in mentioned for p in feed.alerts.mentions_for(kind)))
                for kind in MENTION_CHANNELS}
    return Route(recipients, any("webhook" in feed.alerts.channels for feed in chosen),
                 {kind: people for kind, people in mentions.items() if people})
