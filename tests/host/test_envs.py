"""Managed envs, shards and merging, without running TensorFlow: the shipped env definitions agree with the
checkout's, the code copy is what the envs import, shards split the work exactly, merged folders report as
one, conflicts are one line, and a missing host library is one line."""

import configparser
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compare.errors import UserError
from compare.host import envs, runner
from compare.host.cli import main
from compare.host.envs import matrix as toxini

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"


def _testenv(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(path), encoding="utf-8")
    return parser["testenv"]


def _lines(value, drop_factor=None):
    return [
        line.strip()
        for line in value.splitlines()
        if line.strip()
        and not line.strip().startswith("#")
        and not (drop_factor and line.strip().startswith(drop_factor + ":"))
    ]


def test_shipped_env_definitions_match_the_checkout():
    """The package's compare/host/envs/tox.ini defines the same matrix, Pythons, pins, variables and descriptions
    as the checkout's tox.ini (whose only extra deps are the test envs' pytest and hypothesis)."""
    shipped, checkout = _testenv(envs.SHIPPED / "tox.ini"), _testenv(toxini.TOX_INI)
    assert (
        toxini.matrix(envs.SHIPPED / "tox.ini")
        == toxini.matrix()
        == ("tf11", "tf115", "tf215", "tf221", "tf221-legacy", "k3-jax", "k3-torch")
    )
    for key in ("base_python", "set_env", "description"):
        assert _lines(shipped[key]) == _lines(checkout[key]), key
    assert _lines(shipped["deps"]) == _lines(checkout["deps"], "tests")


def test_code_copy_holds_the_in_env_packages_once_per_content(tmp_path):
    """prepare() copies tox.ini, toxfile.py, compare/ and backends/ (the worker and the built-in suite among
    them) into HOME/code/<version>-<digest>; a second call reuses the same folder."""
    code = envs.prepare(tmp_path)
    assert code.parent == tmp_path / "code"
    for name in (
        "tox.ini",
        "toxfile.py",
        "backends/worker.py",
        "compare/artifact/reading.py",
        "compare/suites/default.toml",
        "compare/host/envs/tox.ini",
    ):
        assert (code / name).is_file(), name
    assert (code / "backends" / "worker.py").read_bytes() == (REPO / "backends" / "worker.py").read_bytes()
    assert "PYTHONPATH = {tox_root}" in (code / "tox.ini").read_text()
    assert envs.prepare(tmp_path) == code and len(list((tmp_path / "code").iterdir())) == 1


def test_env_dir_option_and_variable_choose_managed_envs(tmp_path, monkeypatch):
    """No option in a checkout: its tox.ini and .tox. --env-dir or RNNCOMPARE_HOME: the managed copy, envs
    under DIR/envs, and tox is told so with --workdir."""
    monkeypatch.delenv(envs.HOME_VARIABLE, raising=False)
    assert envs.setup() == envs.EnvSetup(toxini.TOX_INI, None, managed=False)
    chosen = envs.setup(str(tmp_path / "a"))
    assert chosen.managed and chosen.workdir == tmp_path / "a" / "envs"
    assert chosen.tox_args() == ["-c", str(chosen.config), "--workdir", str(tmp_path / "a" / "envs")]
    monkeypatch.setenv(envs.HOME_VARIABLE, str(tmp_path / "b"))
    assert envs.setup().workdir == tmp_path / "b" / "envs"


def test_envs_lists_pythons_versions_and_remedy(tmp_path, monkeypatch):
    """With no python3.7 anywhere, tf115 says it is not found and how to get it; every env names its
    TensorFlow pin and is not created in an empty env folder."""
    monkeypatch.setattr(envs, "_which", lambda program, _extra: "" if program == "python3.7" else "/usr/bin/x")
    infos = {i.name: i for i in envs.describe(str(tmp_path))}
    assert infos["tf115"].python == "python3.7" and infos["tf115"].found == ""
    assert "pyenv install 3.7" in infos["tf115"].remedy and infos["tf215"].remedy == ""
    assert infos["tf115"].tensorflow == "tensorflow==1.15.5, protobuf==3.20.3"
    assert infos["tf221"].tensorflow == "tensorflow-cpu==2.21.0"
    assert infos["tf221-legacy"].tensorflow == "tensorflow==2.21.0, tf-keras==2.21.0"  # one TensorFlow wheel
    assert infos["k3-torch"].tensorflow == "keras==3.15.1, torch==2.15.0"
    assert infos["k3-jax"].python == "python3.12" and "flax==" in infos["k3-jax"].tensorflow
    assert not any(i.exists for i in infos.values())
    assert main(["envs", "--env-dir", str(tmp_path)]) == 1


def test_created_env_shows_what_it_holds(tmp_path):
    """A created env's installed TensorFlow and numpy are read from its .dist-info folders."""
    site = tmp_path / "envs" / "tf115" / "lib" / "python3.7" / "site-packages"
    for name in ("numpy-1.18.5.dist-info", "tensorflow-1.15.5.dist-info", "tensorflow_estimator-1.15.1.dist-info"):
        (site / name).mkdir(parents=True)
    (tmp_path / "envs" / "tf115" / "bin").mkdir()
    info = {i.name: i for i in envs.describe(str(tmp_path))}["tf115"]
    assert info.exists and info.installed == "tensorflow 1.15.5, numpy 1.18.5"


def test_shards_split_the_work_round_robin():
    """2 envs x 3 scenarios over 2 shards: pairs 0, 2, 4 to shard 1 and 1, 3, 5 to shard 2; the shards are
    disjoint and cover all 6 pairs; 7 shards leave the 7th empty."""
    envs_, names = ["tf115", "tf215"], ["a", "b", "c"]
    one = runner.shard_work(envs_, names, runner.Shard(1, 2))
    two = runner.shard_work(envs_, names, runner.Shard(2, 2))
    assert one == {"tf115": ["a", "c"], "tf215": ["b"]}
    assert two == {"tf115": ["b"], "tf215": ["a", "c"]}
    assert runner.shard_work(envs_, names, None) == {"tf115": names, "tf215": names}
    assert runner.shard_work(envs_, names, runner.Shard(7, 7)) == {}
    for text in ("0/2", "3/2", "2", "a/b"):
        with pytest.raises(UserError, match="I/N"):
            runner.Shard.parse(text)


def _split(tmp_path, tensorflow=None, spec_hash=None):
    """tests/data/tiny-tf115 cut into one folder per scenario (optionally with the 2nd one altered)."""
    whole = json.loads((DATA / "tiny-tf115.json").read_text())
    arrays = dict(np.load(str(DATA / "tiny-tf115.npz")))
    folders = []
    for i, name in enumerate(whole["scenarios"]):
        folder = tmp_path / f"s{i}"
        folder.mkdir()
        part = dict(whole, scenarios={name: dict(whole["scenarios"][name])})
        if i == 1 and tensorflow:
            part["env"] = dict(whole["env"], tensorflow=tensorflow)
        if i == 1 and spec_hash:
            part["scenarios"][name]["spec_hash"] = spec_hash
            part["scenarios"] = {"g1": part["scenarios"][name]}
        (folder / "tf115.json").write_text(json.dumps(part))
        np.savez(str(folder / "tf115.npz"), **{k: v for k, v in arrays.items() if k.startswith(name + "/")})
        folders.append(folder)
    return folders


def test_merged_folders_report_as_the_whole_artifact(tmp_path):
    """The stored tf115 artifact split per scenario into two folders, merged by report: report.json is
    byte-identical to the report of the whole artifact."""
    whole = tmp_path / "whole"
    whole.mkdir()
    for suffix in (".json", ".npz"):
        shutil.copy(str(DATA / ("tiny-tf115" + suffix)), str(whole / ("tf115" + suffix)))
    folders = _split(tmp_path)
    assert main(["report", str(whole), "--out", str(tmp_path / "one")]) == 0
    assert main(["report"] + [str(f) for f in folders] + ["--out", str(tmp_path / "merged")]) == 0
    assert (tmp_path / "one" / "report.json").read_bytes() == (tmp_path / "merged" / "report.json").read_bytes()


@pytest.mark.parametrize(
    "change, words", [({"tensorflow": "1.15.4"}, "two tensorflow versions"), ({"spec_hash": "0" * 16}, "has spec_hash")]
)
def test_conflicting_copies_are_one_line(tmp_path, capsys, change, words):
    """Same env measured by two TF versions, or one scenario with two spec_hash values: exit 2, one line,
    no report written."""
    folders = _split(tmp_path, **change)
    assert main(["report"] + [str(f) for f in folders] + ["--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "report.json").exists()


def test_missing_host_library_is_one_line():
    """With scipy unimportable (an install on a Python below the host floors), `rnncompare diff` says which
    library is missing and the pip command, in one line, exit 2."""
    probe = (
        "import sys\n"
        "class B:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'scipy': raise ImportError('blocked', name=name)\n"
        "sys.meta_path.insert(0, B())\n"
        "from compare.host.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "diff", str(DATA / "tiny-tf115.json"), str(DATA / "tiny-tf115.json")],
        capture_output=True,
        text=True,
        cwd=str(REPO),
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: this verb needs scipy") and "pip install 'scipy>=1.10'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_old_python_is_one_line(monkeypatch, capsys):
    """Installed into a Python 3.7 TF env (the worker's home), the rnncompare command says it needs 3.8
    and names the worker, in one line, exit 2."""
    monkeypatch.setattr(sys, "version_info", (3, 7, 16, "final", 0))
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the rnncompare command needs Python >= 3.8; this is 3.7.16")
    assert "python -m backends.worker" in err and len(err.strip().splitlines()) == 1
