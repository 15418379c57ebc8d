"""The error of an invalid CI gate option: a selection pattern or a baseline file."""

from __future__ import annotations


class GateError(ValueError):
    """An invalid --select, --deselect or --baseline option. The message names the fix."""
