"""Artifacts from several folders (shards run on different machines) merged into one folder of artifacts.

    merge_folders([DIR1, DIR2, ...], INTO) -> {env: INTO/env.json}
    report_folders([DIR1, ...], OUT, baseline, gate) -> ReportOutcome    # rnncompare report

Each env's copies are merged scenario by scenario (their ``.npz`` arrays too, keyed by scenario), so
``rnncompare diff`` and ``report`` see one artifact per env, as after a single run. Refused with one line,
before anything is written: an env measured with two different TensorFlow (or Keras, Python, numpy)
versions, and a scenario whose copies have different ``spec_hash`` values (two different scenario files
under one name). Copies of one scenario in one env with the same spec_hash and versions are the same
measurement (draws are reproducible): the first folder's is kept.
"""

from __future__ import annotations

import tempfile
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from compare import artifact
from compare.errors import UserError

if TYPE_CHECKING:  # the findings load scipy: imported when a report is made, not with this module
    from compare.host.findings.gate import Gate, Verdict

VERSIONS = ("tensorflow", "keras", "frameworks", "python", "numpy")


def _source(art: artifact.Artifact) -> Path:
    """The file ``art`` was read from (every artifact of a folder has one)."""
    if art.path is None:
        raise ValueError(f"artifact {art.name} was made in memory: it has no file to merge")
    return art.path


def _check(found: Dict[str, List[artifact.Artifact]]) -> None:
    hashes: Dict[str, Tuple[str, Path]] = {}
    for env, copies in found.items():
        first = copies[0]
        for other in copies[1:]:
            for key in VERSIONS:
                if getattr(first.env, key) != getattr(other.env, key):
                    raise UserError(
                        f"env {env!r} was measured with two {key} versions: {getattr(first.env, key)} in {first.path} and {getattr(other.env, key)} in {other.path}",
                        "merge only folders made by the same env definitions (same rnncompare, same tox.ini)",
                    )
        for art in copies:
            for name, scenario in art.scenarios.items():
                seen = hashes.setdefault(name, (scenario.spec_hash, _source(art)))
                if seen[0] != scenario.spec_hash:
                    raise UserError(
                        f"scenario {name!r} has spec_hash {seen[0]} in {seen[1]} but {scenario.spec_hash} in {art.path}",
                        "the folders come from different scenario files; run every shard on the same file",
                    )


def merge_folders(folders: Sequence[Path], into: Path) -> OrderedDict[str, Path]:
    """Merge every artifact of ``folders`` into ``into`` (one per env); returns the written paths by env."""
    found: Dict[str, List[artifact.Artifact]] = OrderedDict()
    for folder in folders:
        for env, art in artifact.read_folder(Path(folder)).items():
            found.setdefault(env, []).append(art)
    _check(found)
    written: OrderedDict[str, Path] = OrderedDict()
    for env, copies in sorted(found.items()):
        document = artifact.load(_source(copies[0]))
        scenarios: OrderedDict[str, Any] = OrderedDict()
        arrays: Dict[str, np.ndarray] = {}
        complete = True
        for art in copies:
            path = _source(art)
            raw = artifact.load(path)
            complete = complete and raw.get("complete", True) is not False
            loaded = artifact.arrays(path, art) if artifact.npz_path(path).exists() else {}
            for name, entry in raw["scenarios"].items():
                if name in scenarios:
                    continue
                scenarios[name] = entry
                arrays.update((k, v) for k, v in loaded.items() if k.startswith(name + "/"))
        document["scenarios"] = scenarios
        if "complete" in document:
            document["complete"] = complete
        target = Path(into) / f"{env}.json"
        artifact.write(target, document, arrays)
        written[env] = target
    return written


@contextmanager
def merged(folders: Sequence[Path]) -> Iterator[Path]:
    """One folder of artifacts for ``folders``: the folder itself when there is one, else their merge in a
    temporary folder (removed afterwards)."""
    if len(folders) == 1:
        yield Path(folders[0])
        return
    with tempfile.TemporaryDirectory(prefix="rnncompare-merge-") as tmp:
        merge_folders(folders, Path(tmp))
        yield Path(tmp)


@dataclass(frozen=True)
class ReportOutcome:
    """``rnncompare report``: the files written (name -> path) and the CI gate's verdict (None: no gate)."""

    paths: Dict[str, Path]
    verdict: Optional[Verdict] = None

    @property
    def exit_code(self) -> int:
        """1 when the gate failed, else 0: without a gate a written report is a success, whatever it says."""
        return self.verdict.exit_code if self.verdict is not None else 0


def report_folders(
    folders: Sequence[Path], out: Optional[Path] = None, baseline: Optional[str] = None, gate: Optional[Gate] = None
) -> ReportOutcome:
    """``rnncompare report DIR [DIR ...]``: the report of one folder (``out`` defaults to it), or of several
    merged (``out`` required: no shard's folder is the natural home of the whole report); with ``gate``
    (``compare.host.findings.make_gate``), its verdict on the report.json just written."""
    from compare.host.findings.gate import apply_gate
    from compare.host.report import make_report

    if len(folders) > 1 and out is None:
        raise UserError(f"a report of {len(folders)} folders needs --out", "e.g. --out report")
    if out is not None:
        from compare.host.report.output import check_output

        check_output(Path(out))  # before any merging work
    with merged(folders) as folder:
        paths = make_report(folder, Path(out) if out else None, baseline)
    return ReportOutcome(paths, apply_gate(gate, paths["report.json"]) if gate is not None else None)
