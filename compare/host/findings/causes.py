"""Each differing diff row's one cause (a config row: one cause per differing option).

A row's reasons can tell several stories at once (a scale difference, a KS distance and a fingerprint
on one block); the cause is the one that explains the others, in this order: values that are not
numbers, tied copies, repeated draws, shapes, constants, joint orthogonality, orthogonality, and for
random values a different initializer, else a different spread, else a different distribution.
Then rows whose cause is the consequence of another in the same pair join it: blocks on one side only
join the option that makes them (``reset_after`` and its recurrent biases), other shapes join the
stacking, a forget-gate constant joins the forget-bias option, and an orthogonality of all gates joins a
different initializer of that part.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from compare.core import families, layout
from compare.host.diff import CONFIG_BLOCK, INFORMATIONAL, ROUTE_BLOCK, Reason, Row
from compare.host.diff.config import FORGET_KEYS
from compare.host.findings.context import NOT_AN_INITIALIZER, Context
from compare.host.findings.records import Cause, RowRef

FORGET = "forget_bias"  # forget_bias and unit_forget_bias: one cause, where the forget gate's 1.0 lives
# A family's options (``Variable.needs``) by the config key that turns them on.
OPTION_KEYS = {
    "peepholes": "use_peepholes",
    "reset_after": "reset_after",
    "use_bias": "use_bias",
    "num_proj": "num_proj",
    "layer_norm": "layer_norm",
}
# The parts a variable of each shape kind is cut into (``compare.core.families.Variable``); others: its part.
KIND_PARTS = {
    "fused": ("kernel", "recurrent"),
    "input": ("kernel",),
    "recurrent": ("recurrent",),
    "pair": ("bias", "recurrent_bias"),
    "stacked": ("bias", "recurrent_bias"),
    "projection": ("kernel",),
}
DISTRIBUTION = "distribution"


@dataclass(frozen=True)
class Unit:
    """One row (a config row: one option of it) and its cause."""

    row: Row
    cause: Cause
    reasons: Tuple[Reason, ...]
    key: str = ""

    @property
    def pair(self) -> Tuple[str, str]:
        return self.row.a.label, self.row.b.label

    @property
    def ref(self) -> RowRef:
        return RowRef(self.row.scenario, self.row.block, self.row.a.label, self.row.b.label, self.row.verdict, self.key)

    def figure(self, code: str, name: str) -> Any:
        """A figure of this unit's reason ``code`` (None when absent)."""
        return next((r.figures.get(name) for r in self.reasons if r.code == code), None)


def block_parts(key: str) -> Optional[Tuple[int, str, str, str]]:
    try:
        return layout.parse_key(key)
    except ValueError:
        return None


def units_of(rows: Sequence[Row], ctx: Context) -> List[Unit]:
    """Every differing (or missing) row's cause, consequences joined to what causes them."""
    units = [u for row in rows for u in _row_units(row, ctx)]
    return _join_consequences(units, ctx)


def _row_units(row: Row, ctx: Context) -> List[Unit]:
    if row.verdict == "same" or row.block == ROUTE_BLOCK:
        return []  # a route that did not run is coverage, shown by the report's grid, not a cause
    if row.verdict == "missing":
        present = next((r.figures.get("present") for r in row.reasons if r.code == "missing_block"), None)
        side = "a" if present == row.a.label else "b"
        return [Unit(row, Cause("missing_block", "function", (side,)), tuple(row.reasons))]
    if row.block == CONFIG_BLOCK:
        return _config_units(row)
    reasons = tuple(r for r in row.reasons if r.code not in INFORMATIONAL)
    return [Unit(row, _block_cause(row, ctx), tuple(row.reasons))] if reasons else []


def _config_units(row: Row) -> List[Unit]:
    found: Dict[str, List[Reason]] = {}
    for reason in row.reasons:
        if reason.code == "config_mismatch":
            key = str(reason.figures.get("key", ""))
            found.setdefault(FORGET if key in FORGET_KEYS else key, []).append(reason)
    units = []
    for key, reasons in found.items():
        first = next((r for r in reasons if r.figures.get("key") == key), reasons[0])
        values = (_value(first.figures.get("a")), _value(first.figures.get("b")))
        units.append(Unit(row, Cause(key, "function", values), tuple(reasons), key))
    return units


def _value(value: Any) -> Any:
    """A figure as a cause's fact: numbers rounded (float noise must not split a cause), the rest as is."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(f"{value:.6g}") if math.isfinite(value) else str(value)
    return str(value)


def _side(a_first: bool) -> str:
    return "a" if a_first else "b"


def _smaller(figures: Dict[str, Any], a: str, b: str) -> bool:
    """Whether figure ``a`` is at most figure ``b`` (absent figures: yes, side a)."""
    fa, fb = figures.get(a), figures.get(b)
    return not isinstance(fa, (int, float)) or not isinstance(fb, (int, float)) or fa <= fb


def _block_cause(row: Row, ctx: Context) -> Cause:
    by_code = {r.code: r.figures for r in row.reasons}
    if "nonfinite" in by_code:
        return Cause("nonfinite", DISTRIBUTION)
    if "tied_weights" in by_code:
        return Cause("tied_weights", DISTRIBUTION, (_side(bool(by_code["tied_weights"].get("copy_of_a"))),))
    if "repeated_draws" in by_code:
        return Cause("repeated_draws", DISTRIBUTION, (_side(by_code["repeated_draws"].get("repeats") == row.a.label),))
    if "shape_mismatch" in by_code:
        return Cause("shape", "function")
    if "constant_mismatch" in by_code:
        f = by_code["constant_mismatch"]
        return Cause("constant", DISTRIBUTION, tuple("random" if f.get(s) is None else _value(f[s]) for s in "ab"))
    if "joint_orthogonality_mismatch" in by_code:
        f = by_code["joint_orthogonality_mismatch"]
        return Cause("joint_orthogonality", DISTRIBUTION, (_side(_smaller(f, "coupling_a", "coupling_b")),))
    if "orthogonality_mismatch" in by_code:
        f = by_code["orthogonality_mismatch"]
        parts = block_parts(row.block)
        scope = "together" if parts is not None and parts[2] == "*" else "block"
        return Cause("orthogonality", DISTRIBUTION, (_side(_smaller(f, "orth_rel_err_a", "orth_rel_err_b")), scope))
    return _random_cause(row, by_code, ctx)


def _random_cause(row: Row, by_code: Dict[str, Dict[str, Any]], ctx: Context) -> Cause:
    """Random values: another initializer, else another spread, else another distribution."""
    name_a, name_b = initializers(row, ctx)
    if name_a and name_b and name_a != name_b:
        return Cause("initializer", DISTRIBUTION, (name_a, name_b))
    if "scale_mismatch" in by_code:
        ratio = by_code["scale_mismatch"].get("ratio")
        more = isinstance(ratio, (int, float)) and ratio > 1.0
        return Cause("scale", DISTRIBUTION, ("more" if more else "less", name_a or name_b or ""))
    if "distribution_mismatch" in by_code:
        return Cause("distribution", DISTRIBUTION)
    return Cause("other", DISTRIBUTION, tuple(sorted(c for c in by_code if c not in INFORMATIONAL)))


def initializers(row: Row, ctx: Context) -> Tuple[Optional[str], Optional[str]]:
    """The initializers both sides drew this row's part with: what most of the part's blocks are
    fingerprinted as in the artifacts, else this row's own fingerprints."""
    parts = block_parts(row.block)
    if parts is not None and ctx.artifacts:
        return (
            ctx.initializer(row.scenario, row.a.label, parts[3]),
            ctx.initializer(row.scenario, row.b.label, parts[3]),
        )
    found = next((r.figures for r in row.reasons if r.code == "fingerprint_mismatch"), {})
    names = [(found.get(s) or {}).get("name") for s in "ab"]
    return tuple(None if n in NOT_AN_INITIALIZER else n for n in names)  # type: ignore[return-value]


# ---------------------------------------------------------------- consequences join their cause


def _join_consequences(units: List[Unit], ctx: Context) -> List[Unit]:
    options: Dict[Tuple[str, str, str], Dict[str, Cause]] = {}
    for u in units:
        if u.row.block == CONFIG_BLOCK:
            options.setdefault((u.row.scenario,) + u.pair, {})[u.cause.code] = u.cause
    drawn = _initializer_causes(units)
    out = []
    for unit in units:
        cause = _explained_by(unit, options.get((unit.row.scenario,) + unit.pair, {}), drawn, ctx)
        out.append(unit if cause is None else dataclasses.replace(unit, cause=cause))
    return out


def _explained_by(
    unit: Unit, options: Dict[str, Cause], drawn: Dict[Tuple[Any, ...], Cause], ctx: Context
) -> Optional[Cause]:
    code, parts = unit.cause.code, block_parts(unit.row.block)
    if code == "missing_block" and parts is not None:
        present = unit.row.a.label if unit.cause.params == ("a",) else unit.row.b.label
        key = next((k for k in _option_keys(parts, ctx.family(unit.row.scenario, present)) if k in options), None)
        return options.get(key) if key else None
    if code == "shape":
        return options.get("stacking")
    if code == "constant" and parts is not None and parts[2] == "forget":
        return options.get(FORGET)
    if code == "orthogonality" and parts is not None and unit.cause.params[1:] == ("together",):
        return drawn.get((unit.row.scenario,) + unit.pair + parts[:2] + (parts[3],))
    return None


def _option_keys(parts: Tuple[int, str, str, str], family: Optional[families.Family]) -> List[str]:
    """The config keys whose option makes a block of these parts exist (its family's, else any family's)."""
    gate, part = parts[2], parts[3]
    if gate == families.PROJECTION:
        return ["num_proj"]
    found = []
    for fam in [family] if family is not None else [families.get(n) for n in families.names()]:
        for var in fam.variables:
            if part in KIND_PARTS.get(var.kind, (var.part,)):
                found += [OPTION_KEYS[n] for n in var.needs if n in OPTION_KEYS]
        if part == "recurrent_bias" and gate in fam.reset_scaled:  # stored always (PyTorch), yet a reset_after
            found.append("reset_after")
    return list(dict.fromkeys(found))


def _initializer_causes(units: Sequence[Unit]) -> Dict[Tuple[Any, ...], Cause]:
    """(scenario, a, b, layer, direction, part) -> the initializer cause most of those blocks have."""
    votes: Dict[Tuple[Any, ...], Counter] = {}
    for u in units:
        parts = block_parts(u.row.block)
        if u.cause.code == "initializer" and parts is not None:
            place = (u.row.scenario,) + u.pair + parts[:2] + (parts[3],)
            votes.setdefault(place, Counter())[u.cause] += 1
    return {place: counter.most_common(1)[0][0] for place, counter in votes.items()}
