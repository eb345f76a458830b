"""Checks of the values a scenario file holds: each returns the value or raises a one-line ``UserError``
that names where it is and hints at a fix (``compare.core.scenarios`` applies them key by key)."""

import difflib
from typing import Any, Collection, Dict, Sequence

from compare.errors import UserError


def fail(where: str, cause: str, hint: str) -> UserError:
    return UserError(f"{where}: {cause}", hint)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_float(where: str, key: str, value: Any) -> float:
    if not _is_number(value) or value != value or value in (float("inf"), float("-inf")):
        raise fail(where, f"{key} must be a finite number, got {value!r}", f"write e.g. {key} = 1.0")
    return float(value)


def as_bool(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise fail(where, f"{key} must be true or false, got {value!r}", "TOML booleans are lower-case")
    return value


def as_int(where: str, key: str, value: Any, low: int = 1, high: int = 2**31) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise fail(where, f"{key} must be a whole number, got {value!r}", f"write e.g. {key} = 16")
    if not low <= value <= high:
        raise fail(where, f"{key} = {value} is out of range", f"use {low} to {high}")
    return value


def choice(where: str, key: str, value: Any, allowed: tuple) -> str:
    if value not in allowed:
        raise fail(
            where,
            "{} = {!r} is not one of {}".format(key, value, ", ".join(allowed)),
            did_you_mean(value, allowed) or "pick one of those",
        )
    return value


def did_you_mean(word: Any, allowed: Collection[str]) -> str:
    close = difflib.get_close_matches(str(word), list(allowed), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


def check_keys(where: str, table: Any, allowed: Collection[str], required: Sequence[str] = ()) -> Dict[str, Any]:
    if not isinstance(table, dict):
        raise fail(where, f"expected a table, got {table!r}", "see README 'Scenario files'")
    for key in table:
        if key not in allowed:
            hint = did_you_mean(key, allowed) or "allowed keys: " + ", ".join(sorted(allowed))
            raise fail(where, f"unknown key {key!r}", hint)
    for key in required:
        if key not in table:
            raise fail(where, f"missing key {key!r}", "every scenario needs " + ", ".join(required))
    return table
