"""What to do about a finding: the exact Keras argument, or ``init_like_tf1`` with the scenario's arguments.

``fix(cause, units, ctx, pattern)`` for the units of one scenario. The Keras side is the side whose
family is a Keras one; the value it must take is the other side's. Options that change the function
get their Keras argument (``reset_after=False``, ``recurrent_activation="sigmoid"``, ``unit_forget_bias=True``);
a start that differs gets ``init_like_tf1`` (``compare.core.recipe_snippet.init_call``: what the recipe
route runs and the diff measures as the same), or a ``bias_initializer`` where constants alone differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from compare.core import families
from compare.core.recipe_snippet import init_call
from compare.host.findings.causes import FORGET, Unit, block_parts
from compare.host.findings.context import Context
from compare.host.findings.describe import sides
from compare.host.findings.records import Cause

KERAS_ARGUMENTS = ("activation", "recurrent_activation", "use_bias", "reset_after", "unit_forget_bias")
STACK_PER_DIRECTION = (
    "stack the cells inside one Bidirectional, as TF1 stacks each direction: "
    "tf.keras.layers.Bidirectional(tf.keras.layers.RNN(tf.keras.layers.StackedRNNCells(cells)))"
)
ARGUMENT_OF_PART = {"kernel": "kernel_initializer", "recurrent": "recurrent_initializer", "bias": "bias_initializer"}
EVERYWHERE = "lany/any/"  # a normalised pattern over every layer and direction (compare.host.findings.where)


def _literal(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def keras_side(units: Sequence[Unit], ctx: Context) -> Optional[str]:
    """``b`` when every unit's B side is a Keras route, ``a`` when every A side is, else None."""
    for side in ("b", "a"):
        labels = {(u.row.scenario, u.row.a.label if side == "a" else u.row.b.label) for u in units}
        if all(ctx.framework(scenario, label) == "keras" for scenario, label in labels):
            return side
    return None


def _recipe(units: Sequence[Unit], ctx: Context) -> str:
    spec = ctx.spec(units[0].row.scenario)
    return "init_like_tf1(layer, ...) with the TF1 cell's initializers" if spec is None else init_call(spec)


def _no_keras_side(units: Sequence[Unit], ctx: Context) -> str:
    a, b = units[0].row.a.label, units[0].row.b.label
    versions = ctx.tensorflow(b), ctx.tensorflow(a)
    said = " (TensorFlow {} vs {})".format(*versions) if all(versions) else ""
    return (
        f"nothing to set in Keras: {sides(u.row.b.label for u in units)} and {a} both build the TF1 cell, and "
        f"draw it differently{said}; Keras layers with init_like_tf1 start like the TensorFlow they run in"
    )


def _config(cause: Cause, units: Sequence[Unit], ctx: Context, _pattern: str) -> str:
    side = keras_side(units, ctx)
    key, (a, b) = cause.code, cause.params
    if side is None:
        return f"build both sides with the same {key}"
    target = a if side == "b" else b
    if key in KERAS_ARGUMENTS:
        return f"{key}={_literal(target)}"
    if key == FORGET:
        return _forget(target, units, ctx)
    if key == "stacking":
        return (
            STACK_PER_DIRECTION if target == families.PER_DIRECTION else "stack Bidirectional layers, as the other side"
        )
    return f"none in Keras: its GRU and LSTM have no {key} (init_like_tf1 refuses it too); keep a cell that has it"


def _forget(target: Any, units: Sequence[Unit], ctx: Context) -> str:
    """Where the forget gate's bias lives: TF1 adds ``forget_bias`` at run time, Keras stores it."""
    if isinstance(target, bool):
        return f"unit_forget_bias={target}"
    if target == 1.0:
        return "unit_forget_bias=True"
    spec = ctx.spec(units[0].row.scenario)
    call = init_call(spec) if spec is not None else "init_like_tf1(layer)"
    if "cell_kwargs" in call:  # the scenario's own cell_kwargs carry its forget_bias already
        return call
    return call[:-1] + f", cell_kwargs={{'forget_bias': {target!r}}})"


def _constant(cause: Cause, units: Sequence[Unit], ctx: Context, pattern: str) -> str:
    side = keras_side(units, ctx)
    if side is None:
        return _no_keras_side(units, ctx)
    a, b = cause.params
    target = a if side == "b" else b
    text = _bias_initializer(target, units, side, ctx) if pattern.startswith(EVERYWHERE) else None
    return text if text is not None else _recipe(units, ctx)


def _bias_initializer(target: Any, units: Sequence[Unit], side: str, ctx: Context) -> Optional[str]:
    """A Keras bias argument that starts the finding's gates at ``target`` and leaves the others as they are."""
    scenario = units[0].row.scenario
    label = units[0].row.b.label if side == "b" else units[0].row.a.label
    family, spec = ctx.family(scenario, label), ctx.spec(scenario)
    gates = {p[2] for p in (block_parts(u.row.block) for u in units) if p is not None}
    if family is None or spec is None or spec.units is None or not isinstance(target, float):
        return None
    if family.cell == "lstm" and gates == {"forget"} and target == 1.0:
        return "unit_forget_bias=True"
    order = next((v.gates for v in family.variables if v.part == "bias" and v.kind == "vector"), ())
    found = [target if g in gates else ctx.constant(scenario, label, f"l0/fw/{g}/bias") for g in order]
    values = [float(v) for v in found if v is not None]
    if not order or len(values) < len(order):
        return None
    text = "bias_initializer=tf.keras.initializers.Constant({}) ({})".format(
        _constant_list(values, spec.units), ", ".join(f"{g} {v!r}" for g, v in zip(order, values))
    )
    resets = [ctx.route(u.row.scenario, u.row.b.label if side == "b" else u.row.a.label) for u in units]
    if any(r is not None and r.computation(spec).get("reset_after") for r in resets):
        text += ", with reset_after=False"
    return text


def _constant_list(values: Sequence[float], units: int) -> str:
    """The per-gate values as one Keras bias: ``[1.0] * 32 + [0.0] * 16`` (equal neighbours joined)."""
    runs: List[List[Any]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1][1] += units
        else:
            runs.append([value, units])
    return " + ".join(f"[{v!r}] * {n}" for v, n in runs) if len(runs) > 1 else repr(runs[0][0])


def _start(_cause: Cause, units: Sequence[Unit], ctx: Context, _pattern: str) -> str:
    """A start that differs: the recipe, on the Keras side."""
    return _recipe(units, ctx) if keras_side(units, ctx) is not None else _no_keras_side(units, ctx)


def _tied(cause: Cause, units: Sequence[Unit], ctx: Context, _pattern: str) -> str:
    tied = cause.params[0]
    scenario = units[0].row.scenario
    label = units[0].row.a.label if tied == "a" else units[0].row.b.label
    parts: Dict[str, None] = {}
    for unit in units:
        for key in (unit.row.block, unit.figure("tied_weights", "copy_of_" + tied) or ""):
            found = block_parts(key)
            if found is not None and found[3] in ARGUMENT_OF_PART:
                parts[found[3]] = None
    arguments = []
    for seed, part in enumerate(parts, start=1):
        name = ctx.initializer(scenario, label, part) or "orthogonal"
        klass = "".join(word.title() for word in name.split("_"))
        arguments.append(f"{ARGUMENT_OF_PART[part]}=tf.keras.initializers.{klass}(seed={seed})")
    where = "" if ctx.framework(scenario, label) == "keras" else f" ({label} is the tied side)"
    return "a separate initializer object (or seed) for each weight{}: {}".format(where, ", ".join(arguments))


def _repeated(cause: Cause, units: Sequence[Unit], _ctx: Context, _pattern: str) -> str:
    side = units[0].row.a.label if cause.params[0] == "a" else units[0].row.b.label
    return f"seed each run, not the initializer, in {side}: no seed= argument, tf.keras.utils.set_random_seed(run_seed) instead"


FIXES: Dict[str, Callable[[Cause, Sequence[Unit], Context, str], str]] = {
    "constant": _constant,
    "scale": _start,
    "initializer": _start,
    "distribution": _start,
    "orthogonality": _start,
    "joint_orthogonality": _start,
    "other": _start,
    "tied_weights": _tied,
    "repeated_draws": _repeated,
    "nonfinite": lambda *_: "check the initializers' parameters: their values overflow float32",
    "missing_block": lambda *_: "build both sides with the same options: these blocks exist on one side only",
    "shape": lambda *_: STACK_PER_DIRECTION,
}


FRAMEWORK_NAMES = {"keras": "Keras", "torch": "PyTorch", "flax": "Flax", "tf1": "TF1"}
# Causes whose fix is the start the weights are drawn from: PyTorch has no initializer argument for it.
STARTS = ("constant", "scale", "initializer", "distribution", "orthogonality", "joint_orthogonality", "other")
# Flax's cells: the start is their init arguments; the function is the cell's own, with no options.
FLAX_START = (
    "pass kernel_init / recurrent_kernel_init / bias_init to the Flax cell, as [scenario.flax] does (each gate "
    "is a Dense of its own, so an initializer over TF1's fused [x; h] kernel has no Flax argument, and "
    "rnncompare has no recipe starting Flax cells like TF1)"
)


def fix(cause: Cause, units: Sequence[Unit], ctx: Context, pattern: str) -> str:
    """The fix of a cause over the units of one scenario (``pattern``: their normalised where); one per
    framework of the compared sides when they are of several (Keras's argument is no PyTorch fix)."""
    groups: Dict[str, List[Unit]] = {}
    for unit in units:
        groups.setdefault(ctx.framework(unit.row.scenario, unit.row.b.label), []).append(unit)
    if len(groups) == 1:
        return _fix(cause, units, ctx, pattern)
    return "; ".join(
        f"{FRAMEWORK_NAMES.get(name, name)} ({sides(u.row.b.label for u in group)}): {_fix(cause, group, ctx, pattern)}"
        for name, group in groups.items()
    )


@dataclass(frozen=True)
class ModuleFixes:
    """A framework whose modules take no initializer or cell option: what to say instead of Keras's argument."""

    start: str  # causes in STARTS: how to change the weights' start
    stack: str  # a stacking or shape cause: how to stack per direction
    stacks: Tuple[str, ...]  # the causes ``stack`` answers
    lacks: str  # "none in <framework>: <its modules> take no ..."


MODULE_FIXES = {
    "torch": ModuleFixes(
        start="re-initialize the module's parameters with torch.nn.init after building it, as [scenario.torch] does "
        "(PyTorch's modules take no initializer argument, and rnncompare has no recipe starting them like TF1)",
        stack='stack nn.GRUCell / nn.LSTMCell per direction, as TF1 stacks each direction ([scenario.torch] stacking = "cells")',
        stacks=("shape",),
        lacks="none in PyTorch: nn.GRU / nn.LSTM take no",
    ),
    "flax": ModuleFixes(
        start=FLAX_START,
        stack="stack one flax.linen.RNN per direction, each over the layer below it in that direction, as TF1 does",
        stacks=("shape", "stacking"),
        lacks="none in Flax: its cells take no",
    ),
}


def _fix(cause: Cause, units: Sequence[Unit], ctx: Context, pattern: str) -> str:
    frameworks = {ctx.framework(u.row.scenario, u.row.b.label) for u in units}
    module = MODULE_FIXES.get(frameworks.pop()) if len(frameworks) == 1 else None
    found = _module_fix(module, cause, units) if module is not None else None
    return found if found is not None else FIXES.get(cause.code, _config)(cause, units, ctx, pattern)


def _module_fix(module: ModuleFixes, cause: Cause, units: Sequence[Unit]) -> Optional[str]:
    """What to do when the other side is a PyTorch or Flax module, or None where the general fix holds."""
    if cause.code in STARTS:
        return module.start
    if cause.code in module.stacks:
        return module.stack
    if cause.code in FIXES:
        return None
    key, (a, b) = cause.code, cause.params
    return (
        f"{module.lacks} {key} argument (they compute {key}={_literal(b)}); "
        f"rnncompare port says where weights still carry over ({units[0].row.a.label} computes {_literal(a)})"
    )
