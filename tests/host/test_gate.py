"""The CI gate (``--fail-on KINDS --allow FILE`` on ``rnncompare report`` and ``run``), as a specification.

The artifacts are the report tests' synthetic ones (``tests/helpers/report_artifacts.py``): against
``tf115:tf1`` they differ in function (``reset_after``, ``recurrent_activation``) and in distribution (a
kernel's spread); none is cosmetic. ``report`` is driven through the real CLI; ``run`` through its library
function and its CLI with the env workers replaced by a stand-in that writes those artifacts (no tox).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from compare import artifact
from compare.errors import UserError
from compare.host import job, runner
from compare.host.cli import main
from compare.host.diff import Reason, Row, Side
from compare.host.findings import KINDS, findings_for, make_gate
from compare.host.findings.gate import apply_gate
from compare.host.findings.reported import read_reported
from tests.helpers.report_artifacts import synthetic_artifacts, write_artifacts

FAIL_ON = ["--fail-on", "function,distribution"]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_artifacts(tmp_path_factory.mktemp("gate") / "artifacts")


@pytest.fixture(scope="module")
def written(artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the artifacts' report without a gate: the findings' ids to list in allow-lists."""
    out = tmp_path_factory.mktemp("report")
    assert report(artifacts, out) == 0
    return out


def report(artifacts: Path, out: Path, *options: str) -> int:
    return main(["report", str(artifacts), "--out", str(out), "--baseline", "tf115:tf1", *options])


def findings_in(out: Path) -> List[Dict[str, Any]]:
    return json.loads((out / "report.json").read_text())["findings"]


def ids_in(out: Path, *kinds: str) -> List[str]:
    return list(dict.fromkeys(f["id"] for f in findings_in(out) if not kinds or f["kind"] in kinds))


def gate_lines(text: str) -> List[str]:
    return [line for line in text.splitlines() if line.startswith("gate: ")]


# ---------------------------------------------------------------- the exit code


def test_without_a_gate_the_exit_code_ignores_the_findings(artifacts, tmp_path, capsys):
    assert report(artifacts, tmp_path) == 0
    assert ids_in(tmp_path, "function") and ids_in(tmp_path, "distribution")
    assert gate_lines(capsys.readouterr().out) == []


def test_a_finding_of_a_failing_kind_not_in_the_allow_list_exits_1_with_a_line_each(artifacts, tmp_path, capsys):
    assert report(artifacts, tmp_path, *FAIL_ON) == 1
    lines = gate_lines(capsys.readouterr().out)
    failing = ids_in(tmp_path, "function", "distribution")
    assert len(lines) == len(failing) + 1  # one line per failing id (ids repeat across scenarios), one summary
    for fid, line in zip(failing, lines):
        finding = next(f for f in findings_in(tmp_path) if f["id"] == fid)
        assert line.startswith(f"gate: FAIL {fid} {finding['kind']}: ") and f"fix: {finding['fix']}" in line
    assert lines[-1].startswith(f"gate: failed: {len(failing)} function or distribution finding(s) not accepted")
    assert "--write-allow FILE" in lines[-1]  # the way to accept them, for who has no allow-list yet


def test_a_finding_whose_id_is_in_the_allow_list_passes(artifacts, written, tmp_path, capsys):
    allow = tmp_path / "allow.txt"
    allow.write_text("\n".join(ids_in(written)) + "\n")
    assert report(artifacts, tmp_path, *FAIL_ON, "--allow", str(allow)) == 0
    (summary,) = gate_lines(capsys.readouterr().out)
    assert summary.startswith("gate: passed:") and f"{len(ids_in(written))} accepted by {allow}" in summary


def test_only_the_findings_not_allowed_fail(artifacts, written, tmp_path, capsys):
    new = ids_in(written, "distribution")[0]
    allow = tmp_path / "allow.txt"
    allow.write_text("".join(f"{fid}\n" for fid in ids_in(written) if fid != new))
    assert report(artifacts, tmp_path, *FAIL_ON, "--allow", str(allow)) == 1
    fail, summary = gate_lines(capsys.readouterr().out)
    assert fail.startswith(f"gate: FAIL {new} distribution: ") and summary.startswith("gate: failed: 1 ")


def test_kinds_not_named_never_fail(artifacts, written, tmp_path):
    assert report(artifacts, tmp_path, "--fail-on", "cosmetic") == 0  # the findings are function, distribution
    allow = tmp_path / "allow.txt"
    allow.write_text("".join(f"{fid}\n" for fid in ids_in(written, "distribution")))
    assert report(artifacts, tmp_path, "--fail-on", "distribution", "--allow", str(allow)) == 0


def finding(fid: str, kind: str) -> Dict[str, Any]:
    return {"id": fid, "kind": kind, "what": "w", "where": "x", "fix": "f", "scenarios": ["s"]}


def report_json(folder: Path, findings: List[Dict[str, Any]]) -> Path:
    """A report.json as ``rnncompare report`` writes it, reduced to what the gate reads."""
    path = folder / "report.json"
    path.write_text(json.dumps({"schema": "rnncompare/report", "version": 1, "compared": True, "findings": findings}))
    return path


def test_a_run_with_cosmetic_findings_only_passes_function_and_distribution(tmp_path):
    path = report_json(tmp_path, [finding("module-path-0badcafe", "cosmetic"), finding("names-1badcafe", "cosmetic")])
    verdict = apply_gate(make_gate("function,distribution"), path)
    assert verdict.exit_code == 0 and verdict.failing == () and len(verdict.ungated) == 2
    assert json.loads(json.dumps(verdict.to_dict()))["passed"] is True
    assert apply_gate(make_gate("cosmetic"), path).exit_code == 1


def test_a_report_that_compared_nothing_fails_a_gate(tmp_path, capsys):
    """Artifacts the diff refuses (one scenario, two layer definitions) give no findings: no pass either."""
    documents = synthetic_artifacts()
    documents["tf215"]["scenarios"]["bigru"]["spec_hash"] = "another-definition"
    for index, document in enumerate(documents.values()):
        artifact.write(tmp_path / "refused" / f"env{index}.json", document, {})
    assert main(["report", str(tmp_path / "refused"), *FAIL_ON]) == 1
    assert findings_in(tmp_path / "refused") == []
    assert "the diff compared nothing" in gate_lines(capsys.readouterr().out)[-1]
    assert main(["report", str(tmp_path / "refused")]) == 0  # without a gate: as before


# ---------------------------------------------------------------- the allow-list


def test_the_allow_list_is_one_id_a_line_with_comments_and_blank_lines(artifacts, written, tmp_path):
    allow = tmp_path / "allow.txt"
    ids = ids_in(written)
    allow.write_text("# accepted on review\n\n" + "".join(f"  {fid}   # known since 1.15\n" for fid in ids))
    assert make_gate("function", allow).allowed == frozenset(ids)
    assert report(artifacts, tmp_path, *FAIL_ON, "--allow", str(allow)) == 0


def test_ids_that_match_no_finding_any_more_are_reported_as_stale_not_an_error(artifacts, written, tmp_path, capsys):
    allow = tmp_path / "allow.txt"
    allow.write_text("".join(f"{fid}\n" for fid in ids_in(written)) + "constant-0000dead\nscale-0000beef\n")
    assert report(artifacts, tmp_path, *FAIL_ON, "--allow", str(allow)) == 0
    stale, summary = gate_lines(capsys.readouterr().out)
    assert stale == (
        f"gate: 2 stale allow-list id(s), matching no finding of this run (remove them from {allow}): "
        "constant-0000dead, scale-0000beef"
    )
    assert summary.startswith("gate: passed:")


def side(label: str) -> Side:
    env, route = label.split(":")
    return Side(env, route)


def gate_bias_rows(scenario: str, places: List[str]) -> List[Row]:
    """TF1 GRUCell's update and reset gate biases 1, Keras's 0, at ``places`` (``l0/fw``, ...)."""
    reason = Reason("constant_mismatch", "The gate sees a different bias", {"a": 1.0, "b": 0.0})
    return [
        Row(scenario, f"{place}/{gate}/bias", side("tf115:tf1"), side("tf215:keras"), "differs", [reason])
        for place in places
        for gate in ("update", "reset")
    ]


def test_the_run_wide_id_accepts_the_cause_in_every_scenario(tmp_path):
    """The same gate biases in both directions of one scenario and the forward one only of another: two
    scenario ids (another where), one run-wide id. Listing the run-wide id accepts both; a scenario id
    accepts its own scenario's finding only."""
    rows = gate_bias_rows("bi", ["l0/fw", "l0/bw"]) + gate_bias_rows("uni", ["l0/fw", "l1/fw"])
    rows += [Row("uni", "l0/bw/update/bias", side("tf115:tf1"), side("tf215:keras"))]  # uni has a bw it agrees on
    found = findings_for(rows)
    bi, uni = found.of("bi")[0], found.of("uni")[0]
    (summary,) = found.summary
    assert bi.id != uni.id and summary.id not in (bi.id, uni.id)
    assert bi.summary_id == uni.summary_id == summary.id
    path = report_json(tmp_path, [f.to_dict() for f in found.findings])
    allow = tmp_path / "allow.txt"
    allow.write_text(summary.id + "\n")
    assert apply_gate(make_gate("distribution", allow), path).exit_code == 0
    allow.write_text(bi.id + "\n")
    verdict = apply_gate(make_gate("distribution", allow), path)
    assert verdict.exit_code == 1 and [f.id for f in verdict.failing] == [uni.id] and verdict.stale == ()


def test_write_allow_accepts_the_current_findings_once(artifacts, tmp_path, capsys):
    """``--write-allow FILE`` writes every finding's id (each once, kind first, a comment saying what it
    is) after the gate judged: with ``--allow FILE`` too, this run fails on what is new and the next passes."""
    allow = tmp_path / "allow.txt"
    allow.write_text("")
    assert report(artifacts, tmp_path, *FAIL_ON, "--allow", str(allow), "--write-allow", str(allow)) == 1
    assert f"gate: wrote {len(ids_in(tmp_path))} finding id(s) to the allow-list {allow}" in capsys.readouterr().out
    listed = [line.split("#")[0].strip() for line in allow.read_text().splitlines()]
    listed = [fid for fid in listed if fid]
    assert sorted(listed) == sorted(ids_in(tmp_path))
    kinds = [next(f["kind"] for f in findings_in(tmp_path) if f["id"] == fid) for fid in listed]
    assert kinds == sorted(kinds, key=KINDS.index)
    assert all("#" in line for line in allow.read_text().splitlines())  # each id says what it accepts
    assert report(artifacts, tmp_path, *FAIL_ON, "--allow", str(allow)) == 0


# ---------------------------------------------------------------- bad input: one line, exit 2, before any work


@pytest.mark.parametrize("kinds", ["function,bogus", "Function", ","])
def test_a_bad_kind_is_one_line_and_exit_2(artifacts, tmp_path, capsys, kinds):
    assert report(artifacts, tmp_path, "--fail-on", kinds) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: --fail-on: ") and "function, distribution, cosmetic" in line
    assert not (tmp_path / "report.json").exists()


def test_a_missing_allow_file_is_one_line_and_exit_2_with_a_hint(artifacts, tmp_path, capsys):
    assert report(artifacts, tmp_path, *FAIL_ON, "--allow", str(tmp_path / "nope.txt")) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (
        f"error: allow-list {tmp_path / 'nope.txt'} does not exist (hint: write the current findings' ids with "
        "rnncompare report DIR --write-allow FILE, or start from an empty file)"
    )
    assert not (tmp_path / "report.json").exists()


@pytest.mark.parametrize("content", [b"\xff\xfe not text", None])
def test_an_unreadable_allow_file_is_one_line_and_exit_2(artifacts, tmp_path, capsys, content):
    allow = tmp_path / "allow.txt"
    if content is None:
        allow.mkdir()
    else:
        allow.write_bytes(content)
    assert report(artifacts, tmp_path, *FAIL_ON, "--allow", str(allow)) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and str(allow) in line and "(hint: " in line


def test_an_allow_list_line_of_two_words_is_refused_rather_than_never_matching(tmp_path):
    allow = tmp_path / "allow.txt"
    allow.write_text("scale-107ac495 known since 1.15\n")
    with pytest.raises(UserError, match="line 1 of the allow-list .* holds 4 words"):
        make_gate("distribution", allow)


def test_an_allow_list_without_fail_on_is_refused(artifacts, tmp_path, capsys):
    allow = tmp_path / "allow.txt"
    allow.write_text("")
    assert report(artifacts, tmp_path, "--allow", str(allow)) == 2
    assert "--allow FILE needs --fail-on KINDS" in capsys.readouterr().err


def test_a_report_json_without_findings_is_refused(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"schema": "rnncompare/report", "version": 1}))
    with pytest.raises(UserError, match="has no findings array"):
        read_reported(path)


# ---------------------------------------------------------------- rnncompare run (no tox: a stand-in worker)


@pytest.fixture
def no_tox(monkeypatch):
    """``run_matrix`` replaced: each env "runs" by writing its synthetic artifact; what it was asked is kept."""
    calls: List[Dict[str, Any]] = []

    def run_matrix(envs, out_dir, *_args, **_kwargs):
        calls.append({"envs": list(envs)})
        write_artifacts(Path(out_dir))
        log = Path(out_dir) / "logs" / "env.log"
        return [runner.EnvResult(env, "ok", Path(out_dir) / f"env{i}.json", log, 0.1) for i, env in enumerate(envs)]

    monkeypatch.setattr(runner, "run_matrix", run_matrix)
    return calls


@pytest.mark.usefixtures("no_tox")
def test_run_and_report_judges_the_report_it_wrote(tmp_path):
    outcome = job.run_and_report(["tf115", "tf215"], tmp_path, baseline="tf115:tf1", gate=make_gate("function"))
    assert outcome.ok and outcome.verdict is not None and outcome.exit_code == 1
    assert {f.kind for f in outcome.verdict.failing} == {"function"}
    allow = tmp_path / "allow.txt"
    allow.write_text("".join(f"{fid}\n" for fid in ids_in(tmp_path, "function")))
    gate = make_gate("function", allow)
    passed = job.run_and_report(["tf115", "tf215"], tmp_path, baseline="tf115:tf1", gate=gate)
    assert passed.exit_code == 0 and passed.verdict is not None and passed.verdict.passed


@pytest.mark.usefixtures("no_tox")
def test_run_and_report_without_a_gate_keeps_its_exit_code(tmp_path):
    outcome = job.run_and_report(["tf115"], tmp_path, baseline="tf115:tf1")
    assert outcome.verdict is None and outcome.exit_code == 0


def test_a_gate_with_no_report_to_judge_fails(monkeypatch, tmp_path):
    log = tmp_path / "logs" / "tf115.log"
    monkeypatch.setattr(
        runner, "run_matrix", lambda *_args, **_kwargs: [runner.EnvResult("tf115", "ok", None, log, 0.1)]
    )
    outcome = job.run_and_report(["tf115"], tmp_path, gate=make_gate("function"))
    assert outcome.report is None and outcome.verdict is None and outcome.exit_code == 1


@pytest.mark.usefixtures("no_tox")
def test_the_run_verb_prints_the_verdict_and_exits_by_it(tmp_path, capsys):
    out = tmp_path / "out"
    common = ["run", "--envs", "tf115,tf215", "--out", str(out), "--baseline", "tf115:tf1", "-p", "1"]
    assert main(common + FAIL_ON) == 1
    assert gate_lines(capsys.readouterr().out)[-1].startswith("gate: failed: ")
    assert main(common) == 0
    allow = tmp_path / "allow.txt"
    allow.write_text("".join(f"{fid}\n" for fid in ids_in(out)))
    assert main(common + FAIL_ON + ["--allow", str(allow)]) == 0


def test_a_gate_on_a_shard_is_refused_before_any_env_starts(no_tox, tmp_path, capsys):
    assert main(["run", "--envs", "tf115", "--out", str(tmp_path), "--shard", "1/2", *FAIL_ON]) == 2
    assert "a shard makes none" in capsys.readouterr().err and no_tox == []
    with pytest.raises(UserError, match="a shard makes none"):
        job.run_and_report(["tf115"], tmp_path, shard=runner.Shard(1, 2), gate=make_gate("function"))
    assert no_tox == []


def test_a_missing_allow_file_stops_run_before_any_env_starts(no_tox, tmp_path, capsys):
    assert main(["run", "--envs", "tf115", "--out", str(tmp_path), *FAIL_ON, "--allow", str(tmp_path / "no")]) == 2
    assert "does not exist" in capsys.readouterr().err and no_tox == []


# ---------------------------------------------------------------- rnncompare diff --json


def test_diff_json_holds_the_findings(artifacts, written, tmp_path, capsys):
    target = tmp_path / "diff.json"
    assert main(["diff", str(artifacts), "--baseline", "tf115:tf1", "--json", str(target)]) == 1
    capsys.readouterr()
    document = json.loads(target.read_text())
    assert [f["id"] for f in document["findings"]] == [f["id"] for f in findings_in(written)]
    assert {f["id"] for f in document["findings_summary"]} == {f["summary_id"] for f in document["findings"]}
    assert document["rows"]  # the rows stay: they are the findings' evidence
