"""Fuzzing the two readers of untrusted files: random and mutated scenario files and artifacts give a
valid result or a ``UserError``, never another exception (and never a crash further down, in the diff
or the report, for an artifact the loader accepted)."""
import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare import artifact
from compare.core.scenarios import DEFAULT_SUITE, parse_scenario, parse_scenarios
from compare.errors import UserError

ARTIFACT = Path(__file__).resolve().parent / "data" / "tiny-tf115.json"
SUITE = DEFAULT_SUITE.read_text()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 6, 10 ** 12) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


def one_line_or_valid(call):
    try:
        return call()
    except UserError as exc:
        line = exc.one_line()
        assert line.startswith("error: ") and "\n" not in line
        return None


# ---------------------------------------------------------------- scenarios
@SETTINGS
@given(st.text(max_size=300))
def test_random_text_as_scenario_file(text):
    one_line_or_valid(lambda: parse_scenarios(text))


@SETTINGS
@given(st.data())
def test_mutated_default_suite(data):
    """Characters of the built-in suite deleted, replaced or inserted."""
    text = SUITE
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        new = data.draw(st.sampled_from(["", "=", "[", "]", "\"", "0", "-1", "x", "\n", "{", "}", "1e400", "'"]))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + new + text[at + cut:]
    one_line_or_valid(lambda: parse_scenarios(text))


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def _replace(document, path, value):
    if not path:
        return value
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


BASE_SCENARIO = {"name": "a", "cell": "lstm", "units": 4, "input_dim": 3, "layers": 2, "bidirectional": True,
                 "seeds": 2, "tf1": {"scope_initializer": {"name": "orthogonal", "gain": 1.0},
                                     "outer_scopes": [{"initializer": "zeros"}, {}],
                                     "cell_class": "LSTMCell", "cell_kwargs": {"forget_bias": 1.0, "num_proj": 2}},
                 "keras": {"kernel_initializer": "glorot_uniform", "layer_kwargs": {"unit_forget_bias": True},
                           "stacking": "cells"}}


@SETTINGS
@given(st.data(), json_values)
def test_scenario_table_with_a_value_replaced(data, value):
    """Any place of a valid scenario (itself included) replaced by any TOML-able value."""
    raw = copy.deepcopy(BASE_SCENARIO)
    path = data.draw(st.sampled_from(list(_paths(raw))))
    raw = _replace(raw, path, value)
    one_line_or_valid(lambda: parse_scenario(0, raw))


# ---------------------------------------------------------------- artifacts
BASE_TEXT = ARTIFACT.read_text()
BASE_DOC = json.loads(BASE_TEXT)
PATHS = list(_paths(BASE_DOC))


def _load_text(tmp_path, text):
    path = tmp_path / "a.json"
    path.write_text(text)
    return one_line_or_valid(lambda: artifact.load(path))


@SETTINGS
@given(st.data())
def test_mutated_artifact_text(tmp_path_factory, data):
    text = BASE_TEXT
    at = data.draw(st.integers(0, len(text)))
    text = text[:at] + data.draw(st.sampled_from(["", "}", "]", "\"", ",", "NaN", "-", "1e999", "null"])) + \
        text[at + data.draw(st.integers(0, 5)):]
    _load_text(tmp_path_factory.mktemp("m"), text)


def mutated_document(data, value):
    document = copy.deepcopy(BASE_DOC)
    path = data.draw(st.sampled_from(PATHS))
    if path and path[0] in ("schema", "version") or not path:
        return document  # those are the schema tests' business (tests/test_errors.py)
    return _replace(document, path, value)


@SETTINGS
@given(st.data(), json_values)
def test_artifact_with_a_value_replaced_loads_or_refuses(tmp_path_factory, data, value):
    """Structurally valid JSON with wrong types in nested places: the loader accepts or says where."""
    document = mutated_document(data, value)
    _load_text(tmp_path_factory.mktemp("r"), json.dumps(document))


@pytest.mark.host
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
