"""Who hears of a feed: the one place that turns feed names into mail recipients and webhook wishes.

A feed's registry entry says which channels it uses (email, webhook) and who receives its mail. No feed
named, or a name the registry does not know, reaches every feed's monitors: an alert never goes nowhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from credit_warehouse.feeds.registry import load_registry


def route(feeds: Iterable[str | None]) -> tuple[list[str], bool]:
    """Mail recipients (in registry order, each once) and whether webhooks are wanted, for the given feeds."""
    registry = load_registry()
    names = [name for name in feeds if name]
    known = set(registry.names)
    chosen = [registry.get(name) for name in names] if names and set(names) <= known else list(registry)
    recipients = list(dict.fromkeys(r for feed in chosen if "email" in feed.alerts.channels
                                    for r in feed.alerts.recipients))
    return recipients, any("webhook" in feed.alerts.channels for feed in chosen)
