"""Where the TF envs are defined and created: a source checkout's tox.ini, or the envs rnncompare manages.

* **Checkout** (``tox.ini`` beside the ``compare`` package, no ``--env-dir`` / ``RNNCOMPARE_HOME``): the
  checkout's own tox.ini and ``.tox``, exactly as ``tox -m matrix`` uses them.
* **Managed** (an installed rnncompare, or ``--env-dir`` / ``RNNCOMPARE_HOME`` given): the env definitions
  shipped in this package (``compare/host/envs/tox.ini`` + ``toxfile.py``) and the installed package's in-env
  code (``compare``, ``backends``) are copied into ``HOME/code/<version>-<digest>/``; tox runs that copy's
  tox.ini (its ``PYTHONPATH = {tox_root}``) with ``--workdir HOME/envs``. The digest covers the copied
  files, so the code that runs in the envs is always the installed version's, and the envs themselves
  (TensorFlow, minutes to build) are shared by every version. HOME defaults to the user cache folder
  (``~/.cache/rnncompare`` on Linux).

``describe`` is ``rnncompare envs``: each env's Python (and where it is found), TensorFlow/Keras, whether
it exists, and the remedy when its Python is missing.
"""

from __future__ import annotations

import configparser
import functools
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from compare import __version__
from compare.errors import UserError
from compare.host.envs import matrix as toxini

HOME_VARIABLE = "RNNCOMPARE_HOME"
SHIPPED = Path(__file__).resolve().parent  # compare/host/envs: tox.ini + toxfile.py
PACKAGES = ("compare", "backends")  # what the worker imports (the copy holds all of them)
# The interpreters TensorFlow 1.x needs and how to get them (docs/environments.md).
REMEDY = "install it and put it on PATH: `pyenv install {v}`, `uv python install {v}`, or your distribution's python{v}"


@dataclass(frozen=True)
class EnvSetup:
    """How tox is run for the TF envs: which tox.ini, which work folder (None: the tox.ini's own .tox)."""

    config: Path
    workdir: Optional[Path]
    managed: bool

    def tox_args(self) -> List[str]:
        """``-c CONFIG [--workdir DIR]`` for ``python -m tox run``."""
        args = ["-c", str(self.config)]
        return args + (["--workdir", str(self.workdir)] if self.workdir is not None else [])

    def env_dir(self, env: str) -> Path:
        return (self.workdir or self.config.parent / ".tox") / env


@dataclass(frozen=True)
class EnvInfo:
    """One line of ``rnncompare envs``."""

    name: str
    python: str  # the interpreter tox asks for, e.g. "python3.7"
    found: str  # where it is found ('' when nowhere)
    tensorflow: str  # the framework requirement(s), e.g. "tensorflow==1.15.5, protobuf==3.20.3", "torch==2.15.0"
    description: str  # TensorFlow and Keras in words (the tox.ini's description)
    exists: bool  # the env has been created
    path: Path
    remedy: str = ""  # what to do when the Python is missing
    installed: str = ""  # what a created env holds, e.g. "tensorflow 1.15.5, numpy 1.18.5"


def home(env_dir: Optional[str] = None) -> Path:
    """``env_dir``, else ``$RNNCOMPARE_HOME``, else the user cache folder."""
    chosen = env_dir or os.environ.get(HOME_VARIABLE)
    if chosen:
        return Path(chosen).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir("rnncompare", appauthor=False))


def _code_files() -> List[Tuple[Path, Path]]:
    """(source, path in the copy) of every file the envs need: the in-env packages and the shipped tox files."""
    root = SHIPPED.parents[2]
    files = [(SHIPPED / "tox.ini", Path("tox.ini")), (SHIPPED / "toxfile.py", Path("toxfile.py"))]
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".toml", ".ini") and "__pycache__" not in path.parts:
                files.append((path, path.relative_to(root)))
    return files


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the code that runs in the envs (the in-env packages, host code left out): an artifact
    measured by other code is not reused (``compare.host.resume``)."""
    return _digest(f for f in _code_files() if f[1].parts[:2] != ("compare", "host"))[:16]


def _digest(files: Iterable[Tuple[Path, Path]]) -> str:
    """SHA-256 over each file's path in the copy and its bytes."""
    digest = hashlib.sha256()
    for source, target in files:
        digest.update(str(target).encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def prepare(home_dir: Path) -> Path:
    """The copy of this package's env definitions and in-env code under ``home_dir/code`` (made once per
    version and content, atomically: a folder that exists is whole)."""
    files = _code_files()
    code = home_dir / "code" / f"{__version__}-{_digest(files)[:12]}"
    if (code / "tox.ini").exists():
        return code
    try:
        code.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=str(code.parent)))
    except OSError as exc:
        raise UserError(
            f"cannot write the env folder {home_dir}: {exc.strerror or exc}",
            f"choose another with --env-dir or {HOME_VARIABLE}",
        ) from None
    for source, target in files:
        (staging / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(str(source), str(staging / target))
    try:
        staging.rename(code)
    except OSError:  # another rnncompare made the same copy meanwhile: theirs is as good
        shutil.rmtree(str(staging), ignore_errors=True)
    return code


def setup(env_dir: Optional[str] = None) -> EnvSetup:
    """The checkout's tox.ini when running from a clone (and no env folder was asked for), else managed envs."""
    if env_dir is None and not os.environ.get(HOME_VARIABLE) and toxini.TOX_INI.exists():
        return EnvSetup(toxini.TOX_INI, None, managed=False)
    where = home(env_dir)
    return EnvSetup(prepare(where) / "tox.ini", where / "envs", managed=True)


def _factored(value: str, env: str) -> List[str]:
    """The lines of a tox setting that apply to ``env``: plain lines, and ``condition: text`` lines whose
    condition holds (tox's syntax: factors joined by '-' must all hold, '!' negates one, ',' separates
    alternatives; the env's factors are its name split on '-')."""
    factors = set(env.split("-"))
    lines = []
    for line in value.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, rest = line.partition(":")
        if sep and " " not in head and "=" not in head and "<" not in head:
            if any(_holds(alternative, factors) for alternative in head.split(",")):
                lines.append(rest.strip())
        else:
            lines.append(line)
    return lines


def _holds(condition: str, factors: Set[str]) -> bool:
    """Whether e.g. ``tf221-!legacy`` holds for an env of ``factors``."""
    return all(
        (part[1:] not in factors) if part.startswith("!") else (part in factors) for part in condition.split("-")
    )


# The distributions whose installed versions say what an env measures (read from their .dist-info folders,
# so no interpreter is started: importing TensorFlow takes seconds).
SHOWN = ("tensorflow", "tensorflow_cpu", "tf_keras", "keras", "jax", "flax", "torch", "numpy")


def installed_versions(env_path: Path) -> str:
    """``"tensorflow 1.15.5, numpy 1.18.5"``: the versions of ``SHOWN`` installed in a created env."""
    found = {}
    for info in sorted(env_path.glob("lib/python*/site-packages/*.dist-info")) + sorted(
        env_path.glob("Lib/site-packages/*.dist-info")
    ):
        name, _, version = info.name[: -len(".dist-info")].partition("-")
        if name.lower() in SHOWN:
            found[name.lower()] = version
    return ", ".join("{} {}".format(name.replace("_", "-"), found[name]) for name in SHOWN if name in found)


def _which(program: str, extra: Sequence[str]) -> str:
    """Where ``program`` is: PATH without pyenv's shims first (a shim of a version that is installed but
    not selected fails when run), then pyenv's version folders, then the shims."""
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    plain = [p for p in path if "shims" not in Path(p).parts]
    order = plain + list(extra) + [p for p in path if p not in plain]
    return shutil.which(program, path=os.pathsep.join(order)) or ""


def describe(env_dir: Optional[str] = None) -> List[EnvInfo]:
    """Every TF env of the matrix: its Python and where it is found, TensorFlow/Keras, exists?, remedy."""
    from compare.host.envs.toxfile import pyenv_bin_dirs

    chosen = setup(env_dir)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(chosen.config), encoding="utf-8")
    section: Dict[str, str] = dict(parser["testenv"]) if parser.has_section("testenv") else {}
    extra = pyenv_bin_dirs()
    infos = []
    for env in toxini.matrix(chosen.config):
        python = (_factored(section.get("base_python", ""), env) or ["python3"])[0]
        found = _which(python, extra)
        version = python.replace("python", "")
        deps = [d for d in _factored(section.get("deps", ""), env) if ";" not in d]
        place = chosen.env_dir(env)
        infos.append(
            EnvInfo(
                env,
                python,
                found,
                ", ".join(deps),
                "; ".join(_factored(section.get("description", ""), env)),
                (place / "bin").is_dir() or (place / "Scripts").is_dir(),
                place,
                "" if found else REMEDY.format(v=version),
                installed_versions(place),
            )
        )
    return infos
