"""The analysis and whole-run points: the report against loading its inputs, and ``tox -e run`` against its workers.

* ``analysis``: ``rnncompare report`` on the suite's artifacts (written by the env workers, each run
  alone) against a fresh process that imports the host libraries the report uses and ``json.load``s
  the same artifacts; and the report on those artifacts with every scenario twice and four times over
  (``replicate``), whose times give the exponent of report time against the scenario count.
* ``run``: warm ``tox -e run`` on the suite against the same env workers timed alone.

Host side, no TensorFlow (the benchmark driver runs on the host Python).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from benchmarks.targets import fit_logs

# What the report imports beyond the standard library (compare.host.diff: scipy.stats; everything: numpy; the
# plots are SVG text, no matplotlib), imported by the analysis floor.
HOST_LIBS = ("numpy", "scipy.stats")
REPORT_FILES = ("report.json",)  # the report's own JSON is not an artifact


def artifact_files(folder: Path) -> List[Path]:
    """The artifacts' JSON files in ``folder``, sorted (the report's own files left out)."""
    return sorted(p for p in Path(folder).glob("*.json") if p.name not in REPORT_FILES)


def imports_code() -> str:
    return "import " + ", ".join(HOST_LIBS)


def load_code(folder: Path) -> str:
    """Python source for the analysis floor: the host libraries imported, every artifact ``json.load``ed."""
    return (
        f"{imports_code()}\nimport json, pathlib\n"
        f"for p in sorted(pathlib.Path({str(folder)!r}).glob('*.json')):\n"
        "    json.loads(p.read_text(encoding='utf-8'))\n"
    )


def scenario_names(folder: Path) -> List[str]:
    """The scenarios of the first artifact in ``folder``, in its order (every env runs the same suite)."""
    files = artifact_files(folder)
    if not files:
        return []
    return list(json.loads(files[0].read_text(encoding="utf-8"))["scenarios"])


COPIES = (1, 2, 4)  # the suite, twice over, four times over: the scenario counts the report is timed on


def copy_name(name: str, copy: int) -> str:
    """Scenario ``name``'s ``copy``-th copy (0: the scenario itself)."""
    return name if copy == 0 else f"{name}-copy{copy}"


def replicate(source: Path, dest: Path, copies: int) -> Path:
    """The artifacts in ``source`` with every scenario ``copies`` times over, in ``dest``.

    Copy k of scenario S is named ``S-copyK`` (k >= 1) in the JSON and in the ``.npz`` (whose arrays
    are keyed ``scenario/route/...``), so the report does the suite's work ``copies`` times: report
    time against the scenario count then measures how it grows, not which scenarios come first.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for path in artifact_files(source):
        document = json.loads(path.read_text(encoding="utf-8"))
        document["scenarios"] = {
            copy_name(name, k): entry for k in range(copies) for name, entry in document["scenarios"].items()
        }
        (dest / path.name).write_text(json.dumps(document), encoding="utf-8")
        npz = path.with_suffix(".npz")
        if npz.exists():
            with zipfile.ZipFile(str(npz)) as inside, zipfile.ZipFile(str(dest / npz.name), "w") as out:
                for member in inside.namelist():
                    scenario, _, rest = member.partition("/")
                    data = inside.read(member)
                    for k in range(copies):
                        out.writestr(copy_name(scenario, k) + "/" + rest if rest else member, data)
    return dest


def fit_power(rows: Sequence[Tuple[float, float]]) -> Optional[float]:
    """Exponent b of t ~ a * n^b over ``(n, t)``, fitted as every benchmark exponent is; None below two distinct n."""
    fit = fit_logs(rows)
    return None if fit is None else fit[0]
