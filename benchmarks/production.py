"""The production points: one single-scenario TOML per scenario of ``benchmarks/production.toml``.

Floor B and the worker each run one point as a fresh process (both read the file through
``compare.core.scenarios.load_scenarios``, so the sizes match by construction); a point is named by its
scenario, so ``--production NAME`` runs part of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

from compare.core.scenarios import load_scenarios
from compare.errors import UserError

SECTION = "[[scenario]]"


@dataclass(frozen=True)
class ProductionPoint:
    """One scenario of the production file, written alone to ``scenarios``."""

    name: str
    description: str
    seeds: int
    scenarios: Path


def describe(scenario: object) -> str:
    """E.g. ``4 x lstm 1024 over 1024, unidirectional``."""
    s = scenario
    return "{} x {} {} over {}, {}".format(
        s.layers, s.cell, s.units, s.input_dim, "bidirectional" if s.bidirectional else "unidirectional"
    )


def points(source: Path, folder: Path, names: Optional[Sequence[str]] = None) -> List[ProductionPoint]:
    """Split ``source`` into one file per scenario in ``folder``; only ``names`` when given (in file order)."""
    scenarios = {s.name: s for s in load_scenarios(str(source))}
    unknown = [n for n in names or () if n not in scenarios]
    if unknown:
        raise UserError(f"no production point {unknown[0]!r}", "points: " + ", ".join(scenarios))
    sections = source.read_text(encoding="utf-8").split(SECTION)[1:]
    found = []
    for scenario, text in zip(scenarios.values(), sections):
        if names and scenario.name not in names:
            continue
        path = folder / (scenario.name + ".toml")
        path.write_text(SECTION + text, encoding="utf-8")
        found.append(ProductionPoint(scenario.name, describe(scenario), scenario.seeds, path))
    return found
