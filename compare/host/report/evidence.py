"""The report's evidence from the artifacts: per-block statistics, biases and built configs, side by side.

``build`` judges (grid, findings, answer); this module only gathers what each env/route measured, so
the evidence tables and plots show the artifacts' own numbers next to the diff's verdict on each block.
Inputs are the routes that ran (``ok``: ``((env, route), RouteResult)`` pairs) and the diff's rows in the
report's form (``compare.host.report.records.DiffRow``). Host side.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from compare.artifact import Measured, RouteResult
from compare.core import families, layout
from compare.host.report.records import BiasCell, BlockCell, BlockGroup, ConfigDiff, DiffRow, Reason, Series

Routes = Sequence[Tuple[Series, RouteResult]]

# Config keys that differ between builds without changing any weight (auto-generated names, module paths).
COSMETIC_KEYS = frozenset({"name", "module", "registered_name"})
# The statistics the tables show; the rest of an artifact's stats stay in the artifact.
TABLE_STATS = (
    "count",
    "mean",
    "std",
    "min",
    "max",
    "abs_max",
    "fro_norm",
    "kurtosis",
    "constant",
    "orth_err",
    "orth_gain",
    "orth_method",
    "sv_min",
    "sv_mean",
    "sv_max",
)

GATE_ORDER, PART_ORDER = families.display_order()


def pair(a: Series, b: Series) -> frozenset:
    """An unordered pair of series: a row compares a with b or b with a alike."""
    return frozenset((a, b))


# ---------------------------------------------------------------- blocks


def _block_entries(route: RouteResult) -> Tuple[Mapping[str, Measured], bool]:
    """The route's canonical blocks; until an artifact has them, its variables stand in (flag True)."""
    if route.blocks:
        return route.blocks, False
    return {name: dataclasses.replace(v, variable=name) for name, v in route.variables.items()}, True


def key_fields(key: str) -> Optional[Tuple[int, str, str, str]]:
    """``(layer, direction, gate, part)`` of a block key; None for anything else (a variable name, ``*``)."""
    try:
        return layout.parse_key(key)
    except ValueError:
        return None


def _part(key: str) -> str:
    fields = key_fields(key)
    return fields[3] if fields else ""


def _table_stats(measured: Optional[Measured]) -> Dict[str, Any]:
    return dict(measured.stats.shown(TABLE_STATS)) if measured is not None and measured.stats is not None else {}


def _rows_by_block(rows: Sequence[DiffRow]) -> Dict[Tuple[str, frozenset], DiffRow]:
    """(block, unordered pair of series) -> the first row on it (looked up once per table cell)."""
    found: Dict[Tuple[str, frozenset], DiffRow] = {}
    for r in rows:
        found.setdefault((r.block, pair(r.a, r.b)), r)
    return found


def _verdict_against(
    key: str, series: Series, baseline: Optional[Series], rows: Mapping[Tuple[str, frozenset], DiffRow]
) -> Tuple[str, List[Reason]]:
    if baseline is None or series == baseline:
        return "", []
    found = rows.get((key, pair(series, baseline)))
    return (found.verdict, found.reasons) if found is not None else ("", [])


def blocks(ok: Routes, baseline: Optional[Series], rows: Sequence[DiffRow]) -> Tuple[List[BlockGroup], bool]:
    """Every block key with each env/route's measurements and its row against the baseline; True when
    variables stood in for blocks (artifacts from before canonical blocks)."""
    groups: Dict[str, BlockGroup] = {}
    from_variables = False
    by_block = _rows_by_block(rows)
    for series, route in ok:
        entries, fallback = _block_entries(route)
        from_variables = from_variables or fallback
        for key, entry in entries.items():
            verdict, reasons = _verdict_against(key, series, baseline, by_block)
            group = groups.setdefault(key, BlockGroup(key, _part(key)))
            group.cells.append(
                BlockCell(
                    env=series[0],
                    route=series[1],
                    shape=list(entry.shape),
                    variable=entry.variable,
                    stats=_table_stats(entry),
                    fingerprint=entry.fingerprint.as_json() if entry.fingerprint else None,
                    verdict=verdict,
                    reasons=reasons,
                    sample=entry.stats.sample if entry.stats else np.empty(0),
                )
            )
    return sorted(groups.values(), key=lambda g: block_sort_key(g.key)), from_variables


def _rank(order: Sequence[str], name: str) -> Tuple[int, str]:
    return (order.index(name) if name in order else len(order), name)


def block_sort_key(key: str) -> Tuple[Any, ...]:
    """Layer, direction (fw first), part, then gates in the order the docs name them."""
    fields = key_fields(key)
    if fields:
        layer, direction, gate, part = fields
        return (0, layer, _rank(("fw", "bw"), direction), _rank(PART_ORDER, part), _rank(GATE_ORDER, gate))
    return (1, key)


def biases(ok: Routes) -> List[BiasCell]:
    """Every bias block per env/route: what is stored, and what the gate sees when the artifact says."""
    cells = []
    for series, route in ok:
        keys = set(route.effective_bias) | {k for k in route.blocks if _part(k) == "bias"}
        for key in sorted(keys, key=block_sort_key):
            effective = route.effective_bias.get(key)
            cells.append(
                BiasCell(
                    key,
                    series[0],
                    series[1],
                    _table_stats(route.blocks.get(key)),
                    _table_stats(effective) if effective is not None and effective.stats else None,
                )
            )
    return cells


# ---------------------------------------------------------------- config


def flatten(value: Any, prefix: str = "") -> Iterator[Tuple[str, str]]:
    """Dotted keys to JSON-text leaves: ``{"layer": {"cells": [{"units": 16}]}}`` -> ``layer.cells[0].units``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value if isinstance(value, str) else json.dumps(value)


def _is_cosmetic(key: str) -> bool:
    return key.rsplit(".", 1)[-1] in COSMETIC_KEYS


def config(ok: Routes, routes: Sequence[str]) -> Tuple[List[ConfigDiff], int]:
    """The built config keys whose values differ between envs of one route, and how many cosmetic ones
    (auto-generated names, module paths) were left out."""
    diffs: List[ConfigDiff] = []
    cosmetic = 0
    for route in routes:
        flat = {s[0]: dict(flatten(found.config)) for s, found in ok if s[1] == route}
        if len(flat) < 2:
            continue
        keys: Dict[str, None] = {}
        for leaves in flat.values():
            keys.update(dict.fromkeys(leaves))
        for key in keys:
            values = {env: flat[env].get(key) for env in flat}
            if len(set(values.values())) == 1:
                continue
            if _is_cosmetic(key):
                cosmetic += 1
            else:
                diffs.append(ConfigDiff(route, key, values))
    # the cell summary first: it says in one place what the nested layer configs repeat per cell
    diffs.sort(key=lambda d: (routes.index(d.route), not d.key.startswith("cell.")))
    return diffs, cosmetic
