"""Where a finding shows: its rows' blocks as one compact pattern over layers, directions, gates and parts.

``pattern(blocks, universe)`` gives the text a person reads ("every layer and direction: update and reset
gate biases") and a normalised form the finding's id hashes. Sets that cover the whole scenario (every
layer it has, every direction, every gate of the cell) are written as such, so the same cause in the
same places reads, and hashes, alike in a one-layer GRU and in a two-layer bidirectional one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Sequence, Tuple

from compare.core import families, layout
from compare.host.diff import CONFIG_BLOCK

Block = Tuple[int, str, str, str]  # (layer, direction, gate, part)
ALL_GATES = "*"  # the pseudo-gate of rows over all gates of a part, or of the whole cell
DIRECTIONS = {"fw": "forward", "bw": "backward"}
PARTS = {
    "kernel": ("kernel", "kernels"),
    "recurrent": ("recurrent kernel", "recurrent kernels"),
    "bias": ("bias", "biases"),
    "recurrent_bias": ("recurrent bias", "recurrent biases"),
    "peephole": ("peephole", "peepholes"),
    "gain": ("gain", "gains"),
    "shift": ("shift", "shifts"),
}


@dataclass(frozen=True)
class Universe:
    """What one scenario has: its layers, directions and the cell's gates."""

    layers: FrozenSet[int]
    directions: FrozenSet[str]
    gates: FrozenSet[str]


def universe_of(blocks: Iterable[str], gates: Sequence[str] = ()) -> Universe:
    """The layers and directions of every block key given (a scenario's rows), and ``gates``."""
    parsed = [_parse(b) for b in blocks]
    found = [p for p in parsed if p is not None]
    return Universe(
        frozenset(p[0] for p in found), frozenset(p[1] for p in found), frozenset(gates or [p[2] for p in found])
    )


def _parse(key: str) -> Block | None:
    try:
        return layout.parse_key(key)
    except ValueError:
        return None


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


GATE_ORDER, _ = families.display_order()


def _gate_order(gate: str) -> Tuple[int, str]:
    """The registry's display order (update, reset, candidate; input, forget, cell, output), then names."""
    return (GATE_ORDER.index(gate), "") if gate in GATE_ORDER else (len(GATE_ORDER), gate)


def _places(layers: FrozenSet[int], directions: FrozenSet[str], uni: Universe) -> Tuple[str, str]:
    """(text, normal form) of a product of layers and directions."""
    every_layer, every_direction = layers >= uni.layers, directions >= uni.directions
    lay = sorted(layers)
    layer_text = f"layer {lay[0]}" if len(lay) == 1 else "layers " + _and([str(x) for x in lay])
    dirs = sorted(directions, key=lambda d: list(DIRECTIONS).index(d) if d in DIRECTIONS else 9)
    dir_text = _and([DIRECTIONS.get(d, d) for d in dirs])
    if every_layer and every_direction:
        text = "every layer and direction"
    elif every_layer:
        text = "every layer, " + dir_text
    elif every_direction:
        text = layer_text + ", every direction"
    else:
        text = f"{layer_text}, {dir_text}"
    normal = "l{}/{}".format(
        "any" if every_layer else ",".join(map(str, lay)), "any" if every_direction else ",".join(dirs)
    )
    return text, normal


def _what(gates: FrozenSet[str], parts: Sequence[str], uni: Universe) -> Tuple[str, str]:
    """(text, normal form) of some parts of some gates."""
    names = [PARTS.get(p, (p, p + "s"))[1] for p in parts if p != "cell"]
    if gates == {ALL_GATES}:
        bits = ["the whole cell ([x; h] by all gates)"] if "cell" in parts else []
        if names:
            bits.insert(0, f"all gates' {_and(names)} taken together")
        text = " and ".join(bits)
    elif gates >= uni.gates:
        text = "every gate's " + _and(names)
    else:
        text = f"{_and(sorted(gates, key=_gate_order))} gate {_and(names)}"
    normal_gates = "any" if gates != {ALL_GATES} and gates >= uni.gates else ",".join(sorted(gates, key=_gate_order))
    return text, "{}/{}".format(normal_gates, ",".join(parts))


def _group(blocks: Iterable[Block]) -> Dict[Tuple[FrozenSet[int], FrozenSet[str]], Dict[str, set]]:
    """(layers, directions) -> part -> gates: cells of one place set and one gate set grouped together."""
    places: Dict[Tuple[str, str], set] = {}
    for layer, direction, gate, part in blocks:
        places.setdefault((gate, part), set()).add((layer, direction))
    grouped: Dict[Tuple[FrozenSet[int], FrozenSet[str]], Dict[str, set]] = {}
    for (gate, part), where in places.items():
        for key in _products(where):
            grouped.setdefault(key, {}).setdefault(part, set()).add(gate)
    return grouped


def _products(where: set) -> List[Tuple[FrozenSet[int], FrozenSet[str]]]:
    """(layer, direction) pairs as products: layers that share their directions go together."""
    by_layer: Dict[int, set] = {}
    for layer, direction in where:
        by_layer.setdefault(layer, set()).add(direction)
    by_dirs: Dict[FrozenSet[str], set] = {}
    for layer, dirs in by_layer.items():
        by_dirs.setdefault(frozenset(dirs), set()).add(layer)
    return [(frozenset(layers), dirs) for dirs, layers in by_dirs.items()]


def pattern(blocks: Iterable[str], uni: Universe) -> Tuple[str, str]:
    """(text, normal form) of where ``blocks`` (block keys, ``config``, or other names) lie."""
    keys = sorted(set(blocks))
    parsed = [p for p in (_parse(k) for k in keys) if p is not None]
    texts, normals = [], []
    if CONFIG_BLOCK in keys:
        texts.append("the layer's options")
        normals.append("config")
    for (layers, directions), parts in sorted(_group(parsed).items(), key=lambda kv: (min(kv[0][0]), sorted(kv[0][1]))):
        place, place_normal = _places(layers, directions, uni)
        by_gates: Dict[FrozenSet[str], List[str]] = {}
        for part, gate_set in parts.items():
            by_gates.setdefault(frozenset(gate_set), []).append(part)
        for gates, part_list in sorted(by_gates.items(), key=lambda kv: sorted(kv[0], key=_gate_order)):
            what, what_normal = _what(gates, sorted(part_list, key=_part_order), uni)
            texts.append(f"{place}: {what}")
            normals.append(f"{place_normal}/{what_normal}")
    others = [k for k in keys if k != CONFIG_BLOCK and _parse(k) is None]
    texts += others
    normals += others
    return "; ".join(texts), ";".join(sorted(normals))


def _part_order(part: str) -> int:
    order = list(PARTS) + ["cell"]
    return order.index(part) if part in order else len(order)
