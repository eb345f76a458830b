"""Where the worker measures a draw (``backends.worker._measure``): a large one on a thread of its own while
the route makes the next draw, in the order drawn (numpy only: a route of hand-made arrays)."""

import dataclasses
import threading
from typing import Dict, Iterator, List

import numpy as np
import pytest

from backends import worker
from backends.routes.base import Built, Values, Weight
from compare.core.scenarios import load_scenarios

SEEDS = 4


class ArrayBuilt(Built):
    """Draws of one (3, 6) kernel, each a new array filled with its index."""

    family = "keras_gru"

    def config(self) -> Dict[str, object]:
        return {}

    def draws(self, count: int) -> Iterator[List[Weight]]:
        for k in range(count):
            yield [Weight("kernel", 0, "fw", "kernel", np.full((3, 6), float(k), dtype=np.float32))]

    def load(self, _values: Values) -> List[Weight]:
        raise AssertionError("these tests draw; they load nothing")

    def forward(self, _inputs: np.ndarray) -> Dict[str, np.ndarray]:
        return {}


class ThreadRecorder:
    """Stands in for the Measurer: records the thread each draw is measured on, and the draws in order."""

    threads: List[str] = []
    seen: List[float] = []

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        ThreadRecorder.threads, ThreadRecorder.seen = [], []

    def add(self, weights: List[Weight]) -> None:
        ThreadRecorder.threads.append(threading.current_thread().name)
        ThreadRecorder.seen.append(float(weights[0].value[0, 0]))

    def result(self) -> Dict[str, object]:
        return {}


@pytest.fixture
def measured(monkeypatch):
    monkeypatch.setattr(worker, "Measurer", ThreadRecorder)
    monkeypatch.setattr(worker, "_cell_options", lambda _family, _config: {})
    monkeypatch.setattr(worker, "OVERLAP_VALUES", 0)  # every draw counts as large
    scenario = dataclasses.replace(load_scenarios(None)[0], seeds=SEEDS)

    def measure() -> List[str]:
        worker._measure(scenario, ArrayBuilt())
        assert ThreadRecorder.seen == [0.0, 1.0, 2.0, 3.0]  # in order, each once, whatever the thread
        return ThreadRecorder.threads

    return measure


def test_large_draws_are_measured_on_a_second_thread(measured):
    main = threading.current_thread().name
    assert all(name != main for name in measured())
