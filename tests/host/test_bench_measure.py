"""How the benchmark times processes (benchmarks/measure.py): cases compared take turns, best run kept.

Host side, no TensorFlow, nothing timed against a limit: the processes are tiny host Pythons that
record when they ran.
"""

import sys
from pathlib import Path

from benchmarks import measure


def _recorder(label: str, trace: Path, code: int = 0) -> measure.Command:
    script = f"open({str(trace)!r}, 'a').write({label!r}); raise SystemExit({code})"
    return measure.Command([sys.executable, "-c", script], {}, label)


def test_cases_compared_take_turns_and_keep_their_best_run(tmp_path):
    """Three runs each of a and b run as a b a b a b: a slow spell of the machine hits both cases."""
    trace = tmp_path / "trace"
    timings = measure.measure_in_turns([_recorder("a", trace), _recorder("b", trace)], tmp_path, 3)
    assert trace.read_text() == "ababab"
    for timing in timings:
        assert timing.status == "ok" and len(timing.runs) == 3
        assert timing.seconds == min(timing.runs) and timing.peak_mb > 0


def test_a_failing_case_stops_its_own_runs_only(tmp_path):
    """A case that exits non-zero is an error after its first run; the other case still runs every round."""
    trace = tmp_path / "trace"
    good, bad = measure.measure_in_turns([_recorder("g", trace), _recorder("x", trace, code=3)], tmp_path, 3)
    assert trace.read_text() == "gxgg"
    assert (good.status, len(good.runs)) == ("ok", 3)
    assert (bad.status, bad.seconds, bad.peak_mb) == ("error", None, None)
    assert bad.reason.startswith("exit code 3")
