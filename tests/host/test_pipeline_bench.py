"""The analysis part's helpers (benchmarks/pipeline.py): replicated artifacts and the power fit.

Host side, no TensorFlow, nothing timed: the copies are checked by reading them back with rnncompare's
own reader (tests/data/tiny-tf115.json, written by a real tf115 worker), the fit on made-up points
with a known exponent.
"""

import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks import pipeline
from compare import artifact

DATA = Path(__file__).parent.parent / "data"


def test_fit_power_recovers_a_known_exponent():
    assert pipeline.fit_power([(1, 2.0), (2, 4.0), (4, 8.0)]) == pytest.approx(1.0)
    assert pipeline.fit_power([(1, 3.0), (2, 12.0), (4, 48.0)]) == pytest.approx(2.0)
    assert pipeline.fit_power([(2, 1.0)]) is None


def test_replicate_makes_readable_copies_of_every_scenario(tmp_path):
    """Three copies of a real artifact: the reader accepts them (every promised .npz array is there under
    the copy's name), the scenarios come in copy order, and a copy's weights equal the original's."""
    source, dest = tmp_path / "src", tmp_path / "dest"
    source.mkdir()
    for suffix in (".json", ".npz"):
        shutil.copyfile(str(DATA / ("tiny-tf115" + suffix)), str(source / ("tf115" + suffix)))
    (source / "report.json").write_text("{}")
    names = pipeline.scenario_names(source)
    pipeline.replicate(source, dest, 3)
    assert sorted(p.name for p in dest.iterdir()) == ["tf115.json", "tf115.npz"]
    expected = names + [n + "-copy1" for n in names] + [n + "-copy2" for n in names]
    assert pipeline.scenario_names(dest) == expected
    read = artifact.read_folder(dest)["tf115"]
    original, copy = artifact.arrays(source / "tf115.json"), artifact.arrays(dest / "tf115.json")
    assert len(copy) == 3 * len(original)
    for key, value in original.items():
        scenario, rest = key.split("/", 1)
        np.testing.assert_array_equal(copy[pipeline.copy_name(scenario, 2) + "/" + rest], value)
    assert set(read.scenarios) == set(expected)


def test_load_code_imports_the_host_libraries_and_reads_the_folder(tmp_path):
    code = pipeline.load_code(tmp_path)
    assert code.splitlines()[0] == "import numpy, scipy.stats"
    assert repr(str(tmp_path)) in code
