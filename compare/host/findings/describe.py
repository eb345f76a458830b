"""What a finding says: one sentence per cause, with the figures measured on its rows (never typed in).

``describe(cause, units, ctx)`` -> ``(what, figures)``. Figures over many rows are given as ranges
(``[lowest, highest]``), their sentence as "17-19 %"; sides are named by ``env:route``, several envs of one
route together ("keras in tf215 and tf221").
"""

from __future__ import annotations

import statistics
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from compare.host.diff.config import CONFIG_WHY
from compare.host.findings.causes import Unit, block_parts, initializers
from compare.host.findings.context import Context
from compare.host.findings.records import Cause
from compare.host.findings.where import PARTS

Figures = Dict[str, Any]
EXP: Callable[[float], str] = lambda v: f"{v:.0e}"  # noqa: E731
INT: Callable[[float], str] = lambda v: str(int(v))  # noqa: E731


def _and(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def sides(labels: Iterable[str]) -> str:
    """``env:route`` labels in few words: one route's envs together (``keras in tf115 and tf215``)."""
    by_route: Dict[str, List[str]] = {}
    for label in sorted(set(labels), key=lambda text: text.rpartition(":")[::-2]):
        env, _, route = label.rpartition(":")
        by_route.setdefault(route, []).append(env)
    return _and([f"{e[0]}:{r}" if len(e) == 1 else f"{r} in {_and(e)}" for r, e in by_route.items()])


def num(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.3g}"


def _values(units: Sequence[Unit], code: str, name: str) -> List[float]:
    found = [u.figure(code, name) for u in units]
    return [float(v) for v in found if isinstance(v, (int, float)) and not isinstance(v, bool)]


def span(values: Sequence[float]) -> Optional[List[float]]:
    """[lowest, highest] to 4 significant digits, None for no values."""
    return [float(f"{min(values):.4g}"), float(f"{max(values):.4g}")] if values else None


# Rows made elsewhere (a diff's --json, hand-made) may lack a figure: the sentence says "?" for it.
def _range(values: Sequence[float], fmt: Callable[[float], str] = num) -> str:
    if not values:
        return "?"
    low, high = fmt(min(values)), fmt(max(values))
    return low if low == high else f"{low}-{high}"


def _median(values: Sequence[float]) -> str:
    return num(statistics.median(values)) if values else "?"


def _top(values: Sequence[float], fmt: Callable[[float], str] = num) -> str:
    return fmt(max(values)) if values else "?"


def _named(units: Sequence[Unit], side: str) -> str:
    return sides(u.row.a.label if side == "a" else u.row.b.label for u in units)


def _shapes(units: Sequence[Unit], side: str, ctx: Context) -> List[Tuple[int, ...]]:
    """The shapes the side's initializer was drawn over for these blocks, in the order first seen."""
    found: Dict[Tuple[int, ...], None] = {}
    for unit in units:
        label = unit.row.a.label if side == "a" else unit.row.b.label
        found.update(dict.fromkeys(ctx.over_shapes(unit.row.scenario, label, [unit.row.block])))
    return sorted(found)


def _shape_text(shapes: Sequence[Tuple[int, ...]]) -> str:
    return _and(["({})".format(", ".join(map(str, s))) for s in shapes[:4]]) + (
        " and others" if len(shapes) > 4 else ""
    )


# Initializers whose std over a 2-D shape one formula gives (gain 1, Keras's and TF1's fans): why a shape
# changes the spread. name -> (the formula, its value's expression for one shape)
SPREAD: Dict[str, Tuple[str, Callable[[Tuple[int, ...]], str]]] = {
    "orthogonal": ("1/√max(rows, cols)", lambda s: f"1/√{max(s)}"),
    "glorot_uniform": ("√(2 / (rows + cols))", lambda s: f"√(2/{s[0] + s[1]})"),
    "glorot_normal": ("√(2 / (rows + cols))", lambda s: f"√(2/{s[0] + s[1]})"),
}


def _spread_rule(name: str, shapes_b: Sequence[Tuple[int, ...]], shapes_a: Sequence[Tuple[int, ...]]) -> str:
    """``; orthogonal's std is 1/√max(rows, cols): 1/√48 vs 1/√32`` where the formula applies."""
    rule = SPREAD.get(name)
    if rule is None or not all(len(s) == 2 for s in list(shapes_a) + list(shapes_b)):
        return ""
    formula, term = rule
    side_b, side_a = (_and(list(dict.fromkeys(term(s) for s in shapes))) for shapes in (shapes_b, shapes_a))
    return f"; {name}'s std is {formula}: {side_b} vs {side_a}"


def _parts(units: Sequence[Unit]) -> str:
    found = {p[3] for p in (block_parts(u.row.block) for u in units) if p is not None}
    order = sorted(found, key=lambda p: (list(PARTS).index(p) if p in PARTS else len(PARTS), p))
    return _and([PARTS.get(p, (p, p + "s"))[1] for p in order]) or "weights"


# ---------------------------------------------------------------- one describer per cause


def _config(cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    a, b = cause.params
    config = [u for u in units if u.key]
    what = "{}: {} in {}, {} in {}: {}".format(
        cause.code,
        num(a),
        _named(config or units, "a"),
        num(b),
        _named(config or units, "b"),
        CONFIG_WHY.get(cause.code, ""),
    ).rstrip(": ")
    extra = len(units) - len(config)
    figures: Figures = {"key": cause.code, "a": a, "b": b}
    if extra:
        figures["evidence_rows"] = extra
    return what, figures


def _constant(cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    a, b = cause.params
    subject = "The gate biases" if all(u.row.block.endswith("/bias") for u in units) else "These weights"
    if "random" in (a, b):
        fixed, drawn = ("a", "b") if b == "random" else ("b", "a")
        value = a if fixed == "a" else b
        what = f"{subject} start at the constant {num(value)} in {_named(units, fixed)} but are drawn at random in {_named(units, drawn)}."
    else:
        what = f"{subject} start at the constant {num(a)} in {_named(units, 'a')}, at {num(b)} in {_named(units, 'b')}."
    return what, {"a": a, "b": b}


def _percent(ratios: Sequence[float], more: bool) -> str:
    return _range([abs(r - 1.0) * 100 for r in ratios], lambda v: f"{v:.0f}") + " % " + ("more" if more else "less")


def _scale(cause: Cause, units: Sequence[Unit], ctx: Context) -> Tuple[str, Figures]:
    direction, name = cause.params
    ratios = _values(units, "scale_mismatch", "ratio")
    std_a, std_b = _values(units, "scale_mismatch", "std_a"), _values(units, "scale_mismatch", "std_b")
    what = "{} draws {}values {} spread than {} (std {} vs {})".format(
        _named(units, "b"),
        name + " " if name else "",
        _percent(ratios, direction == "more"),
        _named(units, "a"),
        _median(std_b),
        _median(std_a),
    )
    over_a, over_b = _shapes(units, "a", ctx), _shapes(units, "b", ctx)
    if over_a and over_b and over_a != over_b:
        what += ": it draws over {} where {} draws over {}{}".format(
            _shape_text(over_b), _named(units, "a"), _shape_text(over_a), _spread_rule(name, over_b, over_a)
        )
    figures = {"ratio": span(ratios), "std_a": span(std_a), "std_b": span(std_b), "initializer": name}
    return what + ".", dict(figures, p_adjusted_max=_max(_values(units, "scale_mismatch", "p_adjusted")))


def _max(values: Sequence[float]) -> Optional[float]:
    return float(f"{max(values):.3g}") if values else None


def _initializer(cause: Cause, units: Sequence[Unit], ctx: Context) -> Tuple[str, Figures]:
    name_a, name_b = cause.params
    what = f"{_named(units, 'b')} draws the {_parts(units)} from {name_b} where {_named(units, 'a')} draws them from {name_a}"
    over_a, over_b = _shapes(units, "a", ctx), _shapes(units, "b", ctx)
    if over_a and over_b:
        what += f" (over {_shape_text(over_b)} vs {_shape_text(over_a)})"
    ratios = _values(units, "scale_mismatch", "ratio")
    kurt_a, kurt_b = (
        _values(units, "distribution_mismatch", "kurtosis_a"),
        _values(units, "distribution_mismatch", "kurtosis_b"),
    )
    said = [_percent(ratios, statistics.median(ratios) > 1) + " spread"] if ratios else []
    if kurt_a:
        said.append(f"kurtosis {_median(kurt_b)} vs {_median(kurt_a)}")
    said += _together(units)
    figures = {
        "initializer_a": name_a,
        "initializer_b": name_b,
        "ratio": span(ratios),
        "kurtosis_a": span(kurt_a),
        "kurtosis_b": span(kurt_b),
        "ks_d": span(_values(units, "distribution_mismatch", "ks_d")),
    }
    return what + (": " + ", ".join(said) if said else "") + ".", figures


def _together(units: Sequence[Unit]) -> List[str]:
    """The all-gates orthogonality a different initializer brings (rows joined to its finding), if any."""
    together = [u for u in units if any(r.code == "orthogonality_mismatch" for r in u.reasons)]
    err_a = _values(together, "orthogonality_mismatch", "orth_rel_err_a")
    err_b = _values(together, "orthogonality_mismatch", "orth_rel_err_b")
    if not err_a or not err_b:
        return []
    owner = "its" if statistics.median(err_b) <= statistics.median(err_a) else _named(together, "a") + "'s"
    return [f"{owner} {_parts(together)} of all gates form one orthogonal matrix"]


def _families(units: Sequence[Unit], side: str, ctx: Context) -> set:
    found = (ctx.family(u.row.scenario, u.row.a.label if side == "a" else u.row.b.label) for u in units)
    return {f.name if f is not None else "" for f in found}


def _distribution(_cause: Cause, units: Sequence[Unit], ctx: Context) -> Tuple[str, Figures]:
    get = lambda name: _values(units, "distribution_mismatch", name)  # noqa: E731
    same_cell = _families(units, "a", ctx) == _families(units, "b", ctx) != {""}
    name = initializers(units[0].row, ctx)[0]
    said = " with the same cell and arguments" if same_cell else ""
    said += f" (the {name} initializer)" if same_cell and name else ""
    what = "{} draws values distributed differently from {}{}: mean {} vs {}, kurtosis {} vs {} (KS D {}).".format(
        _named(units, "b"), _named(units, "a"), said,
        _median(get("mean_b")), _median(get("mean_a")), _median(get("kurtosis_b")), _median(get("kurtosis_a")),
        _range(get("ks_d"), lambda v: f"{v:.3f}"),
    )  # fmt: skip
    names = ("ks_d", "mean_a", "mean_b", "kurtosis_a", "kurtosis_b")
    return what, {name: span(get(name)) for name in names}


def _orthogonality(cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    orth, scope = cause.params
    other = "b" if orth == "a" else "a"
    small, large = (
        _values(units, "orthogonality_mismatch", "orth_rel_err_" + orth),
        _values(units, "orthogonality_mismatch", "orth_rel_err_" + other),
    )
    if scope == "together":
        what = f"{_named(units, orth)} draws the {_parts(units)} of all gates as one orthogonal matrix"
        rest = f"{_named(units, other)}'s are not orthogonal together"
    else:
        what, rest = (
            f"{_named(units, orth)} draws these blocks as orthogonal matrices",
            f"{_named(units, other)}'s are not",
        )
    what += " (error at most {}); {} (error {}).".format(_top(small, EXP), rest, _range(large, lambda v: f"{v:.2g}"))
    return what, {"orth_rel_err_orthogonal": span(small), "orth_rel_err_other": span(large)}


def _joint(cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    joint = cause.params[0]
    apart = "b" if joint == "a" else "a"
    low = _values(units, "joint_orthogonality_mismatch", "coupling_" + joint)
    high = _values(units, "joint_orthogonality_mismatch", "coupling_" + apart)
    what = (
        "{} draws [x; h] as one orthogonal matrix, so its input and recurrent rows are mutually orthogonal "
        "(coupling at most {}); {} draws the kernel and the recurrent kernel independently (coupling {})."
    ).format(_named(units, joint), _top(low, EXP), _named(units, apart), _range(high, lambda v: f"{v:.2f}"))
    return what, {"coupling_joint": span(low), "coupling_apart": span(high)}


def _tied(cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    tied = cause.params[0]
    copies = {u.row.block: u.figure("tied_weights", "copy_of_" + tied) for u in units}
    example = ", ".join(f"{k} = {v}" for k, v in sorted(copies.items())[:2])
    what = (
        f"{_named(units, tied)} starts {len(copies)} block(s) as exact copies of others ({example}): one seeded "
        f"initializer object drew several weights alike; {_named(units, 'b' if tied == 'a' else 'a')} draws each on its own."
    )
    return what, {"copies": dict(sorted(copies.items()))}


def _repeated(cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    side = cause.params[0]
    distinct, seeds = _values(units, "repeated_draws", "distinct"), _values(units, "repeated_draws", "seeds")
    what = (
        f"{_named(units, side)} repeats its draws ({_top(distinct, INT)} distinct among {_top(seeds, INT)} seeds: a "
        f"seeded initializer gives every run the same weights); {_named(units, 'b' if side == 'a' else 'a')} draws afresh with each seed."
    )
    return what, {"distinct": span(distinct), "seeds": span(seeds)}


def _nonfinite(_cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    na, nb = _values(units, "nonfinite", "a"), _values(units, "nonfinite", "b")
    what = "NaN or Inf values: up to {} in a block of {}, {} in {}; their statistics cannot be compared.".format(
        _top(na, INT), _named(units, "a"), _top(nb, INT), _named(units, "b")
    )
    return what, {"a": span(na), "b": span(nb)}


def _missing(cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    side = cause.params[0]
    what = f"Only {_named(units, side)} has these blocks; {_named(units, 'b' if side == 'a' else 'a')} has none."
    return what, {"blocks": len(units)}


def _shape(_cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    pairs = {
        (tuple(u.figure("shape_mismatch", "a") or ()), tuple(u.figure("shape_mismatch", "b") or ())) for u in units
    }
    shown = "; ".join(f"{sa} vs {sb}" for sa, sb in sorted(pairs))
    what = f"The blocks have other shapes in {_named(units, 'b')} than in {_named(units, 'a')} ({shown}): the layers take other inputs here."
    return what, {"shapes": [[list(a), list(b)] for a, b in sorted(pairs)]}


def _other(cause: Cause, units: Sequence[Unit], _ctx: Context) -> Tuple[str, Figures]:
    return f"{_named(units, 'b')} differs from {_named(units, 'a')}: {', '.join(map(str, cause.params))}.", {}


DESCRIBERS: Dict[str, Callable[[Cause, Sequence[Unit], Context], Tuple[str, Figures]]] = {
    "constant": _constant,
    "scale": _scale,
    "initializer": _initializer,
    "distribution": _distribution,
    "orthogonality": _orthogonality,
    "joint_orthogonality": _joint,
    "tied_weights": _tied,
    "repeated_draws": _repeated,
    "nonfinite": _nonfinite,
    "missing_block": _missing,
    "shape": _shape,
    "other": _other,
}


def describe(cause: Cause, units: Sequence[Unit], ctx: Context) -> Tuple[str, Figures]:
    """(what, figures) of a cause over its units; a config option's cause reads as that option."""
    return DESCRIBERS.get(cause.code, _config)(cause, units, ctx)
