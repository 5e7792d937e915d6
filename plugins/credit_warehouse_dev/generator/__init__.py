"""Synthetic feeds for all twelve feeds of a night, and the reference data (dbt seeds) they draw on.

Entry point: ``generate_night`` (night.py); the CLI is ``credit-warehouse generate``.
"""

