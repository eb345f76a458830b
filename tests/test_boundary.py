"""The boundary the architecture draws: in-env code needs no host library, host code never loads TensorFlow.

A module's folder says its side: ``compare/host/`` (and ``compare/__main__.py``) runs only on the host;
everything else in ``compare/`` and ``backends/`` runs inside the framework envs. In-env modules must
import on every env's Python and numpy with the host libraries made unimportable, and without importing a
framework (``backends/`` loads it lazily); the worker loads in-env modules only; host modules import with
TensorFlow and Keras made unimportable. Each check
runs in a fresh interpreter, so nothing this test process imported can hide a dependency. This file runs
in every tox env (the TF envs and the host).
"""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HOST_LIBRARIES = ("scipy", "rich", "tox", "platformdirs")
TENSORFLOW = ("tensorflow", "tf_keras", "keras")
PROJECT = ("compare", "backends")

# Imports ``argv[2]`` (comma-separated modules) with the top-level packages ``argv[1]`` unimportable,
# then prints every project, TensorFlow or host-library module that got loaded.
PROBE = """
import importlib, sys

class Blocked:
    names = set(sys.argv[1].split(","))

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ImportError("blocked by the boundary test: " + name)
        return None

sys.meta_path.insert(0, Blocked())
for name in sys.argv[2].split(","):
    importlib.import_module(name)
watched = set(sys.argv[3].split(","))
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in watched)))
"""


def side_of(path):
    """``host`` for ``compare/host/**`` and ``compare/__main__.py``, else ``in-env``: the folder decides."""
    parts = path.relative_to(REPO).parts
    return "host" if parts[:2] == ("compare", "host") or parts == ("compare", "__main__.py") else "in-env"


def modules(side):
    """Every project module on ``side``, as an import name (``__main__`` modules are left out: importing one
    runs the program)."""
    found = []
    for path in sorted(list((REPO / "compare").rglob("*.py")) + list((REPO / "backends").rglob("*.py"))):
        if side_of(path) == side and path.stem != "__main__":
            parts = path.relative_to(REPO).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def loaded_after_import(names, blocked):
    """The watched modules a fresh interpreter has loaded after importing ``names`` with ``blocked`` blocked."""
    watched = PROJECT + HOST_LIBRARIES + TENSORFLOW
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # stdout/stderr pipes and universal_newlines: capture_output and text are Python 3.7+ (tf11 runs 3.6)
    done = subprocess.run([sys.executable, "-c", PROBE, ",".join(blocked), ",".join(names), ",".join(watched)],  # noqa: UP022
                          cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300)  # noqa: UP021
    assert done.returncode == 0, done.stderr[-2000:]
    return set(filter(None, done.stdout.strip().split(",")))


def test_the_sides_are_the_folders():
    """The worker, the statistics and the routes are in-env; the diff, the CLI and the env management are
    host: a path alone tells which Python and libraries a line may use."""
    in_env, host = set(modules("in-env")), set(modules("host"))
    assert {"backends.worker", "backends.routes.tf1", "compare.measure.stats", "compare.core.families",
            "compare.artifact.reading"} <= in_env
    assert {"compare.host.diff", "compare.host.cli", "compare.host.envs", "compare.host.runner"} <= host
    assert not in_env & host


def test_in_env_modules_import_without_host_libraries_or_tensorflow():
    loaded = loaded_after_import(modules("in-env"), HOST_LIBRARIES + TENSORFLOW)
    assert not {m.split(".")[0] for m in loaded} & set(HOST_LIBRARIES + TENSORFLOW)


def test_the_worker_loads_in_env_modules_only():
    loaded = loaded_after_import(["backends.worker"] + [m for m in modules("in-env") if m.startswith("backends.")],
                                 HOST_LIBRARIES + TENSORFLOW)
    project = {m for m in loaded if m.split(".")[0] in PROJECT}
    assert project and project <= set(modules("in-env"))


@pytest.mark.host
def test_host_modules_never_import_tensorflow():
    loaded = loaded_after_import(modules("host"), TENSORFLOW)
    assert not {m.split(".")[0] for m in loaded} & set(TENSORFLOW)
    assert "scipy" in {m.split(".")[0] for m in loaded}  # the host side really was imported (the diff's tests)
