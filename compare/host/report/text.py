"""Plain-text pieces both renderers share: numbers, shapes, fingerprints, reasons, labels.

These return unescaped text; each renderer escapes it for its own format (HTML or Markdown).
"""

from __future__ import annotations

import ast
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from compare.host.report.records import Reason, Series

DASH = "\u2014"
# (column title, stats key) of the per-gate tables.
STAT_COLUMNS = (
    ("mean", "mean"),
    ("std", "std"),
    ("min", "min"),
    ("max", "max"),
    ("fro", "fro_norm"),
    ("kurt", "kurtosis"),
    ("orth err", "orth_err"),
)


def num(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return "0" if value == 0 else f"{value:.4g}"
    return str(value)


def shape(values: Sequence[Any]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")" if values else "()"


def series(value: Series) -> str:
    return "{}/{}".format(*value)


def stat(stats: Mapping[str, Any], key: str) -> str:
    """One statistic; an orthogonality error had from the norms alone is a lower bound, shown as such."""
    if key == "orth_err" and stats.get("orth_method") == "norms":
        return "\u2265 " + num(stats.get(key))
    return num(stats.get(key))


def sv_range(stats: Mapping[str, Any]) -> str:
    if stats.get("sv_max") is None:
        return DASH
    return "{} / {} / {}".format(num(stats.get("sv_min")), num(stats.get("sv_mean")), num(stats.get("sv_max")))


def spread(stats: Optional[Mapping[str, Any]]) -> str:
    """``mean [min, max]``, or the constant when every value is the same."""
    if not stats:
        return DASH
    if stats.get("constant") is not None:
        return "= " + num(stats["constant"])
    return "{} [{}, {}]".format(num(stats.get("mean")), num(stats.get("min")), num(stats.get("max")))


def bias(stored: Optional[Mapping[str, Any]], effective: Optional[Mapping[str, Any]]) -> str:
    """One bias cell: the stored value, and what the gate really sees when that is something else."""
    shown = spread(stored)
    if effective is None or spread(effective) == shown:
        return shown
    return f"{shown} \u2192 sees {spread(effective)}"


def _params(params: Any) -> str:
    if not isinstance(params, dict):
        return "" if params in (None, "") else str(params)
    return ", ".join(f"{k}={num(v)}" for k, v in params.items())


def fingerprint(fp: Optional[Mapping[str, Any]]) -> str:
    """``glorot_uniform() over (48, 32), conf 0.97``."""
    if not fp:
        return DASH
    text = "{}({})".format(fp.get("name", "?"), _params(fp.get("params")))
    if fp.get("over_shape"):
        text += " over " + shape(fp["over_shape"])
    if fp.get("confidence") is not None:
        text += ", conf " + num(fp["confidence"])
    return text


def reason(value: Reason) -> str:
    return value.code + (": " + value.detail if value.detail else "")


def reasons(values: Sequence[Reason]) -> str:
    return "; ".join(reason(r) for r in values)


def counts(values: Dict[str, int]) -> List[Tuple[str, int]]:
    return [(v, values.get(v, 0)) for v in ("same", "differs", "missing")]


def fence(code: str) -> str:
    """A backtick fence longer than any backtick run inside ``code`` (so the code cannot close it)."""
    longest, run = 0, 0
    for char in code:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


# What each kind of finding means to the person migrating (compare.host.findings.KINDS).
KIND_MEANING = {
    "function": "the layer computes another function",
    "distribution": "the layer starts from other weights",
    "cosmetic": "names only",
}
EVIDENCE = (
    "The evidence (every per-block row with its reasons, statistics, fingerprints, config tables and plots) is "
    "in report.html and report.json."
)


def is_code(fix: str) -> bool:
    """Whether a fix is a Python argument or call to paste (``reset_after=False``, ``init_like_tf1(...)``),
    not a sentence: it parses as Python on one line."""
    if not fix or "\n" in fix:
        return False
    try:
        ast.parse(fix)
    except (SyntaxError, ValueError):
        return False
    return True


def against(baselines: Sequence[Series]) -> str:
    """What the report compares with: ``the baseline tf115/tf1``, or each scenario's when they differ."""
    found = sorted({series(b) for b in baselines})
    if len(found) == 1:
        return "the baseline " + found[0]
    return "each scenario's baseline ({})".format(", ".join(found) or "none: no route ran")


BASELINE_MEANING = (
    "by default the TF1 route of the newest TensorFlow 1.x that ran the scenario: the code being migrated"
)


def plural(count: int, word: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def code_parts(fix: str) -> List[Tuple[str, bool]]:
    """A fix cut into ``(text, is_code)`` pieces: all code (``reset_after=False``), or code then its
    explanation (``bias_initializer=...Constant([1.0] * 32) (update 1.0, ...)``), or a sentence."""
    if is_code(fix):
        return [(fix, True)]
    for cut in sorted((i for i, c in enumerate(fix) if c == " "), reverse=True):
        head = fix[:cut].rstrip(",;:")
        if ("=" in head or head.endswith(")")) and is_code(head):
            return [(head, True), (fix[len(head) :], False)]
    return [(fix, False)]


def labels(values: Sequence[Series]) -> str:
    """``tf11/keras, tf11/recipe``."""
    return ", ".join(series(v) for v in values)


PORTS = (
    "Whether the baseline's first-seed weights port exactly into each route (``rnncompare port``); the "
    "forward-equivalence tests prove the exact ports on real TensorFlow."
)
TIED_WEIGHTS = (
    "Keras weights here start tied: one seeded initializer object drew several weights, so each got "
    "the same values. Give every weight its own initializer (or no seed), or use init_like_tf1, which "
    "draws every weight afresh."
)
