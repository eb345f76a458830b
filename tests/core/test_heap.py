"""When the worker hands freed memory back (``backends.heap.Trimmer``), on a hand-driven clock."""

from typing import List

from backends.heap import Trimmer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def trims(seconds_per_draw: float, draws: int) -> List[int]:
    """The draws (1-based) after which a Trimmer(every=4, seconds=1) trims, each draw taking
    ``seconds_per_draw``."""
    clock, released = Clock(), []
    trimmer = Trimmer(every=4, seconds=1.0, clock=clock, release=lambda: released.append(None))
    done = []
    for k in range(1, draws + 1):
        clock.now += seconds_per_draw
        if trimmer.after_draw():
            done.append(k)
    assert len(released) == len(done)
    return done


def test_fast_draws_are_trimmed_every_fourth():
    assert trims(0.1, 12) == [4, 8, 12]


def test_slow_draws_are_trimmed_after_each_one():
    assert trims(2.0, 5) == [1, 2, 3, 4, 5]


def test_the_clock_restarts_at_each_trim():
    # 0.4 s a draw: a second has passed after the third draw since the last trim, not sooner
    assert trims(0.4, 9) == [3, 6, 9]
