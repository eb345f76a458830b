"""The report leads with the answer (compare.host.report): one line per scenario, the run's findings with
their fixes, then per scenario its findings, recipe and ports; report.md holds nothing else, the evidence
(every row, statistic, config and plot) is in report.html and report.json.

The model comes from the synthetic artifacts of ``tests.helpers.report_artifacts`` and the real diff.
"""

from __future__ import annotations

import re
from typing import List

import pytest

from compare.host import diff
from compare.host.report import answer, build, htmlevidence, render_html, render_markdown, text
from compare.host.report.pipeline import diff_rows, recipe_verdict
from compare.host.report.records import DiffRow, Reason
from tests.helpers.builders import typed
from tests.helpers.report_artifacts import synthetic_artifacts

BASELINE = ("tf115", "tf1")


@pytest.fixture(scope="module")
def model():
    artifacts = typed(synthetic_artifacts())
    rows, notes = diff_rows(artifacts, BASELINE)
    recipes = {"bigru": {"snippet": "init_like_tf1(layer)", "verdict": "same in tf115 (all 18 rows)"}}
    return build(artifacts, rows, recipes, BASELINE, notes)


@pytest.fixture(scope="module")
def artifacts_model_without_rows():
    return build(typed(synthetic_artifacts()), [])


@pytest.fixture(scope="module")
def md(model) -> str:
    return render_markdown(model)


@pytest.fixture(scope="module")
def page(model) -> str:
    return render_html(model)


def test_answer_line_per_scenario(model):
    bigru, lstm = model.scenarios
    assert bigru.answer.state == "differs" and bigru.answer.findings == len(model.findings_of("bigru")) > 1
    assert set(bigru.answer.kinds) == {"function", "distribution"}
    assert len(bigru.answer.errors) == 1  # the evil env's TF1 route failed to build: no finding speaks for it
    line = answer.answer_text(bigru.answer)
    assert line.startswith(f"differs in {bigru.answer.findings} findings (") and "failed to build" in line
    assert answer.answer_text(answer.Answer("same")) == "same: no finding"


def test_no_answer_where_nothing_was_compared(artifacts_model_without_rows):
    """Without diff rows every scenario is "not compared", never "same"."""
    assert {sc.answer.state for sc in artifacts_model_without_rows.scenarios} == {"not compared"}


def test_markdown_is_the_answer_the_findings_and_the_fixes(model, md):
    order = [md.index(h) for h in ("## Answer", "## Findings across the run", "## Scenario bigru", "## The run")]
    assert order == sorted(order)
    top = md[: md.index("## Scenario")]
    for f in model.summary:  # each run-wide finding once on top, with its id and its fix
        assert top.count(f"`{f.id}`") == 1
    assert "**Fix:** `reset_after=False`" in top
    # no evidence: no per-block rows, statistics, config or bias tables
    assert "| block |" not in md and "confidence" not in md and "l0/fw/update/kernel" not in md


def test_findings_are_ranked_by_kind(model):
    kinds = [f.kind for f in model.summary]
    assert kinds == sorted(kinds, key=["function", "distribution", "cosmetic"].index)


def test_html_leads_with_the_answer_then_evidence_folded(model, page):
    body = page[page.index("<body>") :]
    order = [body.index(x) for x in ('id="answer"', 'id="findings"', 'id="summary-grid"', 'class="scenario"')]
    assert order == sorted(order)
    for f in model.summary:
        assert f'id="finding-{f.id}"' in page
    evidence = page[page.index('<div class="evidence">') :]
    assert evidence.count("<details") >= 5 and "<details open" not in evidence  # collapsed until asked for


def test_filter_is_css_only_and_covers_every_kind(page):
    assert "<script" not in page
    for kind in ("function", "distribution", "cosmetic"):
        assert f'id="kind-{kind}"' in page
        assert f"body:has(#kind-{kind}:checked) .finding:not(.{kind}){{display:none}}" in page
    assert re.search(r'<input type="radio" name="kind" id="kind-all" value="all" checked>', page)


def test_matrix_groups_routes_under_their_env(model, page):
    grid = page[page.index('id="summary-grid"') : page.index("</table>", page.index('id="summary-grid"'))]
    assert grid.count('class="env"') == len({env for env, _ in model.series})
    assert "table-layout" not in grid  # the layout is the stylesheet's: fixed, 100 % wide
    assert "table.grid{table-layout:fixed;width:100%}" in page


def test_every_row_is_reachable_in_the_html_evidence(model):
    """Each kept row is a cell of the per-gate table (its block, against the baseline) or in the other rows."""
    for sc in model.scenarios:
        keys = {g.key for g in sc.blocks}
        other = htmlevidence.other_rows(sc)
        for row in sc.rows:
            in_table = row.block in keys and sc.baseline in (row.a, row.b)
            assert in_table or row in other, row


def _row(block: str, code: str, figures: dict, verdict: str = "same") -> DiffRow:
    return DiffRow(block, ("tf115", "tf1"), ("tf215", "keras"), verdict, [Reason(code, "", figures)])


def _fingerprint(name: str, confidence: float) -> dict:
    return {"name": name, "params": {}, "confidence": confidence}


def test_notes_on_same_rows_only_when_they_carry_information():
    blocks = [f"l0/fw/{g}/{p}" for g in ("update", "reset", "candidate") for p in ("kernel", "recurrent", "bias")]
    unsure = _row(
        "l0/fw/update/kernel",
        "fingerprint_mismatch",
        {"a": _fingerprint("orthogonal", 0.99), "b": _fingerprint("unknown", 0.15)},
    )
    same_family = _row(
        "l0/fw/reset/kernel",
        "fingerprint_mismatch",
        {"a": _fingerprint("orthogonal", 0.99), "b": _fingerprint("glorot_normal", 0.98)},
    )
    assert answer.notes_of([unsure, same_family], blocks) == []  # noise: a guess, or a tie on the values
    other_family = [
        _row(
            f"l0/fw/{g}/kernel",
            "fingerprint_mismatch",
            {"a": _fingerprint("glorot_uniform", 0.97), "b": _fingerprint("random_normal", 0.95)},
        )
        for g in ("update", "reset", "candidate")
    ]
    (note,) = answer.notes_of(other_family + [unsure], blocks)
    assert note.rows == 3 and note.where == "every layer and direction: every gate's kernels"
    assert "glorot_uniform" in note.text and "random_normal" in note.text
    differs = _row("l0/fw/update/kernel", "fingerprint_mismatch", other_family[0].reasons[0].figures, "differs")
    assert answer.notes_of([differs], blocks) == []  # a differing row's story is its finding's


def test_a_stored_bias_the_gate_does_not_see_is_one_note():
    blocks = ["l0/fw/forget/bias", "l0/bw/forget/bias", "l0/fw/input/bias", "l0/bw/input/bias"]
    figures = {"stored_a": 0.0, "stored_b": 1.0, "effective": 1.0}
    rows = [_row(b, "effective_bias_same", figures) for b in blocks[:2]]
    config = _row("config", "effective_bias_same", {"key": "forget_bias", "a": 1.0, "b": 0.0})
    (note,) = answer.notes_of(rows + [config], blocks)
    assert note.rows == 2 and "forget gate biases" in note.where and "port" in note.text


def test_fixes_show_their_code_as_code():
    assert text.code_parts("reset_after=False") == [("reset_after=False", True)]
    parts = text.code_parts("bias_initializer=Constant([1.0] * 32) (update 1.0), with reset_after=False")
    assert parts == [("bias_initializer=Constant([1.0] * 32)", True), (" (update 1.0), with reset_after=False", False)]
    assert text.code_parts("nothing to set in Keras: both build the TF1 cell") == [
        ("nothing to set in Keras: both build the TF1 cell", False)
    ]


def _recipe_rows(verdicts: List[tuple]) -> List[diff.Row]:
    return [
        diff.Row("s", block, diff.Side("tf115", "tf1"), diff.Side(env, "recipe"), verdict, [])
        for env, block, verdict in verdicts
    ]


def test_recipe_verdict_in_one_phrase():
    rows = _recipe_rows(
        [("tf215", "l0/fw/update/kernel", "same"), ("tf221", "l0/fw/update/kernel", "same")]
        + [("tf11", diff.ROUTE_BLOCK, "missing"), ("tf99", "l0/fw/update/kernel", "differs")]
    )
    assert recipe_verdict(rows, "s", BASELINE) == (
        "same in tf215, tf221 (1 row); tf99: 1 of 1 rows differ or are missing; not run in tf11"
    )
    assert recipe_verdict([], "s", BASELINE).startswith("not measured")
