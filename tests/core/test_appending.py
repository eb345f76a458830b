"""The worker's artifact writer (``compare.artifact.Appender``): appending scenario by scenario gives what
one write gives, a kill between commits leaves a readable artifact of the committed scenarios, and the
bytes written grow linearly with the number of scenarios.
"""

import os

import numpy as np
import pytest

from compare import artifact
from compare.artifact import appending
from compare.errors import UserError


def entry(i):
    return {
        "spec_hash": f"h{i}",
        "spec": {"units": 2, "seeds": 2},
        "routes": {
            "keras": {
                "status": "ok",
                "reason": "",
                "family": "keras_gru",
                "variables": {"w": {"shape": [3, 2], "stats": {"count": 6, "mean": 0.5 + i}}},
            }
        },
    }


def arrays_of(i):
    return {f"s{i}/keras/w": np.arange(6, dtype=np.float32).reshape(3, 2) + i}


def pending(count):
    return {
        "env": {"name": "fake"},
        "scenarios": {f"s{i}": {"spec_hash": f"h{i}", "spec": {}, "routes": {}} for i in range(count)},
    }


def without_size(document):
    return {k: v for k, v in document.items() if k != "npz_bytes"}


class Counted:
    """A file object that adds the bytes written through it to ``tally``."""

    def __init__(self, handle, tally):
        self._handle, self._tally = handle, tally

    def write(self, data):
        self._tally.append(len(data))
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


def appended(path, count, **options):
    appender = artifact.Appender(path, pending(count), **options)
    for i in range(count):
        appender.add(f"s{i}", entry(i), arrays_of(i), last=i == count - 1)
    return appender


def test_appending_gives_what_one_write_gives(tmp_path):
    appended(tmp_path / "a" / "fake.json", 5, credit=0.5, budget=0)  # commits now and then, and at the end
    whole = pending(5)
    whole["scenarios"] = {f"s{i}": entry(i) for i in range(5)}
    whole["complete"] = True
    one = {}
    for i in range(5):
        one.update(arrays_of(i))
    artifact.write(tmp_path / "b" / "fake.json", whole, one)
    a, b = (tmp_path / x / "fake.json" for x in "ab")
    assert without_size(artifact.load(a)) == without_size(artifact.load(b))
    assert artifact.read(a).complete is True
    got, want = artifact.arrays(a, artifact.read(a)), artifact.arrays(b, artifact.read(b))
    assert list(got) == list(want) and all(np.array_equal(got[k], want[k]) for k in want)
    assert artifact.read(a).npz_bytes == artifact.npz_path(a).stat().st_size
    with np.load(str(artifact.npz_path(a))) as data:  # plain numpy reads the appended file too
        assert sorted(data.files) == sorted(want)


def test_arrays_appended_route_by_route_give_what_adding_them_with_the_scenario_gives(tmp_path):
    """The worker appends each route's arrays as the route ends: the JSON is byte for byte that of one
    ``add`` per scenario (the .npz's size and the commits included) and the arrays are the same."""
    two_routes = {"s0/keras/w": np.ones((3, 2), dtype=np.float32), "s0/tf1/w": np.zeros(5, dtype=np.float32)}
    together = artifact.Appender(tmp_path / "a" / "fake.json", pending(1), credit=0.5, budget=0)
    together.add("s0", entry(0), two_routes, last=True)
    by_route = artifact.Appender(tmp_path / "b" / "fake.json", pending(1), credit=0.5, budget=0)
    for key, value in two_routes.items():
        by_route.append({key: value})
    by_route.add("s0", entry(0), {}, last=True)
    a, b = (tmp_path / x / "fake.json" for x in "ab")
    assert a.read_bytes() == b.read_bytes()
    got = artifact.arrays(b, artifact.read(b))
    assert sorted(got) == sorted(two_routes) and all(np.array_equal(got[k], two_routes[k]) for k in got)


def test_a_kill_between_commits_leaves_the_committed_scenarios_readable(tmp_path):
    """Scenario 0 committed, 1 and 2 appended but not committed, then half a member: what a SIGKILL leaves."""
    path = tmp_path / "fake.json"
    appender = artifact.Appender(path, pending(3), budget=0)
    appender.add("s0", entry(0), arrays_of(0))
    appender._rate = 0.0  # nothing more is due
    appender.add("s1", entry(1), arrays_of(1))
    appender.add("s2", entry(2), {"s2/keras/w": np.zeros((300, 300), dtype=np.float32)})
    with artifact.npz_path(path).open("ab") as handle:
        handle.write(os.urandom(70000))  # more than zipfile's search for its end record
    art = artifact.read(path)
    assert art.complete is False
    assert [n for n, s in art.scenarios.items() if s.routes] == ["s0"]
    assert list(artifact.arrays(path, art)) == ["s0/keras/w"]
    assert np.array_equal(artifact.first_seed(art, "s0", "keras")["w"], arrays_of(0)["s0/keras/w"])


def test_close_commits_every_finished_scenario(tmp_path):
    path = tmp_path / "fake.json"
    appender = artifact.Appender(path, pending(3), credit=0, budget=0)
    appender.add("s0", entry(0), arrays_of(0))
    appender.add("s1", entry(1), arrays_of(1))
    appender.close()  # as the worker does on Ctrl-C
    art = artifact.read(path)
    assert art.complete is False and sorted(artifact.arrays(path, art)) == ["s0/keras/w", "s1/keras/w"]
    assert art.scenarios["s1"].routes["keras"].ok and not art.scenarios["s2"].routes


def test_a_shorter_npz_than_the_json_says_is_refused(tmp_path):
    path = tmp_path / "fake.json"
    appended(path, 2)
    npz = artifact.npz_path(path)
    npz.write_bytes(npz.read_bytes()[:-10])
    with pytest.raises(UserError, match="its .json says"):
        artifact.arrays(path, artifact.read(path))


def written_bytes(tmp_path, monkeypatch, count):
    tally = []
    real = appending.atomic_write
    monkeypatch.setattr(appending, "atomic_write", lambda p, write: real(p, lambda h: write(Counted(h, tally))))
    appended(tmp_path / str(count) / "fake.json", count, budget=0, opener=lambda *a: Counted(open(*a), tally))
    return sum(tally)


def test_bytes_written_grow_linearly_with_the_scenarios(tmp_path, monkeypatch):
    """Rewriting the whole artifact after each scenario wrote ~4x the bytes for twice the scenarios."""
    small, large = (written_bytes(tmp_path, monkeypatch, n) for n in (200, 400))
    assert large <= 2.2 * small, (small, large)
