"""Draws 1, 2, ... of built Keras layers: every variable re-drawn from its own initializer, re-seeded.

The values are those of eager assigns one variable after another, which is how small draws (below
``GRAPH_VALUES``) are made. Larger ones are made the faster way this TensorFlow allows
(``tfenv.seeded_draws_repeat``), with the same values:

* TF 2.x: a seeded Keras initializer is stateless, so its values do not depend on where it runs. One
  ``tf.function`` per seed draws and assigns every variable in one graph execution, where TensorFlow
  runs independent initializers (the orthogonal QRs of the layers) side by side.
* TF 1.15 (eager): a seeded initializer's random op continues its stream when called again with the
  same seed (eager keeps one kernel per op and seed), which no graph repeats (a graph has a kernel per
  op). Draws of different seeds share no stream, so consecutive seeds are drawn eagerly on ``AHEAD``
  threads, each seed's variables in order: the values are those of serial draws. Their arrays are
  mapped one by one (``heap.large_arrays_mapped``), so that two threads' arrays do not fragment the heap.

Large draws are handed on as read-only views of TensorFlow's own buffers (``_viewed``), not copied: at
production sizes a copy is hundreds of megabytes per seed, written into freshly mapped pages.
"""

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any, Deque, Iterator, List, Sequence, Tuple

import numpy as np

from backends import kerasenv, tfenv
from backends.heap import large_arrays_mapped

# Values per draw from which a draw is worth a graph trace (TF 2.x) or a second thread (TF 1.15)
GRAPH_VALUES = 1 << 20
AHEAD = 2  # seeds drawn at once in TF 1.15: one per core of the 2-core machines the benchmark targets

# (cell, param, variable) of every weight of the built layers, in the route's order
Located = Sequence[Tuple[Any, str, Any]]


def redraws(tf: Any, located: Located, seeds: Sequence[int], initial_value: Any) -> Iterator[List[np.ndarray]]:
    """Each seed's values of ``located``'s variables, in order; the variables hold the last draw's
    afterwards. ``initial_value(tf, cell, param, variable, seed)`` draws one variable's value."""
    if not _large(located):
        return _one_by_one(tf, located, seeds, initial_value)
    if tfenv.seeded_draws_repeat(tf):
        return _in_functions(tf, located, seeds, initial_value)
    return _ahead(tf, located, seeds, initial_value)


def _large(located: Located) -> bool:
    return sum(int(np.prod([int(n) for n in variable.shape])) for _, _, variable in located) >= GRAPH_VALUES


def _one_by_one(tf: Any, located: Located, seeds: Sequence[int], initial_value: Any) -> Iterator[List[np.ndarray]]:
    for seed in seeds:
        for cell, param, variable in located:
            variable.assign(initial_value(tf, cell, param, variable, seed))
        yield [kerasenv.to_numpy(tf, variable) for _, _, variable in located]


def _in_functions(tf: Any, located: Located, seeds: Sequence[int], initial_value: Any) -> Iterator[List[np.ndarray]]:
    for seed in seeds:

        def draw(seed: int = seed) -> List[Any]:
            values = []
            for cell, param, variable in located:
                value = initial_value(tf, cell, param, variable, seed)
                variable.assign(value)
                values.append(value)
            return values

        yield [_viewed(v) for v in tf.function(draw, autograph=False)()]


def _viewed(tensor: Any) -> np.ndarray:
    """An eager tensor's values without a copy: a read-only array over its buffer, which it keeps alive."""
    return np.asarray(tensor)


def _ahead(tf: Any, located: Located, seeds: Sequence[int], initial_value: Any) -> Iterator[List[np.ndarray]]:
    def draw(seed: int) -> List[np.ndarray]:
        return [_viewed(initial_value(tf, cell, param, variable, seed)) for cell, param, variable in located]

    last: List[np.ndarray] = []
    upcoming = iter(seeds[AHEAD:])
    with large_arrays_mapped(), ThreadPoolExecutor(max_workers=AHEAD) as pool:
        pending: Deque[Future] = deque(pool.submit(draw, seed) for seed in seeds[:AHEAD])
        while pending:
            values = pending.popleft().result()
            if not pending:
                last = values  # kept for the variables; any other draw is the caller's alone
            yield values
            del values
            # the next seed starts when the caller asks again, this draw handed on: one draw fewer alive
            pending.extend(pool.submit(draw, seed) for seed in islice(upcoming, 1))
    for (_, _, variable), value in zip(located, last):
        variable.assign(value)
