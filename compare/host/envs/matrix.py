"""The env matrix, read from tox.ini, its one source (standard library only: ``.ci/judge.py`` reads it too).

tox.ini's ``[tox] labels`` name the envs: ``matrix`` (one worker per TensorFlow) and ``test`` (the test
suite in each of them and on the host). The runner, the CLI, the benchmark and CI read them here.
"""

import configparser
from pathlib import Path
from typing import Dict, Tuple

REPO = Path(__file__).resolve().parents[3]
TOX_INI = REPO / "tox.ini"


def labels(ini: Path = TOX_INI) -> Dict[str, Tuple[str, ...]]:
    """``{label: (env, ...)}`` from tox.ini's ``[tox] labels``; empty when the file has none."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(ini), encoding="utf-8")
    found = {}
    for line in parser.get("tox", "labels", fallback="").splitlines():
        name, sep, envs = line.partition("=")
        if sep:
            found[name.strip()] = tuple(e.strip() for e in envs.split(",") if e.strip())
    return found


def matrix(ini: Path = TOX_INI) -> Tuple[str, ...]:
    """The TF envs a full run covers (the ``matrix`` label), in order."""
    return labels(ini).get("matrix", ())


def test_envs(ini: Path = TOX_INI) -> Tuple[str, ...]:
    """The envs the test suite runs in (the ``test`` label), in order."""
    return labels(ini).get("test", ())
