"""rnncompare run starts env workers in parallel by default: one per core, as many as fit in memory."""
import pytest

from compare import runner

pytestmark = pytest.mark.host

GIB = 2 ** 30
BIG = """
[[scenario]]
name = "big"
cell = "lstm"
units = 2048
input_dim = 494
bidirectional = true
seeds = 32
"""


def test_one_env_per_core_when_memory_is_plentiful():
    """Built-in suite, 24 GiB free: 2 cores run 2 of the 4 envs at once, 8 cores all 4, 1 core one."""
    assert runner.default_parallel(4, cores=2, memory=24 * GIB) == 2
    assert runner.default_parallel(4, cores=8, memory=24 * GIB) == 4
    assert runner.default_parallel(4, cores=1, memory=24 * GIB) == 1


def test_memory_limits_the_count(tmp_path):
    """A 2048-unit bidirectional LSTM needs about 1.7 GiB per worker (TensorFlow plus one draw's estimate):
    3 GiB free fits one worker, 4 GiB two, whatever the cores; never fewer than one."""
    scenarios = tmp_path / "big.toml"
    scenarios.write_text(BIG, encoding="utf-8")
    assert runner.default_parallel(4, scenarios, cores=8, memory=3 * GIB) == 1
    assert runner.default_parallel(4, scenarios, cores=8, memory=4 * GIB) == 2
    assert runner.default_parallel(4, scenarios, cores=8, memory=0) == 1
