"""The analysis part's helpers (benchmarks/pipeline.py): scenario subsets of artifacts and the power fit.

Host side, no TensorFlow, nothing timed: the subsets are checked by reading their files back, the fit on
made-up points with a known exponent.
"""
import json

import numpy as np
import pytest

from benchmarks import pipeline

pytestmark = pytest.mark.host


def test_subset_counts_double_up_to_the_total():
    assert pipeline.subset_counts(6) == [1, 2, 4, 6]
    assert pipeline.subset_counts(4) == [1, 2, 4]
    assert pipeline.subset_counts(1) == [1]
    assert pipeline.subset_counts(0) == []


def test_fit_power_recovers_a_known_exponent():
    assert pipeline.fit_power([(1, 2.0), (2, 4.0), (4, 8.0)]) == pytest.approx(1.0)
    assert pipeline.fit_power([(1, 3.0), (2, 12.0), (4, 48.0)]) == pytest.approx(2.0)
    assert pipeline.fit_power([(2, 1.0)]) is None


def test_subset_keeps_the_first_scenarios_and_the_arrays(tmp_path):
    source, dest = tmp_path / "src", tmp_path / "dest"
    source.mkdir()
    document = {"schema": "rnncompare/artifact", "scenarios": {"a": {"x": 1}, "b": {"x": 2}, "c": {"x": 3}}}
    (source / "tf115.json").write_text(json.dumps(document))
    np.savez(str(source / "tf115.npz"), a=np.zeros(2))
    (source / "report.json").write_text("{}")
    pipeline.subset(source, dest, 2)
    assert sorted(p.name for p in dest.iterdir()) == ["tf115.json", "tf115.npz"]
    assert list(json.loads((dest / "tf115.json").read_text())["scenarios"]) == ["a", "b"]
    assert pipeline.scenario_names(dest) == ["a", "b"]
    assert pipeline.artifact_files(source) == [source / "tf115.json"]


def test_load_code_imports_the_host_libraries_and_reads_the_folder(tmp_path):
    code = pipeline.load_code(tmp_path)
    assert code.splitlines()[0] == "import numpy, scipy.stats"
    assert repr(str(tmp_path)) in code
