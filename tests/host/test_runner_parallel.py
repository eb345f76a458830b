"""rnncompare run starts env workers in parallel by default: one per core, as many as fit in memory."""

from compare.host import runner

GIB = 2**30
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


def test_envs_start_longest_first_by_their_last_recorded_time(tmp_path):
    """The runner starts the env with the longest last run first; envs with no time on record (never run,
    or recreated by tox) go ahead of them all, in the order given."""
    setup = runner.EnvSetup(tmp_path / "tox.ini", tmp_path / "envs", managed=True)
    for env, seconds in (("tf115", 6.8), ("tf215", 16.0), ("tf221", 15.3)):
        setup.env_dir(env).mkdir(parents=True)
        runner.record_seconds(runner.EnvResult(env, "ok", None, tmp_path / "log", seconds), setup)
    assert runner.last_seconds("tf215", setup) == 16.0
    assert runner.last_seconds("tf11", setup) is None
    order = runner.longest_first(["tf11", "tf115", "tf215", "tf221", "tf221-legacy"], setup)
    assert order == ["tf11", "tf221-legacy", "tf215", "tf221", "tf115"]


def test_a_missing_env_folder_records_nothing(tmp_path):
    """No env folder (tox never created it): nothing is written, and the env has no time on record."""
    setup = runner.EnvSetup(tmp_path / "tox.ini", tmp_path / "envs", managed=True)
    runner.record_seconds(runner.EnvResult("tf115", "ok", None, tmp_path / "log", 3.0), setup)
    assert not (tmp_path / "envs").exists()
    assert runner.last_seconds("tf115", setup) is None
