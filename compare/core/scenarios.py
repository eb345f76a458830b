"""Scenario files: parse and validate the TOML spec of the layers to compare.

This module runs in every environment (host and TF envs, Python 3.6 and numpy 1.18 included),
so the same file yields the same validated spec (``compare.core.scenario_spec`` records), and the same
``spec_hash``, everywhere. A scenario says *what* to build; ``backends/`` says how each TensorFlow builds it.

Example::

    [[scenario]]
    name = "seed-bigru-orthogonal"
    cell = "gru"            # gru | lstm
    units = 16
    input_dim = 32
    layers = 2
    bidirectional = true
    seeds = 32
    [scenario.tf1]
    scope_initializer = "orthogonal"
    [scenario.keras]
    kernel_initializer = "orthogonal"
    recurrent_initializer = "orthogonal"
    stacking = "cells"
"""

import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from compare.core import cost
from compare.core.checks import as_bool, as_float, as_int, check_keys, choice, did_you_mean, fail
from compare.core.scenario_spec import FlaxSpec, Initializer, KerasSpec, Scenario, TF1Spec, TorchSpec
from compare.errors import UserError

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.6 and 3.7 in the TF 1.1 and 1.15 envs
    import tomli as tomllib

DEFAULT_SUITE = Path(__file__).resolve().parents[1] / "suites" / "default.toml"

# Initializer names and the parameters each takes; None = the TF version's own default.
INITIALIZER_PARAMS = {
    "orthogonal": ("gain",),
    "glorot_uniform": (),
    "glorot_normal": (),
    "he_uniform": (),
    "he_normal": (),
    "lecun_uniform": (),
    "lecun_normal": (),
    "variance_scaling": ("scale", "mode", "distribution"),
    "random_uniform": ("minval", "maxval"),
    "random_normal": ("mean", "stddev"),
    "truncated_normal": ("mean", "stddev"),
    "constant": ("value",),
    "zeros": (),
    "ones": (),
    "identity": ("gain",),
}
# Initializers that draw at random also take a ``seed``: one seeded initializer object is what user code
# passes to several weights (``init = Orthogonal(seed=1)``), and the routes pass it likewise.
UNSEEDED = ("constant", "zeros", "ones", "identity")
MAX_SEED = 2**31 - 1
VS_MODES = ("fan_in", "fan_out", "fan_avg")
VS_DISTRIBUTIONS = ("uniform", "normal", "truncated_normal", "untruncated_normal")
ACTIVATIONS = ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear")
CELLS = ("gru", "lstm")
TF1_CELL_CLASSES = {
    "gru": ("GRUCell", "GRUBlockCellV2", "CudnnCompatibleGRUCell", "CudnnGRU"),
    "lstm": (
        "LSTMCell",
        "BasicLSTMCell",
        "LSTMBlockCell",
        "LSTMBlockFusedCell",
        "CudnnCompatibleLSTMCell",
        "LayerNormBasicLSTMCell",
        "CudnnLSTM",
    ),
}
KERAS_LAYER_CLASSES = {"gru": ("GRU", "CuDNNGRU"), "lstm": ("LSTM", "CuDNNLSTM")}
STACKINGS = ("layers", "cells")
# The initializers torch.nn.init has a function for (backends/routes/torch.py maps each); no seed: its
# functions draw from torch's global generator, which the route seeds per draw.
TORCH_INITIALIZERS = (
    "orthogonal",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "random_uniform",
    "random_normal",
    "truncated_normal",
    "constant",
    "zeros",
    "ones",
)
FLAX_CELL_CLASSES = {"gru": ("GRUCell",), "lstm": ("LSTMCell", "OptimizedLSTMCell")}
NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

LIMITS = {"units": 4096, "input_dim": 8192, "layers": 8, "seeds": 4096}


# ---------------------------------------------------------------- initializers
def parse_initializer(where: str, value: Any) -> Initializer:
    """``"orthogonal"`` or ``{ name = "orthogonal", gain = 2.0 }``."""
    if isinstance(value, str):
        table = {"name": value}
    elif isinstance(value, dict):
        table = value
    else:
        raise fail(
            where,
            f"an initializer is a name or a table, got {value!r}",
            'write "orthogonal" or { name = "orthogonal", gain = 1.0 }',
        )
    name = table.get("name")
    if not isinstance(name, str) or name not in INITIALIZER_PARAMS:
        raise fail(
            where,
            f"unknown initializer {name!r}",
            did_you_mean(name, INITIALIZER_PARAMS) or "known: " + ", ".join(INITIALIZER_PARAMS),
        )
    seed = () if name in UNSEEDED else ("seed",)
    params = check_keys(f"{where} ({name})", table, ("name",) + INITIALIZER_PARAMS[name] + seed)
    parsed: Dict[str, Any] = {}
    for key, raw in params.items():
        if key == "name":
            continue
        if key == "seed":
            parsed[key] = as_int(where, key, raw, 0, MAX_SEED)
        elif key == "mode":
            parsed[key] = choice(where, key, raw, VS_MODES)
        elif key == "distribution":
            parsed[key] = choice(where, key, raw, VS_DISTRIBUTIONS)
        else:
            parsed[key] = as_float(where, key, raw)
    if "minval" in parsed and "maxval" in parsed and parsed["minval"] >= parsed["maxval"]:
        raise fail(where, "minval must be below maxval", "e.g. minval = -0.1, maxval = 0.1")
    if parsed.get("stddev", 1.0) <= 0 or parsed.get("scale", 1.0) <= 0:
        raise fail(where, "stddev and scale must be positive", "e.g. stddev = 0.05")
    return Initializer(name, parsed)


def _optional_initializer(where: str, table: Dict[str, Any], key: str) -> Optional[Initializer]:
    return parse_initializer(f"{where} {key}", table[key]) if key in table else None


# ---------------------------------------------------------------- route options
TF1_CELL_KWARGS: Dict[str, Dict[str, Callable[[str, str, Any], Any]]] = {
    "GRUCell": {
        "kernel_initializer": lambda w, k, v: parse_initializer(w + " " + k, v),
        "bias_initializer": lambda w, k, v: parse_initializer(w + " " + k, v),
    },
    "LSTMCell": {
        "initializer": lambda w, k, v: parse_initializer(w + " " + k, v),
        "forget_bias": as_float,
        "use_peepholes": as_bool,
        "num_proj": lambda w, k, v: as_int(w, k, v, 1, LIMITS["units"]),
        "cell_clip": as_float,
    },
    "BasicLSTMCell": {"forget_bias": as_float},
    "LSTMBlockCell": {"forget_bias": as_float, "cell_clip": as_float, "use_peephole": as_bool},
    "LSTMBlockFusedCell": {"forget_bias": as_float, "cell_clip": as_float, "use_peephole": as_bool},
    "GRUBlockCellV2": {},
    "CudnnCompatibleLSTMCell": {},
    "LayerNormBasicLSTMCell": {
        "forget_bias": as_float,
        "layer_norm": as_bool,
        "norm_gain": as_float,
        "norm_shift": as_float,
    },
    "CudnnCompatibleGRUCell": {},
    "CudnnLSTM": {},
    "CudnnGRU": {},
}
KERAS_LAYER_KWARGS: Dict[str, Dict[str, Callable[[str, str, Any], Any]]] = {
    "gru": {
        "reset_after": as_bool,
        "use_bias": as_bool,
        "activation": lambda w, k, v: choice(w, k, v, ACTIVATIONS),
        "recurrent_activation": lambda w, k, v: choice(w, k, v, ACTIVATIONS),
    },
    "lstm": {
        "unit_forget_bias": as_bool,
        "use_bias": as_bool,
        "activation": lambda w, k, v: choice(w, k, v, ACTIVATIONS),
        "recurrent_activation": lambda w, k, v: choice(w, k, v, ACTIVATIONS),
    },
    "CuDNNGRU": {},  # tanh and sigmoid, reset after the recurrent matmul: cuDNN's, not configurable
    "CuDNNLSTM": {"unit_forget_bias": as_bool},
}


def _owners(key: str, tables: Dict[str, Dict[str, Any]]) -> List[str]:
    return [owner for owner, checkers in tables.items() if key in checkers]


def _parse_kwargs(
    where: str,
    raw: Any,
    checkers: Dict[str, Callable[[str, str, Any], Any]],
    tables: Optional[Dict[str, Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    """Options checked one by one; an option of another cell says which cells take it."""
    if isinstance(raw, dict) and tables:
        for key in raw:
            owners = _owners(key, tables)
            if key not in checkers and owners:
                raise fail(
                    where,
                    "unknown key {!r}: an option of {}, not of this cell".format(key, " and ".join(owners)),
                    "this cell takes: " + ", ".join(sorted(checkers)),
                )
    table = check_keys(where, raw, checkers)
    return {key: checkers[key](where, key, value) for key, value in table.items()}


def _parse_tf1(where: str, cell: str, raw: Any) -> TF1Spec:
    table = check_keys(where, raw, ("scope_initializer", "outer_scopes", "cell_class", "cell_kwargs"))
    cell_class = choice(where, "cell_class", table.get("cell_class", TF1_CELL_CLASSES[cell][0]), TF1_CELL_CLASSES[cell])
    outer = table.get("outer_scopes", [])
    if not isinstance(outer, list):
        raise fail(
            where, "outer_scopes must be a list of tables", 'e.g. outer_scopes = [{}, { initializer = "zeros" }]'
        )
    outer_inits = []
    for i, scope in enumerate(outer):
        scope_where = f"{where} outer_scopes[{i}]"
        check_keys(scope_where, scope, ("initializer",))
        outer_inits.append(_optional_initializer(scope_where, scope, "initializer"))
    kwargs = _parse_kwargs(
        f"{where} cell_kwargs ({cell_class})",
        table.get("cell_kwargs", {}),
        TF1_CELL_KWARGS[cell_class],
        TF1_CELL_KWARGS,
    )
    return TF1Spec(cell_class, _optional_initializer(where, table, "scope_initializer"), outer_inits, kwargs)


def _parse_keras(where: str, cell: str, raw: Any) -> KerasSpec:
    keys = (
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "layer_kwargs",
        "stacking",
        "layer_class",
    )
    table = check_keys(where, raw, keys)
    layer_class = table.get("layer_class")
    if layer_class is not None:
        layer_class = choice(where, "layer_class", layer_class, KERAS_LAYER_CLASSES[cell])
    kwargs_of = cell if layer_class in (None,) + KERAS_LAYER_CLASSES[cell][:1] else layer_class
    stacking = choice(where, "stacking", table.get("stacking", "layers"), STACKINGS)
    if layer_class is not None and kwargs_of == layer_class and stacking != "layers":
        raise fail(where, f"{layer_class} is a layer with no cell to stack", 'use stacking = "layers"')
    return KerasSpec(
        kernel_initializer=_optional_initializer(where, table, "kernel_initializer"),
        recurrent_initializer=_optional_initializer(where, table, "recurrent_initializer"),
        bias_initializer=_optional_initializer(where, table, "bias_initializer"),
        layer_kwargs=_parse_kwargs(
            f"{where} layer_kwargs ({kwargs_of})",
            table.get("layer_kwargs", {}),
            KERAS_LAYER_KWARGS[kwargs_of],
            KERAS_LAYER_KWARGS,
        ),
        stacking=stacking,
        layer_class=layer_class,
    )


def _torch_initializer(where: str, table: Dict[str, Any], key: str) -> Optional[Initializer]:
    init = _optional_initializer(where, table, key)
    if init is None:
        return None
    if init.name not in TORCH_INITIALIZERS:
        raise fail(f"{where} {key}", f"torch.nn.init has no {init.name}", "use one of " + ", ".join(TORCH_INITIALIZERS))
    if "seed" in init.params:
        raise fail(f"{where} {key}", "torch.nn.init takes no seed", "leave it out: each draw seeds torch itself")
    if init.name == "constant" and "value" not in init.params:
        raise fail(
            f"{where} {key}", "torch.nn.init.constant_ has no default value", 'write { name = "constant", value = 0.0 }'
        )
    return init


def _parse_torch(where: str, raw: Any) -> TorchSpec:
    table = check_keys(where, raw, ("weight_ih", "weight_hh", "bias", "stacking"))
    return TorchSpec(
        weight_ih=_torch_initializer(where, table, "weight_ih"),
        weight_hh=_torch_initializer(where, table, "weight_hh"),
        bias=_torch_initializer(where, table, "bias"),
        stacking=choice(where, "stacking", table.get("stacking", "layers"), STACKINGS),
    )


def _parse_flax(where: str, cell: str, raw: Any) -> FlaxSpec:
    table = check_keys(where, raw, ("kernel_init", "recurrent_kernel_init", "bias_init", "cell_class"))
    cell_class = table.get("cell_class")
    return FlaxSpec(
        kernel_init=_optional_initializer(where, table, "kernel_init"),
        recurrent_kernel_init=_optional_initializer(where, table, "recurrent_kernel_init"),
        bias_init=_optional_initializer(where, table, "bias_init"),
        cell_class=None if cell_class is None else choice(where, "cell_class", cell_class, FLAX_CELL_CLASSES[cell]),
    )


# ---------------------------------------------------------------- scenarios
SCENARIO_KEYS = (
    "name",
    "cell",
    "units",
    "input_dim",
    "layers",
    "bidirectional",
    "seeds",
    "base_seed",
    "tf1",
    "keras",
    "torch",
    "flax",
)
REQUIRED_KEYS = ("name", "cell", "units", "input_dim")


def parse_scenario(index: int, raw: Any) -> Scenario:
    name = raw.get("name") if isinstance(raw, dict) else None
    where = f"scenario {name!r}" if isinstance(name, str) else f"scenario #{index + 1}"
    table = check_keys(where, raw, SCENARIO_KEYS, REQUIRED_KEYS)
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise fail(where, f"name {name!r} is not a valid name", "use 1-64 letters, digits, '.', '_' or '-'")
    cell = choice(where, "cell", table["cell"], CELLS)
    scenario = Scenario(
        name=name,
        cell=cell,
        units=as_int(where, "units", table["units"], 1, LIMITS["units"]),
        input_dim=as_int(where, "input_dim", table["input_dim"], 1, LIMITS["input_dim"]),
        layers=as_int(where, "layers", table.get("layers", 1), 1, LIMITS["layers"]),
        bidirectional=as_bool(where, "bidirectional", table.get("bidirectional", False)),
        seeds=as_int(where, "seeds", table.get("seeds", 32), 1, LIMITS["seeds"]),
        base_seed=as_int(where, "base_seed", table.get("base_seed", 0), 0, 2**31 - 1),
        tf1=_parse_tf1(where + " [tf1]", cell, table.get("tf1", {})),
        keras=_parse_keras(where + " [keras]", cell, table.get("keras", {})),
        torch=_parse_torch(where + " [torch]", table.get("torch", {})),
        flax=_parse_flax(where + " [flax]", cell, table.get("flax", {})),
    )
    problem = cost.too_large(scenario)
    if problem:
        raise fail(where, *problem)
    return scenario


def parse_scenarios(text: str, source: str = "<string>") -> List[Scenario]:
    """Parse and validate a whole scenario file; raise ``UserError`` on the first problem."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{source}: not valid TOML: {exc}", "check quotes, brackets and '=' signs") from None
    check_keys(source, document, ("scenario",))
    raw = document.get("scenario")
    if not isinstance(raw, list) or not raw:
        raise UserError(f"{source}: no [[scenario]] tables", "add at least one [[scenario]] table")
    scenarios = [parse_scenario(i, table) for i, table in enumerate(raw)]
    seen = set()
    for scenario in scenarios:
        if scenario.name in seen:
            raise UserError(f"{source}: duplicate scenario name {scenario.name!r}", "names must be unique")
        seen.add(scenario.name)
    return scenarios


def load_scenarios(path: Optional[str] = None) -> List[Scenario]:
    """Load a scenario file; ``None`` loads the built-in default suite."""
    file = Path(path) if path else DEFAULT_SUITE
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(
            f"cannot read scenario file {file}: {exc.__class__.__name__}",
            "check the path; omit --scenarios for the built-in suite",
        ) from None
    return parse_scenarios(text, str(file))
