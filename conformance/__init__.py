"""Conformance suite for access/refresh-token authentication APIs.

The package holds the harness, the pytest plugin, the check catalogue, profiles, the reference
backend and the CLI; the scenarios that use them live in `conformance.scenarios`.
"""

__version__ = "0.1.0"
