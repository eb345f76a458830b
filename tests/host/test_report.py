"""The migration report (compare.host.report, ``rnncompare report``): model, escaping, files, plots.

The artifacts here are made from numpy draws with the real ``compare.measure.stats.block_stats``, in the
artifact contract's shape (blocks, effective biases, configs), including hostile text where artifacts
may carry any: env names, reasons, config values.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import unquote

import numpy as np
import pytest

from compare import artifact
from compare.host import diff  # noqa: E402
from compare.host.cli import main  # noqa: E402
from compare.host.report import build, markdown_escape, plots, render_html, render_markdown, write  # noqa: E402
from tests.helpers.builders import typed  # noqa: E402
from tests.helpers.report_artifacts import (
    EVIL_CONFIG,
    EVIL_ENV,
    EVIL_REASON,
    INPUT,
    SEEDS,
    UNITS,
    artifact_document,
    synthetic_artifacts,
    write_artifacts,
)


def _row(block: str, env: str, route: str, verdict: str, reasons: List[diff.Reason]) -> diff.Row:
    return diff.Row("bigru", block, diff.Side("tf115", "tf1"), diff.Side(env, route), verdict, reasons)


def rows_for(artifacts: Dict[str, Dict[str, Any]]) -> List[diff.Row]:
    """Hand-made diff rows against tf115/tf1: tf215/keras differs on one block, with a hostile reason."""
    rows = []
    for env, doc in artifacts.items():
        for route_name, entry in doc["scenarios"]["bigru"]["routes"].items():
            if (env, route_name) == ("tf115", "tf1") or entry["status"] != "ok":
                continue
            for key in entry["blocks"]:
                differs = (env, route_name) == ("tf215", "keras") and key == "l0/fw/update/kernel"
                reasons = [diff.Reason("scale_mismatch", EVIL_REASON, {"r": 1.5})] if differs else []
                rows.append(_row(key, env, route_name, "differs" if differs else "same", reasons))
    rows.append(
        _row(
            "config",
            "tf215",
            "keras",
            "differs",
            [diff.Reason("config_mismatch", "reset_after differs", {"key": "reset_after", "a": False, "b": True})],
        )
    )
    return rows


@pytest.fixture(scope="module")
def artifacts() -> Dict[str, Dict[str, Any]]:
    return synthetic_artifacts()


@pytest.fixture(scope="module")
def model(artifacts):
    recipes = {"bigru": {"snippet": "GRU(4, reset_after=False)  # <b>``` fence", "verdict": "verified <same>"}}
    return build(typed(artifacts), rows_for(artifacts), recipes)


@pytest.fixture(scope="module")
def page(model) -> str:
    return render_html(model)


@pytest.fixture(scope="module")
def md(model) -> str:
    return render_markdown(model)


def _grid(model, scenario: str) -> Dict[tuple, str]:
    sc = next(s for s in model.scenarios if s.name == scenario)
    return {(c.env, c.route): c.state for c in sc.grid}


# ---------------------------------------------------------------- model


def test_grid_states(model):
    assert _grid(model, "bigru") == {
        ("tf115", "tf1"): "baseline",
        ("tf115", "keras"): "same",
        ("tf215", "tf1"): "same",
        ("tf215", "keras"): "differs",
        (EVIL_ENV, "tf1"): "error",
        (EVIL_ENV, "keras"): "same",
    }
    lstm = _grid(model, "lstm")
    assert lstm[("tf215", "tf1")] == "unavailable"
    assert lstm[(EVIL_ENV, "tf1")] == lstm[(EVIL_ENV, "keras")] == "missing"
    assert lstm[("tf115", "keras")] == "not compared"  # no rows given for this scenario


def test_grid_cell_counts_and_config_flag(model):
    sc = next(s for s in model.scenarios if s.name == "bigru")
    cell = next(c for c in sc.grid if (c.env, c.route) == ("tf215", "keras"))
    assert cell.counts == {"differs": 1, "same": 17}
    assert cell.config_differs
    assert sc.config_mismatches[0].key == "reset_after"


def test_block_verdicts_and_reasons(model):
    sc = next(s for s in model.scenarios if s.name == "bigru")
    group = next(g for g in sc.blocks if g.key == "l0/fw/update/kernel")
    cells = {(c.env, c.route): c for c in group.cells}
    assert cells[("tf215", "keras")].verdict == "differs"
    assert cells[("tf215", "keras")].reasons[0].code == "scale_mismatch"
    assert cells[("tf115", "tf1")].verdict == ""  # the baseline itself
    assert len(cells[("tf115", "tf1")].sample) == SEEDS * INPUT * UNITS


def test_effective_bias_of_lstm_forget_gate(model):
    sc = next(s for s in model.scenarios if s.name == "lstm")
    forget = {(b.env, b.route): b for b in sc.biases if b.key == "l0/fw/forget/bias"}
    assert forget[("tf115", "tf1")].stored["constant"] == 0.0
    assert forget[("tf115", "tf1")].effective["constant"] == 1.0
    assert forget[("tf115", "keras")].stored["constant"] == 1.0


def test_config_diff_between_envs_of_a_route(model):
    sc = next(s for s in model.scenarios if s.name == "bigru")
    keys = {d.key: d.values for d in sc.config if d.route == "keras"}
    assert keys["cell.reset_after"] == {"tf115": None, "tf215": "true", EVIL_ENV: None}
    assert keys["cell.recurrent_activation"][EVIL_ENV] == EVIL_CONFIG


def test_variables_stand_in_before_blocks_exist():
    doc = artifact_document(
        "old",
        {
            "s": {
                "tf1": {
                    "status": "ok",
                    "family": "tf1_gru",
                    "config": {},
                    "variables": {"rnn/gates/kernel": {"shape": [3, 2], "stats": {"mean": 0.5, "std": 0.1}}},
                }
            }
        },
    )
    sc = build(typed({"old": doc}), []).scenarios[0]
    assert sc.blocks_from_variables and sc.blocks[0].key == "rnn/gates/kernel"
    assert "Variables" in render_html(build(typed({"old": doc}), []))
    assert "their variables stand in for them" in render_markdown(build(typed({"old": doc}), []))


def test_report_json_has_no_samples(model, tmp_path):
    paths = write(model, tmp_path)
    data = json.loads(paths["report.json"].read_text())
    assert data["schema"] == "rnncompare/report" and data["version"] == 2
    assert '"sample"' not in paths["report.json"].read_text()
    assert [s["name"] for s in data["scenarios"]] == ["bigru", "lstm"]
    bigru = data["scenarios"][0]
    assert bigru["answer"]["state"] == "differs" and bigru["answer"]["findings"] == len(model.findings_of("bigru"))
    assert {r["verdict"] for r in bigru["rows"]} == {"differs"}  # these same rows carry no note: left out
    assert [f["id"] for f in data["summary"]] == [f.id for f in model.summary]
    assert all({"id", "kind", "what", "where", "fix", "rows"} <= set(f) for f in data["findings"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.json", "report.md"]


# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "raw, escaped",
    [
        ("a|b", r"a\|b"),
        ("`x`", r"\`x\`"),
        ("<script>", "&lt;script&gt;"),
        ("a\nb", "a b"),
        ("&lt;", "&amp;lt;"),
        ("*x* _y_ [z]", r"\*x\* \_y\_ \[z\]"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_escape(raw, escaped):
    assert markdown_escape(raw) == escaped


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_tables_keep_their_columns(md):
    lines = md.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("|---"):
            width = _unescaped_pipes(lines[index - 1])
            body = lines[index + 1 :]
            for row in body[: next((k for k, r in enumerate(body) if not r.startswith("|")), len(body))]:
                assert _unescaped_pipes(row) == width, row


def test_markdown_escapes_artifact_text(md):
    assert "<script" not in md and "<img" not in md and "<b " not in md
    assert "&lt;script&gt;" in md and "&lt;img src=x onerror=alert\\(2\\)&gt;" not in md  # parentheses stay
    assert "ev&lt;img src=x onerror=alert(2)&gt;il\\|\\`x\\`" in md


def test_markdown_recipe_fence_outlasts_snippet(md):
    assert "Verified: verified &lt;same&gt;" in md
    assert "````python\nGRU(4, reset_after=False)  # <b>``` fence\n````" in md


def test_html_escapes_artifact_text(page):
    assert "<script" not in page.lower()
    assert "<img src=x" not in page and "<b onmouseover" not in page
    assert "ev&lt;img src=x onerror=alert(2)&gt;il|`x`" in page
    assert "TypeError: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b onmouseover=&quot;alert(3)&quot;&gt;" in page
    assert "GRU(4, reset_after=False)  # &lt;b&gt;``` fence" in page


def test_recipe_shown_only_when_given(artifacts, page):
    assert page.count("Initialize Keras like TF1") == 1
    bare = build(typed(artifacts), rows_for(artifacts))
    assert "Initialize Keras like TF1" not in render_html(bare) + render_markdown(bare)


# ---------------------------------------------------------------- standalone HTML


def test_html_is_standalone(page):
    assert 'http-equiv="Content-Security-Policy"' in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, re.I)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) > 10
    for src in sources:
        assert src.startswith("data:image/svg+xml,") and not set(src) & set("#&'\"\n")
        svg = unquote(src.split(",", 1)[1])
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "href" not in svg


def test_summary_grid_links_to_every_scenario(page):
    assert page.count('id="summary-grid"') == 1
    for name in ("bigru", "lstm"):
        assert f'href="#scenario-{name}"' in page and f'id="scenario-{name}"' in page


# ---------------------------------------------------------------- plots


def test_a_histogram_outline_steps_up_across_and_down():
    """Bins [0, 0.5] at height 1 and [0.5, 1] at 0.5 on a 100 x 100 canvas (inner 48 x 58 px from
    x 44, y 20): up from the baseline at the first edge, across each bin, down after the last."""
    canvas = plots.Canvas((100, 100), (0.0, 1.0), (0.0, 1.0), "t")
    canvas.stairs(np.array([0.0, 0.5, 1.0]), np.array([1.0, 0.5]), ("#123456", "-"))
    assert canvas.parts[-1] == '<path d="M44.0,78V20h24V49h24V78" fill="none" stroke="#123456" stroke-width="1.1"/>'


def test_plots_are_small_svgs(model):
    sc = next(s for s in model.scenarios if s.name == "bigru")
    style = plots.styles(model.series)
    svg = plots.histogram(sc.blocks[0], style)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"') and len(svg) < 60000
    assert svg.count("<path") == len([c for c in sc.blocks[0].cells if len(c.sample)])  # one outline per series
    assert 'stroke-linecap="round"' in plots.spectrum(sc, "recurrent", model.series, style)  # the mean dots
    assert plots.spectrum(sc, "bias", model.series, style) is None  # vectors have no singular values
    assert "<rect" in plots.biases(sc.biases, model.series, style)


def test_ticks_are_round_and_inside():
    assert plots.ticks(0.0, 1.0) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert plots.ticks(-0.13, 0.13) == pytest.approx([-0.1, -0.05, 0.0, 0.05, 0.1])
    assert plots.ticks(2.0, 2.0) == [2.0]


# ---------------------------------------------------------------- the verb


def test_verb_end_to_end_with_real_diff(tmp_path, capsys):
    folder = write_artifacts(tmp_path / "artifacts")
    assert main(["report", str(folder), "--baseline", "tf115:tf1"]) == 0
    for name in ("report.md", "report.json", "report.html"):
        assert (folder / name).stat().st_size > 0
    data = json.loads((folder / "report.json").read_text())
    grid = {(c["env"], c["route"]): c["state"] for c in data["scenarios"][0]["grid"]}
    assert grid[("tf215", "keras")] == "differs"  # the 1.5x kernel scale
    assert grid[(EVIL_ENV, "tf1")] == "error"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    # a second run reads past its own report.json
    assert main(["report", str(folder)]) == 0
    assert "wrote" in capsys.readouterr().out


def test_unwritable_output_is_refused_before_reading(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["report", str(tmp_path / "no-such-folder"), "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert "cannot write report file" in err and "no-such-folder" not in err


def test_folder_without_artifacts(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no artifacts" in capsys.readouterr().err


def test_bad_baseline(tmp_path, capsys):
    folder = write_artifacts(tmp_path / "a")
    assert main(["report", str(folder), "--baseline", "tf115/tf1"]) == 2
    assert main(["report", str(folder), "--baseline", "nope:tf1"]) == 2
    assert "ENV:ROUTE" in capsys.readouterr().err


def test_recipe_warns_where_keras_weights_start_tied(artifacts):
    """A tied_weights finding on a Keras route puts a warning, naming the copy, into the recipe section."""
    tie = diff.Reason(
        "tied_weights",
        "tf215:keras starts it as an exact copy of l0/fw/update/kernel",
        {"copy_of_a": None, "copy_of_b": "l0/fw/update/kernel"},
    )
    rows = rows_for(artifacts) + [_row("l0/fw/update/recurrent", "tf215", "keras", "differs", [tie])]
    recipes = {"bigru": {"snippet": "init_like_tf1(layer)", "verdict": "same"}}
    sc = next(s for s in build(typed(artifacts), rows, recipes).scenarios if s.name == "bigru")
    assert sc.recipe.warnings == ["tf215:keras l0/fw/update/recurrent starts as an exact copy of l0/fw/update/kernel"]
    model = build(typed(artifacts), rows, recipes)
    assert "**Warning:** Keras weights here start tied" in render_markdown(model)
    assert "Keras weights here start tied" in render_html(model)
    untied = next(s for s in build(typed(artifacts), rows_for(artifacts), recipes).scenarios if s.name == "bigru")
    assert untied.recipe.warnings == []


def test_report_says_per_route_whether_the_baselines_weights_port_exactly():
    """From a real tf115 worker run (tests/data/tiny-tf115): TF 1.15's tf.keras GRU gates with hard_sigmoid,
    so TF1 GRUCell weights (sigmoid gates) cannot make it compute the same function: refused, with why."""
    from compare.host.report.pipeline import ports_for

    tiny = artifact.read(Path(__file__).resolve().parent.parent / "data" / "tiny-tf115.json")
    verdicts = ports_for({"tf115": tiny}, ("tf115", "tf1"))
    assert verdicts["g1"] == {
        ("tf115", "keras"): "refused: the source uses recurrent_activation='sigmoid' and "
        "the target 'hard_sigmoid': the gates compute other values"
    }
    model = build({"tf115": tiny}, [], ports=verdicts)
    assert [(p.env, p.route) for p in model.scenarios[0].ports] == [("tf115", "keras")]
    assert "**Porting the baseline's first-seed weights**" in render_markdown(model)
    assert "<h3>Porting the baseline's weights</h3>" in render_html(model)
