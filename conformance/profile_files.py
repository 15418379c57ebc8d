"""Find and read profile files, and merge a profile into the one it `extends`.

A value that is exactly the name of a built-in profile is that built-in. Any other value is a
file path: relative to the current folder for --profile, and relative to the extending file's
folder for `extends`. A missing file is an error; no value falls back from path to built-in or
from one folder to another.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.profile_errors import ProfileError, did_you_mean

BUILTIN_DIR = Path(__file__).parent / "profiles"

# Top-level tables whose fields exclude each other. A profile that writes one replaces the
# inherited table instead of merging into it, because TOML cannot remove an inherited key.
_REPLACED_WHOLE = ("account_deletion",)


def builtin_names() -> list[str]:
    """Return the names of the profiles shipped with the package."""
    return sorted(path.stem for path in BUILTIN_DIR.glob("*.toml"))


def read_with_extends(
    name_or_path: str, seen: tuple[Path, ...] = (), relative_to: Path | None = None
) -> tuple[dict[str, Any], str]:
    """Read a profile and every profile it extends; return the merged tables and the source.

    `relative_to` is the folder of the extending file, or None for a --profile value.
    """
    path, builtin = _resolve(name_or_path, relative_to)
    source = f"built-in {path.stem!r}" if builtin else str(path)
    if path.resolve() in seen:
        raise ProfileError(source, "extends", name_or_path,
                           "the profiles extend each other in a cycle; remove one `extends`")
    raw = _read_toml(path, source)

    parent = raw.pop("extends", None)
    if parent is None:
        return raw, source
    if not isinstance(parent, str):
        raise ProfileError(source, "extends", parent,
                           'write a built-in name or a file path as a string, for example '
                           '"reference" or "base.toml"')
    try:
        base, _ = read_with_extends(parent, (*seen, path.resolve()), path.parent)
    except ProfileError as error:
        if error.field != "profile":
            raise
        raise ProfileError(source, "extends", parent,
                           f"{error.fix} (a relative path in `extends` is read from the "
                           f"extending file's folder, {path.parent})") from None
    base.pop("name", None)
    base.pop("description", None)
    for table in _REPLACED_WHOLE:
        if table in raw:
            base.pop(table, None)
    return _merge(base, raw), source


def _resolve(name_or_path: str, relative_to: Path | None) -> tuple[Path, bool]:
    """Return the file that `name_or_path` names and whether it is a built-in."""
    names = builtin_names()
    if name_or_path in names:
        return BUILTIN_DIR / f"{name_or_path}.toml", True

    path = Path(name_or_path)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    problem = _file_problem(path)
    if problem is None:
        return path, False

    if Path(name_or_path).name == name_or_path and not Path(name_or_path).suffix:
        # A bare word: most likely a misspelt built-in name.
        fix = (f"{problem}, and no built-in profile has that name; "
               f"{did_you_mean(name_or_path, names)}built-ins: {', '.join(names)}")
    else:
        fix = f"{problem}; pass an existing TOML file or a built-in name: " + ", ".join(names)
    raise ProfileError(name_or_path, "profile", name_or_path, fix)


def _file_problem(path: Path) -> str | None:
    """Return why `path` is not a readable regular file, or None when it is one."""
    try:
        if path.is_file():
            return None
        if path.is_dir():
            return f"{str(path)!r} is a folder, not a file"
        if path.exists():
            return f"{str(path)!r} is not a regular file"
    except OSError as error:
        # For example a name longer than the file system allows.
        return f"{str(path)[:80]!r} cannot be read ({error.strerror})"
    return f"no such file: {str(path)!r}"


def _read_toml(path: Path, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(source, "(file)", str(path), f"not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ProfileError(source, "(file)", str(path),
                           f"not UTF-8 text ({error.reason} at byte {error.start}); save the "
                           "file as UTF-8") from None
    except OSError as error:
        raise ProfileError(source, "(file)", str(path), f"cannot be read: {error}") from None


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
