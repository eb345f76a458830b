"""What the boundary tests share: each project module's side, from its folder, and what a fresh
interpreter loads when it imports modules with some top-level packages made unimportable.
"""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


HOST_LIBRARIES = ("scipy", "rich", "tox", "platformdirs")


TENSORFLOW = ("tensorflow", "tf_keras", "keras")


# Every framework a route may build with: in-env modules import without any of them (backends/ loads them lazily).
FRAMEWORKS = TENSORFLOW + ("torch", "jax", "flax")


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
    done = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(blocked), ",".join(names), ",".join(watched)],
        cwd=str(REPO),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(filter(None, done.stdout.strip().split(",")))
