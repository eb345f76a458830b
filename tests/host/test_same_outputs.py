"""benchmarks.same_outputs: two versions of the code agree when every diff row keeps its verdict and reason
codes, report.json its values and the artifacts their measurements."""

import json
from pathlib import Path

import numpy as np

from benchmarks.same_outputs import compare, verdict_changes
from compare.artifact import write

ROW = {
    "scenario": "s",
    "block": "l0/fw/update/bias",
    "a": {"env": "tf115", "route": "tf1"},
    "b": {"env": "tf215", "route": "keras"},
    "verdict": "differs",
    "reasons": [{"code": "constant_mismatch", "detail": "1 vs 0", "figures": {"a": 1.0, "b": 0.0}}],
}


def outputs(folder: Path, row: dict, report: dict) -> Path:
    """A make folder: one artifact (+ .npz), one pairwise diff, one report.json."""
    for sub in ("artifacts", "diffs", "report"):
        (folder / sub).mkdir(parents=True)
    write(folder / "artifacts" / "tf115.json", {"env": {"name": "tf115"}, "scenarios": {}}, {"s/tf1/k": np.ones(2)})
    (folder / "diffs" / "tf115__tf215.json").write_text(json.dumps({"rows": [row]}))
    (folder / "report" / "report.json").write_text(json.dumps(report))
    return folder


def test_the_same_outputs_agree_and_the_figures_are_printed(tmp_path, capsys):
    before = outputs(tmp_path / "a", ROW, {"scenarios": [{"std": 0.5}]})
    after = outputs(tmp_path / "b", ROW, {"scenarios": [{"std": 0.5 * (1 + 1e-12)}]})
    assert compare(before, after, 1e-9) == 0
    assert "1 artifacts, 1 pairwise diffs (1 rows), report.json: 0 differences" in capsys.readouterr().out


def test_a_changed_verdict_or_reason_code_is_named_by_its_row():
    same = {(ROW["scenario"], ROW["block"], "tf115", "tf1", "tf215", "keras"): ROW}
    changed = {key: dict(ROW, verdict="same", reasons=[]) for key in same}
    assert verdict_changes(same, changed) == [
        "row ('s', 'l0/fw/update/bias', 'tf115', 'tf1', 'tf215', 'keras'): differs ['constant_mismatch'] -> same []"
    ]


def test_a_key_only_the_newer_report_has_fails_unless_named_as_added(tmp_path):
    before = outputs(tmp_path / "a", ROW, {"scenarios": []})
    after = outputs(tmp_path / "b", ROW, {"scenarios": [], "findings": []})
    assert compare(before, after, 1e-9) == 1
    assert compare(before, after, 1e-9, frozenset({"findings"})) == 0
