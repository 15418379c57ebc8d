"""Tests of the packaging: every package and data file of the tree ships in the distribution."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _listed_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_listed() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "conformance").rglob("__init__.py")
    }

    missing = found - _listed_packages()
    assert not missing, f"add these packages to [tool.setuptools] packages: {sorted(missing)}"


def test_scenarios_ship_as_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert config["tool"]["setuptools"]["package-dir"]["conformance.scenarios"] == "scenarios"
    assert "conformance.scenarios" in _listed_packages()


def test_builtin_profiles_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["conformance"]

    assert "profiles/*.toml" in patterns
