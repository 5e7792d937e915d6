"""The one error type extractors raise for bad input: its message is the sentence the user sees."""

from __future__ import annotations


class FeedInputError(Exception):
    """A delivery cannot be loaded as it is (bad header, undecodable bytes, API fault, source down ...).

    The message is one sentence naming feed, file (or API page, or source table), row and field where
    they apply; it never contains a data value, so no personal data can leak through it.
    """


class SourceUnavailable(FeedInputError):
    """The source did not answer (server errors, timeouts, refused connections) through every attempt.

    Not bad input: the delivery may be fine once the source is back. The batch records the failure and
    the task fails, so the scheduler retries it later and the monitors hear of a failed task; the feed's
    night does not end as if nothing had been delivered.
    """
