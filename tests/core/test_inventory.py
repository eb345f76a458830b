"""The inventory records: what `inspect` hands to `convert`, `migrate` and `--scenarios-out`.

Pure records (no TensorFlow): they run in every env, Python 3.6 included.
"""

import json

import pytest

from compare.core import inventory
from compare.core.inventory import Inventory, Listed, Network, OwnedVariable, RecordedInitializer
from compare.core.scenarios import parse_scenario


def _lstm(**changes):
    fields = dict(
        name="encoder/bidirectional_rnn",
        family="",
        cell_class=None,
        candidates=("LSTMCell", "LSTMBlockCell"),
        layers=2,
        directions=("fw", "bw"),
        units=8,
        input_size=5,
        options=(("cell_clip", None),),
        option_sources=(("cell_clip", "graph"),),
        missing=("forget_bias",),
        variables=(
            OwnedVariable(
                "encoder/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/kernel",
                0,
                "fw",
                "kernel",
                (13, 32),
                slots=("x/Adam", "x/Adam_1"),
                initializer=RecordedInitializer("orthogonal", (("gain", 2.0),), "op"),
            ),
        ),
    )
    fields.update(changes)
    return Network(**fields)


def test_json_round_trip_gives_back_equal_records():
    """to_dict -> JSON text -> from_dict is the identity: the host reads exactly what the env found."""
    found = Inventory(
        "ckpt/model.ckpt-10",
        "1.15.5",
        "ckpt/model.ckpt-10.meta",
        (_lstm(),),
        (Listed("embedding", (100, 5), "float32"), Listed("embedding/Adam", (100, 5), "float32", "slot", "embedding")),
    )
    assert inventory.from_dict(json.loads(json.dumps(found.to_dict()))) == found


def test_another_schema_is_refused():
    with pytest.raises(ValueError, match="rnncompare/inventory"):
        inventory.from_dict({"schema": "rnncompare/artifact", "version": 1})


def test_unknown_lists_the_cell_class_and_missing_options_until_given():
    """Nothing is guessed: a network without its graph stays unknown until --set gives the values."""
    network = _lstm()
    assert network.unknown == ("cell_class", "forget_bias")
    given = network.with_option("cell_class", "LSTMBlockCell").with_option("forget_bias", 1.0)
    assert given.unknown == ()
    assert given.family == "tf1_lstm_block"
    assert given.option("forget_bias") == 1.0
    assert dict(given.option_sources) == {"cell_clip": "graph", "forget_bias": "set"}
    assert given.computation().get("forget_bias") == 1.0


def test_scenario_table_refuses_an_incomplete_network_naming_what_to_set():
    with pytest.raises(ValueError, match=r"cell_class, forget_bias unknown .*--set encoder/bidirectional_rnn"):
        inventory.scenario_table(_lstm(), "encoder")


def test_scenario_table_rebuilds_the_network_as_a_valid_scenario():
    """The cell's options become cell kwargs (None ones left to the cell's default); a bidirectional stack
    stacks Keras cells per direction, as MultiRNNCell does."""
    network = _lstm().with_option("cell_class", "LSTMCell").with_option("forget_bias", 0.5)
    scenario = parse_scenario(0, inventory.scenario_table(network, "encoder", seeds=4))
    assert (
        scenario.cell,
        scenario.units,
        scenario.input_dim,
        scenario.layers,
        scenario.bidirectional,
        scenario.seeds,
    ) == ("lstm", 8, 5, 2, True, 4)
    assert scenario.tf1.cell_class == "LSTMCell"
    assert scenario.tf1.cell_kwargs == {"forget_bias": 0.5}
    assert scenario.keras.stacking == "cells"


def test_variable_is_found_by_place_and_param():
    network = _lstm()
    assert network.variable(0, "fw", "kernel").shape == (13, 32)
    with pytest.raises(KeyError, match="no bias in layer 0 fw"):
        network.variable(0, "fw", "bias")
