"""Whatever artifact the loader accepts, however mutated, the diff and the report handle it or refuse it
with a one-line ``UserError``: no crash further down.
"""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare import artifact
from tests.helpers.fuzzing import ARTIFACT, json_values, mutated_document, one_line_or_valid


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))  # ~0.6 s each: plots
@given(st.data(), json_values)
def test_accepted_artifacts_never_crash_diff_or_report(tmp_path_factory, data, value):
    """Whatever the loader accepts, compare.host.diff and the report model handle (or refuse with a UserError)."""
    from compare.host import diff
    from compare.host.report import build, htmlpage, markdown
    from compare.host.report.pipeline import diff_rows, recipes_for

    folder = tmp_path_factory.mktemp("d")
    document = mutated_document(data, value)
    path = folder / "b.json"
    path.write_text(json.dumps(document))
    loaded = one_line_or_valid(lambda: artifact.load(path))
    if loaded is None or not isinstance(loaded.get("env"), dict):
        return
    loaded["env"]["name"] = "other"
    base, other = artifact.read(ARTIFACT), artifact.from_document(loaded, str(path), path)
    one_line_or_valid(lambda: diff.diff(base, other, [("tf1", "keras"), ("keras", "keras")]))
    artifacts = {"tf115": base, "other": other}
    rows, notes = diff_rows(artifacts, ("tf115", "tf1"))
    model = build(artifacts, rows, recipes_for(artifacts, rows, ("tf115", "tf1")), ("tf115", "tf1"), notes)
    markdown.render(model)
    htmlpage.render(model)
    json.loads(model.json_text())
