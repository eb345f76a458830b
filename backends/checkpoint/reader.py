"""Read a checkpoint's ``.meta`` graph without running it.

:func:`graph_facts` imports the MetaGraph into a fresh graph (no session, nothing restored) and reads what
the checkpoint cannot say: which op each variable feeds (a fused ``LSTMBlockCell`` / ``BlockLSTM`` /
``GRUBlockCell`` op or MatMuls), the ``forget_bias``, ``cell_clip`` and activation the ops compute, and
each variable's initializer from its ``<var>/Initializer/...`` ops, named in
``compare.core.scenarios.INITIALIZER_PARAMS``'s vocabulary. The checkpoint's own files are
``backends.checkpoint.bundle``'s.

Every refusal is a :class:`compare.errors.UserError` (one line: cause and hint).
"""

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from backends import tfenv
from backends.checkpoint.bundle import first_line
from compare.core.cell_scopes import Stored
from compare.core.detect import GraphFacts
from compare.core.inventory import RecordedInitializer
from compare.errors import UserError

# Ops a variable's value passes through unchanged on its way to the op that computes with it.
PASS_THROUGH = ("Identity", "Enter", "ReadVariableOp", "Switch", "Merge", "Cast", "RefEnter", "RefIdentity")
ACTIVATIONS = {
    "Tanh": "tanh",
    "Relu": "relu",
    "Relu6": "relu6",
    "Elu": "elu",
    "Selu": "selu",
    "Softsign": "softsign",
    "Sigmoid": "sigmoid",
}
ADDS = ("Add", "AddV2")
# The ops of a random initializer: TF 1.x's stateful ones, TF 2's stateless ones (same scope constants,
# ``stateless_random_uniform/min`` ...); a TF 2 compat.v1 graph records the latter.
RANDOM_UNIFORM = frozenset(("RandomUniform", "StatelessRandomUniform", "StatelessRandomUniformV2"))
TRUNCATED_NORMAL = frozenset(("TruncatedNormal", "StatelessTruncatedNormal", "StatelessTruncatedNormalV2"))
RANDOM_NORMAL = frozenset(("RandomStandardNormal", "StatelessRandomNormal", "StatelessRandomNormalV2"))
# A truncated normal's standard deviation is this fraction of its untruncated one (TF's VarianceScaling
# divides by it so that the drawn values have the asked variance).
TRUNCATED_STD = 0.87962566103423978
# Named initializers that are variance scaling: (name, scale, mode, distribution)
VARIANCE_SCALING = (
    ("glorot_uniform", 1.0, "fan_avg", "uniform"),
    ("he_uniform", 2.0, "fan_in", "uniform"),
    ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ("glorot_normal", 1.0, "fan_avg", "truncated"),
    ("he_normal", 2.0, "fan_in", "truncated"),
    ("lecun_normal", 1.0, "fan_in", "truncated"),
)


def _load_contrib_ops(tf: Any) -> None:
    """Register the contrib ops (LSTMBlockCell, GRUBlockCell, cuDNN) a graph may hold: importing the graph
    needs their definitions, which TF 1.x loads with the contrib module."""
    contrib = getattr(tf, "contrib", None)
    for module in ("rnn", "cudnn_rnn"):
        try:
            getattr(contrib, module, None)
        except Exception:  # noqa: BLE001,S110 - a contrib module this TensorFlow cannot load: its ops stay unknown
            pass


def import_graph(meta: str) -> Any:
    """A fresh graph holding the MetaGraph of ``meta`` (nothing restored, no session)."""
    tf = tfenv.tensorflow()
    tf1 = tfenv.v1(tf)
    _load_contrib_ops(tf)
    graph = tf.Graph()
    try:
        with graph.as_default():
            tf1.train.import_meta_graph(meta, clear_devices=True)
    except Exception as exc:  # noqa: BLE001 - one line of TensorFlow's own refusal
        hint = "pass the .meta written with this checkpoint (--meta PATH), or --no-meta"
        if "Op type not registered" in str(exc):
            hint = "the graph was written by TensorFlow {}: inspect it in an env of that version ({}), or --no-meta".format(
                _written_by(meta), "--env tf215 or --env tf221"
            )
        why = first_line(exc)
        if isinstance(exc, UnicodeDecodeError) or type(exc).__name__ == "DecodeError":
            # TF falls back to the text format when the binary one fails to parse: its decode error says little
            why = "it parses as no MetaGraphDef, binary or text (damaged or not a .meta)"
        raise UserError(f"cannot import the graph {meta}: {why}", hint) from None
    return graph


def _written_by(meta: str) -> str:
    """The TensorFlow version a MetaGraph file records, or "a newer version"."""
    try:
        from tensorflow.core.protobuf import meta_graph_pb2  # noqa: PLC0415 - TensorFlow loads lazily, here only

        parsed = meta_graph_pb2.MetaGraphDef()
        with open(meta, "rb") as handle:
            parsed.ParseFromString(handle.read())
        return parsed.meta_info_def.tensorflow_version or "a newer version"
    except Exception:  # noqa: BLE001 - only the hint's wording depends on it
        return "a newer version"


def graph_variables(graph: Any) -> Dict[str, Tuple[int, ...]]:
    """Every variable op of the graph and its shape."""
    found = {}
    for op in graph.get_operations():
        if op.type in ("VariableV2", "Variable", "VarHandleOp"):
            shape = op.get_attr("shape")
            dims = getattr(shape, "dim", None)
            found[op.name] = tuple(int(d.size) for d in dims) if dims is not None else tuple(shape.as_list())
    return found


def check_belongs(variables: Sequence[Stored], graph_vars: Dict[str, Tuple[int, ...]], meta: str) -> None:
    """UserError when the graph is another checkpoint's: a checkpoint variable it lacks or shapes otherwise."""
    for var in variables:
        if var.name not in graph_vars:
            raise UserError(
                f"{meta} belongs to another checkpoint: it has no variable {var.name}",
                "pass the .meta written with this checkpoint (--meta PATH), or --no-meta",
            )
        if graph_vars[var.name] != var.shape:
            raise UserError(
                f"{meta} belongs to another checkpoint: {var.name} is {list(graph_vars[var.name])} there, {list(var.shape)} in the checkpoint",
                "pass the .meta written with this checkpoint (--meta PATH), or --no-meta",
            )


def _consumers(tensor: Any) -> List[Any]:
    return list(tensor.consumers())


def _is_gradient(name: str) -> bool:
    return any(part == "gradients" or part.startswith("gradients_") for part in name.split("/"))


def computing_ops(graph: Any, name: str) -> List[Any]:
    """The ops that compute with variable ``name``'s value (through reads, identities and loop enters)."""
    start = graph.get_operation_by_name(name)
    seen, frontier, found = set(), [start], []
    while frontier:
        op = frontier.pop()
        for out in op.outputs:
            for consumer in _consumers(out):
                # the initializer, the optimizer's updates, the saver and the backward pass also read it
                if consumer.name in seen or "/Initializer/" in consumer.name or _is_gradient(consumer.name):
                    continue
                seen.add(consumer.name)
                if consumer.type in PASS_THROUGH:
                    frontier.append(consumer)
                elif not consumer.type.startswith(("Apply", "ResourceApply", "Save", "Assign")):
                    found.append(consumer)
    return found


def _const(tensor: Any) -> Optional[np.ndarray]:
    """The value of a tensor a Const op makes (through identities), else None."""
    op = tensor.op
    while op.type in ("Identity", "Enter") and op.inputs:
        op = op.inputs[0].op
    if op.type != "Const":
        return None
    from tensorflow.python.framework import tensor_util  # noqa: PLC0415 - TensorFlow loads lazily, here only

    return np.asarray(tensor_util.MakeNdarray(op.get_attr("value")))


def _short(value: float) -> float:
    """A float32 constant as the number written in the code (-0.1, not -0.10000000149011612)."""
    return float(str(np.float32(value))) if np.isfinite(value) else float(value)


def _forward(start: Any, depth: int, stop: Sequence[str] = ("MatMul",)) -> List[Any]:
    """The ops reachable from tensor or op ``start`` in ``depth`` steps, nearest first, not through ``stop``."""
    tensors = list(start.outputs) if hasattr(start, "outputs") else [start]
    seen, order, frontier = set(), [], tensors
    for _ in range(depth):
        nxt = []
        for tensor in frontier:
            for op in _consumers(tensor):
                if op.name in seen or op.type in stop:
                    continue
                seen.add(op.name)
                order.append(op)
                nxt += list(op.outputs)
        frontier = nxt
    return order


def _forget_bias(gates: Any, forget: int, parts: int) -> Optional[float]:
    """The scalar constant the graph adds to the forget gate: the Split of the gate pre-activations (``parts``
    outputs) whose output ``forget`` is the forget gate, then the first Add of a scalar Const after it (layer
    normalisation's own epsilon Add, which feeds an Rsqrt, is not it)."""
    for op in _forward(gates, 8):
        if op.type not in ("Split", "SplitV") or len(op.outputs) != parts:
            continue
        for add in _forward(op.outputs[forget], 12):
            if add.type not in ADDS or any(c.type == "Rsqrt" for c in _consumers(add.outputs[0])):
                continue
            for operand in add.inputs:
                value = _const(operand)
                if value is not None and value.size == 1:
                    return _short(float(value.reshape(())))
        return None
    return None


def _activation_after(tensor: Any, depth: int = 12) -> Optional[str]:
    for op in _forward(tensor, depth):
        if op.type in ACTIVATIONS and op.type != "Sigmoid":
            return ACTIVATIONS[op.type]
    return None


def _clip(start: Any) -> Tuple[bool, Optional[float]]:
    """(whether a cell clip was found, its value) among the ops after the kernel's MatMul."""
    for op in _forward(start, 16):
        if op.type == "ClipByValue":
            value = _const(op.inputs[2])
            return True, None if value is None else _short(float(value.reshape(())))
    return False, None


def cell_options(op: Any, gates: Optional[Tuple[str, ...]]) -> Dict[str, Any]:
    """The computation keys the ops of one cell say: ``op`` is the first op computing with its anchor kernel,
    ``gates`` the anchor's gate order (from the registry) or None."""
    if op.type in ("LSTMBlockCell", "BlockLSTM", "BlockLSTMV2"):
        clip = float(op.get_attr("cell_clip"))
        return {
            "forget_bias": _short(op.get_attr("forget_bias")),
            "cell_clip": _short(clip) if clip > 0 else None,
            "use_peepholes": bool(op.get_attr("use_peephole")),
        }
    if op.type != "MatMul" or not gates:
        return {}
    found: Dict[str, Any] = {}
    if "forget" in gates:
        value = _forget_bias(op, gates.index("forget"), len(gates))
        if value is not None:
            found["forget_bias"] = value
        clipped, value = _clip(op)
        found["cell_clip"] = value if clipped else None
        for split in _forward(op, 8):
            if split.type in ("Split", "SplitV") and len(split.outputs) == len(gates):
                activation = _activation_after(split.outputs[gates.index("cell")])
                if activation:
                    found["activation"] = activation
                break
    else:
        activation = _activation_after(op.outputs[0])
        if activation:
            found["activation"] = activation
    return found


def _fans(shape: Sequence[int]) -> Tuple[float, float]:
    """(fan_in, fan_out) as TensorFlow's variance scaling computes them."""
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def _scaled(name: str, shape: Sequence[int], spread: float, truncated: bool) -> Optional[str]:
    """The named variance-scaling initializer whose limit (uniform) or stddev (truncated) is ``spread``."""
    fan_in, fan_out = _fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
    for named, scale, mode, distribution in VARIANCE_SCALING:
        if (distribution == "truncated") != truncated or (distribution == "uniform") != (name == "uniform"):
            continue
        expected = math.sqrt(3.0 * scale / n[mode]) if not truncated else math.sqrt(scale / n[mode]) / TRUNCATED_STD
        if math.isclose(spread, expected, rel_tol=1e-5):
            return named
    return None


def _scope_const(ops: Dict[str, Any], suffix: str) -> Optional[float]:
    for name, op in ops.items():
        if name.endswith(suffix) and op.type == "Const":
            value = _const(op.outputs[0])
            if value is not None and value.size == 1:
                return _short(float(value.reshape(())))
    return None


def _scope_key(ops: Dict[str, Any], scope: str) -> str:
    """The initializer op's own name under the variable's ``Initializer`` scope (``stateless_`` in TF 2)."""
    return next((key for key in sorted(ops, key=len) if key.endswith(scope)), scope)


def read_initializer(graph: Any, name: str, shape: Sequence[int]) -> Optional[RecordedInitializer]:
    """The initializer variable ``name`` records in its ``Initializer`` ops, or None (none recorded, or one
    this reader does not know)."""
    prefix = name + "/Initializer/"
    ops = {op.name[len(prefix) :]: op for op in graph.get_operations() if op.name.startswith(prefix)}
    if not ops:
        return None
    types = {op.type for op in ops.values()}
    last = ops.get(max(ops, key=len)) if ops else None
    if types & {"Qr", "Svd"}:
        gain = 1.0
        for op in ops.values():
            if op.type == "Mul" and op.inputs[1].op.type == "Reshape":
                value = _const(op.inputs[0])
                gain = _short(float(value.reshape(()))) if value is not None and value.size == 1 else gain
        op_type = "Qr" if "Qr" in types else "Svd"
        return RecordedInitializer("orthogonal", (("gain", gain),), prefix + op_type)
    if types & RANDOM_UNIFORM:
        low, high = _scope_const(ops, "random_uniform/min"), _scope_const(ops, "random_uniform/max")
        if low is None or high is None:
            return None
        named = _scaled("uniform", shape, high, False) if math.isclose(low, -high, rel_tol=1e-6) else None
        if named:
            return RecordedInitializer(named, (), prefix + _scope_key(ops, "random_uniform"))
        return RecordedInitializer(
            "random_uniform", (("maxval", high), ("minval", low)), prefix + _scope_key(ops, "random_uniform")
        )
    for op_types, scope, name_ in (
        (TRUNCATED_NORMAL, "truncated_normal", "truncated_normal"),
        (RANDOM_NORMAL, "random_normal", "random_normal"),
    ):
        if types & op_types:
            mean, stddev = _scope_const(ops, scope + "/mean"), _scope_const(ops, scope + "/stddev")
            if mean is None or stddev is None:
                return None
            named = _scaled("normal", shape, stddev, True) if op_types is TRUNCATED_NORMAL and mean == 0 else None
            if named:
                return RecordedInitializer(named, (), prefix + _scope_key(ops, scope))
            return RecordedInitializer(name_, (("mean", mean), ("stddev", stddev)), prefix + _scope_key(ops, scope))
    del last
    if any("Random" in t or "Stateless" in t for t in types):
        return None  # a random draw this reader does not know: its constants are no constant initializer
    for key, op in sorted(ops.items(), key=lambda kv: len(kv[0])):
        value = _const(op.outputs[0]) if op.type == "Const" else None
        if op.type == "Fill":
            value = _const(op.inputs[1])
        if value is not None and value.size and np.all(value == value.reshape(-1)[0]):
            scalar = _short(float(value.reshape(-1)[0]))
            kind = key.split("/")[0]
            if kind == "zeros" and scalar == 0.0:
                return RecordedInitializer("zeros", (), prefix + key)
            if kind == "ones" and scalar == 1.0:
                return RecordedInitializer("ones", (), prefix + key)
            return RecordedInitializer("constant", (("value", scalar),), prefix + key)
    return None


def graph_facts(graph: Any, variables: Sequence[Stored], anchors: Dict[str, Tuple[str, ...]]) -> GraphFacts:
    """What ``graph`` says about ``variables``: the op each feeds, each one's initializer, and the cell options
    the ops of each anchor kernel (``anchors``: variable name -> its gate order) compute."""
    ops: Dict[str, str] = {}
    options: Dict[str, Dict[str, Any]] = {}
    inits: Dict[str, RecordedInitializer] = {}
    for var in variables:
        try:
            users = computing_ops(graph, var.name)
        except KeyError:
            continue
        if users:
            ops[var.name] = users[0].type
        if var.name in anchors and users:
            options[var.name] = cell_options(users[0], anchors[var.name])
        recorded = read_initializer(graph, var.name, var.shape)
        if recorded is not None:
            inits[var.name] = recorded
    return GraphFacts(ops, options, inits, graph_variables(graph))
