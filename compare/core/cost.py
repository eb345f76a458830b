"""What measuring a scenario costs: rough upper bounds of one draw's memory and of one env's time.

Scenario parsing (``compare.core.scenarios``) refuses a scenario over ``MAX_WEIGHT_BYTES`` or
``MAX_SECONDS`` with the estimate in its error; the runner sizes its parallel workers by the memory.

Draws are measured one at a time and dropped, so memory is one draw's: TF's variables, the draw being
measured, each route's first draw (kept for the .npz), and for the first seed the float64 copy and Gram
matrix of the widest variable. Time: Gram matrices and eigenvalues (the cube of the thin side) for the
first seed, a pass over every weight per seed, plus building the layers.
"""

from typing import List, Optional, Tuple

from compare.core.scenario_spec import Scenario

MAX_WEIGHT_BYTES = 4 * 2**30
MAX_SECONDS = 2 * 3600
# float64 Gram + eigvalsh: ~7 GFLOP/s measured for 1024-wide blocks with numpy 1.18 (tf115), 2 cores
FLOPS_PER_SECOND = 7e9
WEIGHT_SECONDS = 3e-8  # statistics per weight per seed (23 ns measured at units 1024 in tf115, 2 busy cores)
BUILD_SECONDS = 0.05  # one cell for one draw (a TF1 graph where re-running repeats values)
ROUTES_MEASURED = 3  # the most one env builds: tf1, keras, recipe (keras, recipe, torch where no TF)
DRAW_COPIES = 2  # TF's variables and the draw being measured, besides the first draws


def _kernels(scenario: Scenario) -> List[Tuple[int, int]]:
    """(input width, gate columns) of every layer's kernel, one direction."""
    gates = 3 if scenario.cell == "gru" else 4
    found, width_in = [], scenario.input_dim
    for _ in range(scenario.layers):
        found.append((width_in, gates * scenario.units))
        width_in = scenario.units * len(scenario.directions)
    return found


def weight_count(scenario: Scenario) -> int:
    """Upper bound of the weights one initialization holds (the wider of the two stackings): per gate
    column, the input and hidden rows and two biases."""
    per_direction = sum(cols * (width_in + scenario.units + 2) for width_in, cols in _kernels(scenario))
    return per_direction * len(scenario.directions)


def _matrix_flops(rows: int, cols: int) -> float:
    thin = min(rows, cols)
    return 2.0 * rows * cols * thin + 10.0 * thin**3  # Gram matrix, then its eigenvalues


def estimate_seconds(scenario: Scenario) -> float:
    """A rough upper bound of the time to measure a scenario in one env, every route: the first seed's
    Gram matrices and singular values (``compare.measure.stats.MATRIX_SEEDS``) of variables and gate blocks, a
    pass over every weight per seed, and building the cells per seed."""
    gates, units = (3 if scenario.cell == "gru" else 4), scenario.units
    flops = 0.0
    for width_in, cols in _kernels(scenario):
        flops += _matrix_flops(width_in + units, cols)  # TF1's [x; h] kernel
        flops += _matrix_flops(width_in, cols) + _matrix_flops(units, cols)  # Keras
        flops += gates * (_matrix_flops(width_in, units) + _matrix_flops(units, units))  # gate blocks
    first_seed = flops * len(scenario.directions) / FLOPS_PER_SECOND
    cells = scenario.layers * len(scenario.directions)
    per_seed = weight_count(scenario) * WEIGHT_SECONDS + cells * BUILD_SECONDS
    return (first_seed + per_seed * scenario.seeds) * ROUTES_MEASURED


def memory_bytes(scenario: Scenario) -> int:
    """A rough upper bound of the worker's memory for a scenario, beyond TensorFlow itself: float32
    draws (``DRAW_COPIES`` plus each route's first), the widest variable in float64 and its Gram matrix."""
    widest = max((width_in + scenario.units) * cols for width_in, cols in _kernels(scenario))
    thin = max(min(width_in + scenario.units, cols) for width_in, cols in _kernels(scenario))
    draws = weight_count(scenario) * 4 * (DRAW_COPIES + ROUTES_MEASURED)
    return draws + widest * 8 + thin * thin * 8


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def too_large(scenario: Scenario) -> Optional[Tuple[str, str]]:
    """(cause, hint) when the scenario would need more memory or time than the limits allow, else None."""
    need = memory_bytes(scenario)
    if need > MAX_WEIGHT_BYTES:
        return (
            f"needs about {need / 2**30:.1f} GiB for one draw of {weight_count(scenario)} weights (draws are measured one at a time: seeds do "
            "not add to it)",
            f"lower units, layers or input_dim (the limit is {MAX_WEIGHT_BYTES / 2**30:.0f} GiB)",
        )
    seconds = estimate_seconds(scenario)
    if seconds > MAX_SECONDS:
        return (
            f"would take about {_duration(seconds)} per env to measure {scenario.seeds} seeds of {weight_count(scenario)} weights",
            f"lower seeds, units or layers (the limit is {_duration(MAX_SECONDS)} per env)",
        )
    return None
