"""Synthetic feeds for every feed of a night, and the reference data (dbt seeds) they draw on.

Entry point: ``generate_night`` (night.py); the CLI is ``credit-warehouse generate``.
"""

