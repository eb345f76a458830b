"""Fuzzing the two readers of untrusted files: random and mutated scenario files and artifacts give a
valid result or a ``UserError``, never another exception (and never a crash further down, in the diff
or the report, for an artifact the loader accepted).
"""

import copy
import json

from hypothesis import given
from hypothesis import strategies as st

from compare import artifact
from compare.core.scenarios import DEFAULT_SUITE, parse_scenario, parse_scenarios
from tests.helpers.fuzzing import (
    BASE_TEXT,
    SETTINGS,
    json_values,
    leaf_paths,
    mutated_document,
    one_line_or_valid,
    replaced,
)

SUITE = DEFAULT_SUITE.read_text()


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
        new = data.draw(st.sampled_from(["", "=", "[", "]", '"', "0", "-1", "x", "\n", "{", "}", "1e400", "'"]))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + new + text[at + cut :]
    one_line_or_valid(lambda: parse_scenarios(text))


BASE_SCENARIO = {
    "name": "a",
    "cell": "lstm",
    "units": 4,
    "input_dim": 3,
    "layers": 2,
    "bidirectional": True,
    "seeds": 2,
    "tf1": {
        "scope_initializer": {"name": "orthogonal", "gain": 1.0},
        "outer_scopes": [{"initializer": "zeros"}, {}],
        "cell_class": "LSTMCell",
        "cell_kwargs": {"forget_bias": 1.0, "num_proj": 2},
    },
    "keras": {"kernel_initializer": "glorot_uniform", "layer_kwargs": {"unit_forget_bias": True}, "stacking": "cells"},
}


@SETTINGS
@given(st.data(), json_values)
def test_scenario_table_with_a_value_replaced(data, value):
    """Any place of a valid scenario (itself included) replaced by any TOML-able value."""
    raw = copy.deepcopy(BASE_SCENARIO)
    path = data.draw(st.sampled_from(list(leaf_paths(raw))))
    raw = replaced(raw, path, value)
    one_line_or_valid(lambda: parse_scenario(0, raw))


def _load_text(tmp_path, text):
    path = tmp_path / "a.json"
    path.write_text(text)
    return one_line_or_valid(lambda: artifact.load(path))


@SETTINGS
@given(st.data())
def test_mutated_artifact_text(tmp_path_factory, data):
    text = BASE_TEXT
    at = data.draw(st.integers(0, len(text)))
    text = (
        text[:at]
        + data.draw(st.sampled_from(["", "}", "]", '"', ",", "NaN", "-", "1e999", "null"]))
        + text[at + data.draw(st.integers(0, 5)) :]
    )
    _load_text(tmp_path_factory.mktemp("m"), text)


@SETTINGS
@given(st.data(), json_values)
def test_artifact_with_a_value_replaced_loads_or_refuses(tmp_path_factory, data, value):
    """Structurally valid JSON with wrong types in nested places: the loader accepts or says where."""
    document = mutated_document(data, value)
    _load_text(tmp_path_factory.mktemp("r"), json.dumps(document))
