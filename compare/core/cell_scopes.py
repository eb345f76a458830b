"""The cell scopes among a checkpoint's variables, found from the family registry alone.

A *cell* is a scope whose variables end in the params of a registry family (or their ``legacy_names``)
with shapes ``compare.core.layout.cell_layout`` accepts; where several families fit one scope, each is a
reading of it. Nothing here knows a family by name.

Scopes: a cell's variables sit under ``NETWORK[/fw|/bw][/multi_rnn_cell]/cell_K]/CELLSCOPE/PARAM``
(``dynamic_rnn``'s ``rnn``, ``bidirectional_rnn``, a user's own scope ...); :func:`locate` splits a cell
scope into its NETWORK path, direction (``fw``/``bw``) and layer K.
"""

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from compare.core import families, layout

LAYER_RE = re.compile(r"^cell_(\d+)$")
DIRECTIONS = ("fw", "bw")


@dataclass(frozen=True)
class Stored:
    """One checkpoint variable as TensorFlow's reader lists it."""

    name: str
    shape: Tuple[int, ...]
    dtype: str = "float32"


@dataclass(frozen=True)
class CellFit:
    """One scope whose variables fit one family: the canonical param of each variable."""

    prefix: str
    family: str
    params: Tuple[Tuple[str, Stored], ...]  # (param, variable)
    units: int
    input_size: int
    num_proj: Optional[int]
    flags: Tuple[Tuple[str, bool], ...]


def _param_forms(family: families.Family) -> List[Tuple[str, str]]:
    """(name ending, canonical param) of a family, legacy endings too, longest first."""
    legacy = {current: old for old, current in family.legacy_names}
    forms = []
    for param in set(family.params):
        forms.append((param, param))
        head, _, last = param.rpartition("/")
        if last in legacy:
            forms.append(((head + "/" if head else "") + legacy[last], param))
    return sorted(forms, key=lambda f: len(f[0]), reverse=True)


def _fit(family: families.Family, prefix: str, members: Dict[str, Stored]) -> Optional[CellFit]:
    """The cell these variables make in ``family``, or None when their names or shapes do not fit it."""
    if any(v.kind == "opaque" for v in family.variables):
        if set(members) == set(family.params):
            return CellFit(prefix, family.name, tuple(sorted(members.items())), 0, 0, None, ())
        return None
    anchor = members.get(family.anchor)
    spec = next(v for v in family.variables if v.param == family.anchor)
    if anchor is None or len(anchor.shape) != 2 or not spec.gates or anchor.shape[1] % len(spec.gates):
        return None
    units = anchor.shape[1] // len(spec.gates)
    projection = [members[v.param] for v in family.variables if "num_proj" in v.needs and v.param in members]
    num_proj = projection[0].shape[-1] if projection and len(projection[0].shape) == 2 else None
    present = {
        option: any(option in v.needs and v.param in members for v in family.variables) for option in families.OPTIONS
    }
    hidden = (num_proj or units) if family.fuses_hidden_rows else 0
    input_size = anchor.shape[0] - hidden
    if units < 1 or input_size < 1:
        return None
    options = layout.CellOptions(
        num_proj=num_proj,
        peepholes=present["peepholes"],
        use_bias=family.always_bias or present["use_bias"] or "use_bias" not in family.options,
        reset_after=any(
            len(members[v.param].shape) == 2
            for v in family.variables
            if "reset_after" in v.needs and v.param in members
        ),
        layer_norm=present["layer_norm"],
    )
    try:
        expected = layout.cell_layout(family.name, input_size, units, options)
    except ValueError:
        return None
    if set(expected) != set(members) or any(tuple(members[p].shape) != expected[p].shape for p in expected):
        return None
    flags = (("num_proj", bool(num_proj)), ("peepholes", options.peepholes), ("layer_norm", options.layer_norm))
    return CellFit(prefix, family.name, tuple(sorted(members.items())), units, input_size, num_proj, flags)


def find_cells(variables: Sequence[Stored]) -> List[List[CellFit]]:
    """Every cell scope, as the list of families its variables fit (one entry per family): where two
    families could claim a variable, the reading with the shortest scope (the longest param) wins."""
    tf1 = [families.get(n) for n in families.names() if families.get(n).framework == "tf1"]
    groups: Dict[Tuple[str, str], Dict[str, Stored]] = OrderedDict()
    for var in variables:
        for family in tf1:
            for ending, param in _param_forms(family):
                if var.name.endswith("/" + ending):
                    groups.setdefault((family.name, var.name[: -len(ending) - 1]), {})[param] = var
                    break
    fitting = [
        cell
        for (name, prefix), members in groups.items()
        for cell in [_fit(families.get(name), prefix, members)]
        if cell is not None
    ]
    shortest: Dict[str, int] = {}
    for cell in fitting:
        for _, var in cell.params:
            shortest[var.name] = min(shortest.get(var.name, len(cell.prefix)), len(cell.prefix))
    kept = [c for c in fitting if all(len(c.prefix) == shortest[v.name] for _, v in c.params)]
    by_prefix: Dict[str, List[CellFit]] = OrderedDict()
    for cell in kept:
        by_prefix.setdefault(cell.prefix, []).append(cell)
    # a family that explains only some of a scope's variables (LSTMBlockCell's kernel and bias beside a
    # projection) is no reading of that scope
    complete = []
    for readings in by_prefix.values():
        most = max(len(c.params) for c in readings)
        complete.append([c for c in readings if len(c.params) == most])
    return complete


def locate(prefix: str) -> Tuple[str, str, int, str]:
    """(network path, direction, layer, cell scope) of a cell scope path."""
    parts = prefix.split("/")
    cell_scope, rest = parts[-1], parts[:-1]
    layer = 0
    numbered = LAYER_RE.match(rest[-1]) if rest else None
    if numbered:
        layer = int(numbered.group(1))
        rest = rest[:-1]
        if rest and rest[-1] == "multi_rnn_cell":
            rest = rest[:-1]
    direction = "fw"
    if rest and rest[-1] in DIRECTIONS:
        direction, rest = rest[-1], rest[:-1]
    return "/".join(rest) or cell_scope, direction, layer, cell_scope
