"""A suite of many small scenarios for the soak test: every cell, direction and initializer kind the
routes build, at sizes that keep one scenario well under a second in every env."""

from itertools import cycle, islice
from pathlib import Path

INITIALIZERS = ("orthogonal", "glorot_uniform", "zeros", "{ name = 'random_uniform', minval = -0.1, maxval = 0.1 }")
SHAPES = [
    (cell, units, input_dim, bidirectional, initializer)
    for cell in ("gru", "lstm")
    for units, input_dim in ((2, 3), (3, 2))
    for bidirectional in ("false", "true")
    for initializer in INITIALIZERS
]


def soak_suite(folder: Path, count: int) -> Path:
    """``count`` scenarios (named ``soak-NNN``), the shapes above in turn, written to ``folder/soak.toml``."""
    blocks = []
    for index, (cell, units, input_dim, bidirectional, initializer) in enumerate(islice(cycle(SHAPES), count)):
        blocks.append(
            f'[[scenario]]\nname = "soak-{index:03d}"\ncell = "{cell}"\nunits = {units}\ninput_dim = {input_dim}\n'
            f"bidirectional = {bidirectional}\nseeds = 2\n[scenario.tf1]\nscope_initializer = {_value(initializer)}\n"
            f"[scenario.keras]\nkernel_initializer = {_value(initializer)}\n"
        )
    path = folder / "soak.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _value(initializer: str) -> str:
    return initializer if initializer.startswith("{") else f'"{initializer}"'
