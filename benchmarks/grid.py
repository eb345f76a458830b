"""The scaling grid: one single-scenario TOML per (cell, units, seeds), built like the seed case.

Every point is the default suite's seed case (2 layers, bidirectional, orthogonal scope
initializer vs Keras orthogonal kernel and recurrent kernel, ``stacking = "cells"``,
``input_dim = 32``) at another size, so the grid scales what the default suite measures.
Points the scenario validator refuses (the worker's memory or time guard) are kept with the
validator's own reason and not run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

from compare.core.scenarios import parse_scenarios
from compare.errors import UserError

FULL = {"units": (64, 256, 1024), "seeds": (8, 32, 128), "cells": ("gru", "lstm"), "routes": ("tf1", "keras")}
QUICK = {"units": (8, 16), "seeds": (2, 4), "cells": ("gru",), "routes": ("tf1", "keras")}
INPUT_DIM = 32

TEMPLATE = """\
[[scenario]]
name = "{name}"
cell = "{cell}"
units = {units}
input_dim = {input_dim}
layers = 2
bidirectional = true
seeds = {seeds}
[scenario.tf1]
scope_initializer = "orthogonal"
[scenario.keras]
kernel_initializer = "orthogonal"
recurrent_initializer = "orthogonal"
stacking = "cells"
"""


@dataclass
class GridPoint:
    """One grid cell for one route; ``skipped`` holds the validator's refusal when it cannot run."""

    route: str
    cell: str
    units: int
    seeds: int
    scenarios: Optional[Path] = None
    skipped: str = ""

    @property
    def label(self) -> str:
        return f"{self.route}-{self.cell}-u{self.units}-s{self.seeds}"


def scenario_text(cell: str, units: int, seeds: int) -> str:
    name = f"grid-{cell}-u{units}-s{seeds}"
    return TEMPLATE.format(name=name, cell=cell, units=units, input_dim=INPUT_DIM, seeds=seeds)


def refusal(text: str) -> str:
    """The validator's one-line reason for refusing ``text``, or '' when it accepts it."""
    try:
        parse_scenarios(text, "grid")
    except UserError as exc:
        return exc.one_line()
    return ""


def points(
    folder: Path, quick: bool = False, routes: Sequence[str] = (), sizes: Optional[Sequence[int]] = None
) -> List[GridPoint]:
    """Write the grid's TOML files into ``folder``; every (route, cell, units, seeds), in run order.
    ``sizes`` replaces the grid's units (to run part of it)."""
    grid = QUICK if quick else FULL
    found = []
    for cell in grid["cells"]:
        for units in sizes or grid["units"]:
            for seeds in grid["seeds"]:
                text = scenario_text(cell, units, seeds)
                path = folder / f"grid-{cell}-u{units}-s{seeds}.toml"
                path.write_text(text, encoding="utf-8")
                reason = refusal(text)
                for route in routes or grid["routes"]:
                    found.append(GridPoint(route, cell, units, seeds, None if reason else path, reason))
    return found
