"""``inspect`` and ``convert`` on the checkpoints a migrating user has besides TF 1.x's ``tf.train.Saver``,
each written here by the real TensorFlow 2 of the env:

* TF 2's ``tf.compat.v1.train.Saver`` (graph mode, compat.v1 cells): read as a TF 1.x one, the graph's
  stateless initializer ops named as TF 1.x's (glorot_uniform, not the constants inside them);
* an object-based ``tf.train.Checkpoint`` tracking a ``tf.compat.v1`` GRUCell: its object graph names the
  variables as the cell named them, the Keras optimizer's slots attach to their variables, and convert
  reads the values under their object keys;
* an object-based checkpoint of a Keras GRU model: refused in one line that says its weights are Keras's
  already.
"""

import dataclasses
import os

import numpy as np
import pytest

from tests.helpers.checkpoints import EMBED, UNITS, build_two_networks

TF2_ENVS = ("tf215", "tf221", "tf221-legacy")


@pytest.fixture(scope="module", autouse=True)
def _tf2_env(env_name):
    if env_name not in TF2_ENVS:
        pytest.skip("these checkpoints are written by TensorFlow 2 (envs {})".format(", ".join(TF2_ENVS)))


@pytest.fixture()
def compat_cells():
    """TF 2's compat.v1 cells are Keras 2 layers: TF 2.16+ without tf-keras (Keras 3) has none."""
    from backends import tfenv

    if tfenv.tf1_cell_class(tfenv.tensorflow(), "GRUCell") is None:
        pytest.skip("this TensorFlow has no tf.compat.v1 RNN cells (Keras 3; tf221-legacy has them)")


def _inspect(prefix, use_meta=True):
    from backends.checkpoint.list_networks import inspect

    return inspect(prefix, None, use_meta)


@pytest.mark.usefixtures("compat_cells")
def test_tf2_compat_v1_saver_checkpoint_reads_as_a_tf1_one(tmp_path):
    """Two networks, their classes from the graph, every kernel's initializer TF 2 records with stateless
    ops named glorot_uniform (TF1's get_variable default), the GRU's gates bias constant 1.0."""
    prefix, encoder, decoder = build_two_networks(str(tmp_path))
    inventory = _inspect(prefix)
    assert inventory.source == "saver" and inventory.keys == ()
    found = {n.name: n for n in inventory.networks}
    assert sorted(found) == ["decoder/rnn", "encoder/rnn"]
    assert sorted(v.name for v in found["encoder/rnn"].variables) == encoder
    assert sorted(v.name for v in found["decoder/rnn"].variables) == decoder
    assert (found["encoder/rnn"].cell_class, found["decoder/rnn"].cell_class) == ("GRUCell", "LSTMCell")
    for network in found.values():
        for owned in network.variables:
            expected = {"kernel": "glorot_uniform", "bias": "zeros"}[owned.param.rpartition("/")[2]]
            if owned.param == "gates/bias":
                expected = "constant"
            assert owned.initializer is not None and owned.initializer.name == expected, owned


@pytest.mark.usefixtures("compat_cells")
def test_object_checkpoint_of_a_compat_v1_cell_is_inventoried_and_converts(tmp_path):
    """tf.train.Checkpoint(encoder=GRUCell, embedding, optimizer): the network ``encoder`` owns the cell's
    four variables under the names the cell gave them, each with its Adam m/v slots; the embedding, its
    slots and the counters are listed; each name maps to its object key; the values convert reads under
    those keys are the cell's own; with the class given, convert proves a Keras layer computes the same."""
    from backends.checkpoint import bundle, restore_tf1
    from tests.helpers.tf2_checkpoints import build_object_checkpoint

    prefix, values = build_object_checkpoint(str(tmp_path))
    inventory = _inspect(prefix)
    assert inventory.source == "object" and inventory.graph is None
    (network,) = inventory.networks
    assert network.name == "encoder" and (network.units, network.input_size) == (UNITS, EMBED)
    assert sorted(v.name for v in network.variables) == sorted(values)
    for owned in network.variables:
        assert sorted(owned.slots) == [owned.name + "/Adam_m", owned.name + "/Adam_v"]
        assert inventory.key(owned.name).endswith("/.ATTRIBUTES/VARIABLE_VALUE")
    roles = {o.name: o.role for o in inventory.others}
    assert roles["embedding"] == "variable" and "unrecognised" not in roles.values()
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" not in roles
    read = bundle.read_values(prefix, sorted(values), dict(inventory.keys))
    for name, value in values.items():
        np.testing.assert_array_equal(read[name], value)
    given = network.with_option("cell_class", "GRUCell").with_option("activation", "tanh")
    plans, arrays = restore_tf1.convert_all(dataclasses.replace(inventory, networks=(given,)))
    assert plans[0]["keras"] is not None, plans
    assert arrays


def test_object_checkpoint_of_a_keras_model_says_its_weights_are_keras_already(tmp_path):
    from compare.errors import UserError
    from tests.helpers.tf2_checkpoints import build_keras_checkpoint

    prefix = build_keras_checkpoint(str(tmp_path))
    with pytest.raises(UserError) as caught:
        _inspect(prefix)
    line = caught.value.one_line()
    assert "an object-based checkpoint" in line and "already in Keras's layout" in line and "\n" not in line
    assert os.path.exists(prefix + ".index")
