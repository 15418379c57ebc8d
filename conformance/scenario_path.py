"""Location of the scenario modules, in a source checkout and in an installed copy."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def scenarios_dir() -> Path:
    """Return the folder of the scenario modules.

    An installed copy ships them as the `conformance.scenarios` package; a source checkout that
    was not installed keeps them in `scenarios/` beside the package.
    """
    spec = importlib.util.find_spec("conformance.scenarios")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "scenarios"
