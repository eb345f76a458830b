"""Every bad input is one line on stderr, ``error: CAUSE (hint: ...)``, exit code 2, no traceback, and
nothing written: through ``python -m backends.worker`` and the scenario parser (these fail before any
framework is imported, so they run in every env, Python 3.6 included); NaN and Inf weights are measured,
not crashed on.
"""

import pytest

from compare.errors import UserError
from tests.helpers.bad_input import ARTIFACT, SCENARIO_CASES, WORKER_CASES, assert_one_line, doc


@pytest.mark.parametrize("name", sorted(WORKER_CASES))
def test_worker_bad_input_is_one_line_exit_2(name, tmp_path, capsys, monkeypatch):
    from backends import worker

    make, words = WORKER_CASES[name]
    argv = make(tmp_path, monkeypatch)
    capsys.readouterr()
    try:
        code = worker.main(argv)
    except SystemExit as exc:
        code = exc.code
    assert_one_line(code, capsys.readouterr().err, words)
    assert not list(tmp_path.glob("o.*")) and not list(tmp_path.glob(".*.tmp")), "nothing written on bad input"


@pytest.mark.parametrize("name", sorted(SCENARIO_CASES))
def test_scenario_parser_raises_user_error(name):
    """The same table through the parser itself (every env, Python 3.7 included)."""
    from compare.core.scenarios import parse_scenarios

    text, words = SCENARIO_CASES[name]
    with pytest.raises(UserError) as info:
        parse_scenarios(text)
    assert all(w in info.value.one_line() for w in words if "not valid TOML" not in w)


# ---------------------------------------------------------------- NaN / Inf weights
def test_fixture_holds_nonfinite_weights_flagged_by_the_worker():
    """The fixture's scenario 'inf' (constant 1e39 overflows float32) was measured, not crashed on."""
    from compare import artifact

    document = artifact.load(ARTIFACT)
    for route in ("tf1", "keras"):
        entry = document["scenarios"]["inf"]["routes"][route]
        assert entry["status"] == "ok" and entry["nonfinite"] > 0 and "NaN or Inf" in entry["reason"]
        flagged = [b for b in entry["blocks"].values() if b["stats"]["nonfinite"]]
        assert flagged and all(b["stats"]["std"] is None and b["fingerprint"] is None for b in flagged)


def test_nan_text_from_older_writers_reads_as_null_and_flagged_without_changing_the_document():
    import copy

    from compare import artifact

    document = doc()
    stats = document["scenarios"]["g1"]["routes"]["keras"]["blocks"]["l0/fw/update/kernel"]["stats"]
    stats.update(std="nan", mean="inf")
    before = copy.deepcopy(document)
    read = artifact.from_document(document).route("g1", "keras").blocks["l0/fw/update/kernel"].stats
    assert read.std is None and read.mean is None and read.nonfinite >= 1
    assert document == before
