"""The one error type extractors raise for bad input: its message is the sentence the user sees."""

from __future__ import annotations


class FeedInputError(Exception):
    """A delivery cannot be loaded as it is (bad header, undecodable bytes, API fault, source down ...).

    The message is one sentence naming feed, file (or API page, or source table), row and field where
    they apply; it never contains a data value, so no personal data can leak through it.
    """
