"""Find the recurrent networks in a checkpoint's variable list, from the family registry alone.

Input: every checkpoint variable as (name, shape, dtype), and optionally what the ``.meta`` graph says
(:class:`GraphFacts`, read by ``backends.checkpoint.reader``). Output: the :class:`compare.core.inventory.Network`
records and the :class:`compare.core.inventory.Listed` rest (optimizer slots, other variables, unrecognised
ones). The cells come from ``compare.core.cell_scopes``; the cells sharing a NETWORK path form one network,
``cell_K`` its layer K, ``fw``/``bw`` its directions. Where several classes store the same variables they
are all ``candidates`` and only the graph (or ``--set``) picks one.
"""

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from compare.core import families
from compare.core.cell_scopes import DIRECTIONS, CellFit, Stored, find_cells, locate
from compare.core.inventory import Listed, Network, OwnedVariable, RecordedInitializer

# The computation keys whose value the variables themselves tell (a projection, peepholes, layer norm):
# computation key -> the layout option whose variables exist exactly when it is on.
TOLD_BY_VARIABLES = {"num_proj": "num_proj", "use_peepholes": "peepholes", "layer_norm": "layer_norm"}
# Words that make a scope look recurrent: a variable under one that fits no family is "unrecognised".
RECURRENT_WORDS = re.compile(r"rnn|lstm|gru|cell", re.IGNORECASE)


@dataclass(frozen=True)
class GraphFacts:
    """What the saved graph says about the checkpoint's variables, each keyed by variable name.

    ``ops``: the op type of the first computing op the variable feeds (``MatMul``, ``LSTMBlockCell``,
    ``BlockLSTM``, ``GRUBlockCell`` ...); ``options``: computation keys (``forget_bias``, ``activation``,
    ``cell_clip``) read off the ops a cell's anchor kernel feeds; ``initializers``: as each variable's
    ``Initializer`` ops record it; ``variables``: every variable the graph holds, with its shape."""

    ops: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    initializers: Mapping[str, RecordedInitializer] = field(default_factory=dict)
    variables: Mapping[str, Tuple[int, ...]] = field(default_factory=dict)


def split_slots(variables: Sequence[Stored]) -> Tuple[List[Stored], Dict[str, List[Stored]]]:
    """(the variables, each variable's optimizer slots): ``V/Adam``, ``V/Momentum``, ``V/RMSProp_1`` ... are
    slots of ``V`` when ``V`` is a variable of the same shape (every TF1 optimizer names its slots so)."""
    by_name = {v.name: v for v in variables}
    slots: Dict[str, List[Stored]] = {}
    plain = []
    for var in variables:
        owner, _, last = var.name.rpartition("/")
        if owner in by_name and by_name[owner].shape == var.shape and last:
            slots.setdefault(owner, []).append(var)
        else:
            plain.append(var)
    return plain, slots


def _snake(name: str) -> str:
    """``CudnnCompatibleLSTMCell`` -> ``cudnn_compatible_lstm_cell``: the scope TensorFlow names a cell
    (a layer) after its class."""
    text = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()


def _classes(cell_options: List[CellFit]) -> List[Tuple[str, str]]:
    """(class, family) of every class that stores these variables with these options."""
    from compare.core.scenarios import TF1_CELL_KWARGS  # which constructor options each class takes

    found = []
    for cell in cell_options:
        family = families.get(cell.family)
        flags = dict(cell.flags)
        for klass in family.classes:
            takes = TF1_CELL_KWARGS.get(klass, {})
            if flags.get("num_proj") and "num_proj" not in takes:
                continue
            if flags.get("peepholes") and not {"use_peepholes", "use_peephole"} & set(takes):
                continue
            found.append((klass, family.name))
    return found


def _contradicts(family: families.Family, graph: Mapping[str, Any]) -> bool:
    """Whether the graph computes a value this family never does (a cuDNN-compatible LSTM's forget_bias 0)."""
    for key, value in graph.items():
        rule = family.config.get(key)
        if isinstance(rule, families.Fixed) and rule.value is not None and value != rule.value:
            return True
    return False


def _choose(
    classes: List[Tuple[str, str]], anchor: str, cell_scope: str, facts: Optional[GraphFacts], graph: Mapping[str, Any]
) -> Tuple[Optional[str], Tuple[str, ...], str]:
    """(cell class or None, the candidates, a note): the graph's op decides between the classes that run a
    fused op and those running MatMuls, then what the ops compute (a family's fixed values), then the scope
    TensorFlow names after the class; classes of one family left over compute the same: the first is
    reported, with a note."""
    names = tuple(k for k, _ in classes)
    if facts is None or anchor not in facts.ops:
        return (names[0], names, "") if len(names) == 1 else (None, names, "")
    op = facts.ops[anchor]
    family_of = dict(classes)
    fused = {k: {o for c, o in families.get(f).class_ops if c == k} for k, f in classes}
    every_op = {o for f in families.names() for _, o in families.get(f).class_ops}
    if op in every_op:
        running = [k for k in names if op in fused[k]]
        if not running:  # the graph runs a fused op none of the classes storing these variables runs
            return None, names, "graph: {} feeds a {} op, which none of {} runs".format(anchor, op, ", ".join(names))
    else:
        running = [k for k in names if not fused[k]]
    running = [k for k in running if not _contradicts(families.get(family_of[k]), graph)] or running
    if len(running) > 1:
        named = [k for k in running if _snake(k) == cell_scope]
        running = named or running
    if len(running) > 1 and len({family_of[k] for k in running}) == 1:
        return (
            running[0],
            names,
            "{} store and compute the same (one family, {}); reported as {}".format(
                " and ".join(running), family_of[running[0]], running[0]
            ),
        )
    if len(running) == 1:
        return running[0], names, ""
    return None, tuple(running) or names, ""


def _options(
    network: Network,
    family: families.Family,
    cell_vars: Sequence[str],
    facts: Optional[GraphFacts],
    flags: Mapping[str, bool],
    num_proj: Optional[int],
) -> Network:
    """Fill the family's Read options from the variables, the graph (what the ops of the cell's variables
    ``cell_vars`` compute), or leave them missing."""
    graph: Dict[str, Any] = {}
    if facts is not None:
        for name in cell_vars:
            graph.update(facts.options.get(name, {}))
    options, sources, missing = {}, {}, []
    for key in families.CELL_KEYS[family.cell]:
        rule = family.config.get(key)
        if not isinstance(rule, families.Read):
            continue
        if key in TOLD_BY_VARIABLES:
            on = flags.get(TOLD_BY_VARIABLES[key], False)
            options[rule.key] = num_proj if key == "num_proj" else on
            sources[rule.key] = "checkpoint"
        elif key in graph:
            options[rule.key] = graph[key]
            sources[rule.key] = "graph"
        else:
            missing.append(rule.key)
    return Network(
        network.name,
        network.family,
        network.cell_class,
        network.candidates,
        network.layers,
        network.directions,
        network.units,
        network.input_size,
        network.num_proj,
        network.peepholes,
        tuple(sorted(options.items())),
        tuple(sorted(sources.items())),
        tuple(missing),
        network.variables,
        network.notes,
    )


def _missing_of(classes: List[Tuple[str, str]]) -> Tuple[str, ...]:
    """The options any candidate family reads that nothing recorded (the cell class is unknown)."""
    keys: List[str] = []
    for _, name in classes:
        family = families.get(name)
        for key in families.CELL_KEYS[family.cell]:
            rule = family.config.get(key)
            if isinstance(rule, families.Read) and key not in TOLD_BY_VARIABLES and rule.key not in keys:
                keys.append(rule.key)
    return tuple(keys)


def detect(
    variables: Sequence[Stored], facts: Optional[GraphFacts] = None
) -> Tuple[Tuple[Network, ...], Tuple[Listed, ...]]:
    """The networks among ``variables`` and the rest, listed (see the module docstring)."""
    plain, slots = split_slots(variables)
    inits = facts.initializers if facts is not None else {}
    cells = find_cells(plain)
    claimed = {v.name for options in cells for cell in options for _, v in cell.params}
    grouped: Dict[str, List[Tuple[str, int, str, List[CellFit]]]] = OrderedDict()
    for options in cells:
        network, direction, layer, cell_scope = locate(options[0].prefix)
        grouped.setdefault(network, []).append((direction, layer, cell_scope, options))
    networks, others = [], []
    for name, members in grouped.items():
        found = _network(name, members, slots, inits, facts)
        if isinstance(found, Network):
            networks.append(found)
        else:
            others += [
                Listed(v.name, v.shape, v.dtype, "unrecognised", note=found)
                for _, _, _, options in members
                for _, v in options[0].params
            ]
    for var in plain:
        if var.name in claimed:
            continue
        recurrent = any(RECURRENT_WORDS.search(part) for part in var.name.split("/")[:-1])
        if recurrent:
            others.append(
                Listed(
                    var.name,
                    var.shape,
                    var.dtype,
                    "unrecognised",
                    note="under a recurrent-looking scope, but its name and shape fit no cell family",
                )
            )
        else:
            others.append(Listed(var.name, var.shape, var.dtype))
    owned = {v.name for n in networks for v in n.variables}
    for owner, found in slots.items():
        if owner not in owned:
            others += [Listed(s.name, s.shape, s.dtype, "slot", of=owner) for s in found]
    return tuple(networks), tuple(sorted(others, key=lambda o: o.name))


def _network(
    name: str,
    members: List[Tuple[str, int, str, List[CellFit]]],
    slots: Mapping[str, List[Stored]],
    inits: Mapping[str, RecordedInitializer],
    facts: Optional[GraphFacts],
) -> Any:
    """One network from its cells, or a string: why these cells make no network."""
    family_sets = [{c.family for c in options} for _, _, _, options in members]
    common = set.intersection(*family_sets)
    if not common:
        return "its cells fit different families ({})".format(", ".join(sorted(set.union(*family_sets))))
    directions = tuple(d for d in DIRECTIONS if any(m[0] == d for m in members))
    layers = max(m[1] for m in members) + 1
    where = {(m[0], m[1]): m for m in members}
    gaps = [(d, k) for d in directions for k in range(layers) if (d, k) not in where]
    if gaps or len(where) != len(members):
        return "its cells do not stack: layers 0..{} of {} expected".format(layers - 1, "/".join(directions))
    first = [c for c in where[("fw", 0)][3] if c.family in common]
    units = {c.units for _, _, _, options in members for c in options if c.family in common}
    if len(units) != 1:
        return "its cells have different widths ({})".format(", ".join(str(u) for u in sorted(units)))
    classes = _classes(first)
    anchor_cell = first[0]
    anchor = dict(anchor_cell.params)[families.get(anchor_cell.family).anchor].name
    cell_scope = where[("fw", 0)][2]
    graph: Dict[str, Any] = {}
    if facts is not None:
        for _, var in anchor_cell.params:
            graph.update(facts.options.get(var.name, {}))
    cell_class, candidates, why = _choose(classes, anchor, cell_scope, facts, graph)
    family = families.of_class(cell_class, "tf1") if cell_class else None
    variables = []
    in_order = sorted(where.items(), key=lambda kv: (kv[0][1], DIRECTIONS.index(kv[0][0])))
    for (direction, layer), (_, _, _, options) in in_order:
        cell = next(c for c in options if c.family == (family.name if family else anchor_cell.family))
        for param, var in cell.params:
            variables.append(
                OwnedVariable(
                    var.name,
                    layer,
                    direction,
                    param,
                    var.shape,
                    var.dtype,
                    tuple(s.name for s in slots.get(var.name, ())),
                    inits.get(var.name),
                )
            )
    notes = [why] if why else []
    opaque = any(v.kind == "opaque" for v in families.get(anchor_cell.family).variables)
    if opaque:
        notes.append(
            "opaque cuDNN parameter buffer: its layout is cuDNN's own, so it is listed but cannot be "
            "converted (sizes unknown)"
        )
    network = Network(
        name,
        family.name if family else "",
        cell_class,
        candidates,
        layers,
        directions,
        anchor_cell.units,
        anchor_cell.input_size,
        anchor_cell.num_proj,
        dict(anchor_cell.flags).get("peepholes", False),
        variables=tuple(variables),
        notes=tuple(notes),
    )
    if opaque:
        return network
    cell_vars = [v.name for _, v in anchor_cell.params]
    if family is not None:
        return _options(network, family, cell_vars, facts, dict(anchor_cell.flags), anchor_cell.num_proj)
    known = _options(
        network, families.get(anchor_cell.family), cell_vars, facts, dict(anchor_cell.flags), anchor_cell.num_proj
    )
    missing = tuple(k for k in _missing_of(classes) if k not in dict(known.options))
    return Network(
        known.name,
        "",
        None,
        candidates,
        known.layers,
        known.directions,
        known.units,
        known.input_size,
        known.num_proj,
        known.peepholes,
        known.options,
        known.option_sources,
        missing,
        known.variables,
        known.notes,
    )
