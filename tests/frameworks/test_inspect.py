"""``inspect`` on checkpoints real TensorFlow writes here: trained models (an embedding, the RNN, a dense layer,
a few optimizer steps so slots exist and the weights moved), every TF1 family of this TensorFlow, with and
without the ``.meta`` graph. Every expected value comes from what the test built: the variable names and
slots TensorFlow created, the sizes, the cell class and options passed, the initializer used.

Runs inside the tox TF envs (marker ``tf``): ``tox -e tests-tf115 -- tests/test_inspect_tf.py``; in tf11
(TensorFlow 1.1) the checkpoints carry the pre-1.2 names (``weights`` / ``biases``).
"""

import inspect
import os
import shutil

import numpy as np
import pytest

from backends import tfenv
from compare.core import families
from tests.helpers.checkpoints import (
    CASES,
    EMBED,
    INITS,
    KERNEL_KINDS,
    UNITS,
    Unsupported,
    build_checkpoint,
    build_plain,
    build_two_networks,
)

# The checkpoints are TF 1.x programs (graph-mode training, tf.contrib cells, pre-1.2 names in 1.1), written
# by the TF 1.x envs themselves; TF 2's compat.v1 cells are Keras layers that create their variables in
# another order, which these builders do not model.
TF1_ENVS = ("tf11", "tf115")


@pytest.fixture(scope="module", autouse=True)
def _tf1_env(env_name):
    if env_name not in TF1_ENVS:
        pytest.skip("the test checkpoints are written by TensorFlow 1.x (envs {})".format(", ".join(TF1_ENVS)))


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def built(request, tmp_path_factory):
    folder = str(tmp_path_factory.mktemp(request.param.name))
    try:
        return request.param, build_checkpoint(request.param, folder)
    except Unsupported as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """The first case alone, for the refusals (one checkpoint is enough for them)."""
    try:
        return CASES[0], build_checkpoint(CASES[0], str(tmp_path_factory.mktemp("first")))
    except Unsupported as exc:
        pytest.skip(str(exc))


def _inspect(prefix, use_meta=True):
    from backends.checkpoint.list_networks import inspect

    return inspect(prefix, None, use_meta)


def _network(inventory):
    assert [n.name for n in inventory.networks] != [], inventory.others
    assert len(inventory.networks) == 1, [n.name for n in inventory.networks]
    return inventory.networks[0]


@pytest.mark.parametrize("use_meta", [True, False], ids=["meta", "no-meta"])
def test_inspect_finds_the_network_its_sizes_variables_and_slots(built, use_meta):
    """Every RNN variable the test created is owned by the one network, with the sizes the test chose and
    every optimizer slot TensorFlow made for it; the embedding, the dense head, global_step and the
    optimizer's counters are listed apart, none unrecognised; the weights saved are trained ones."""
    case, made = built
    inventory = _inspect(made["prefix"], use_meta)
    network = _network(inventory)
    family = families.of_class(case.cell_class, "tf1")
    base = "encoder" if case.fused else "encoder/" + ("bidirectional_rnn" if case.bidirectional else "rnn")
    assert network.name == base
    assert network.layers == case.layers
    assert network.directions == (("fw", "bw") if case.bidirectional else ("fw",))
    assert network.units == UNITS and network.input_size == EMBED
    assert network.num_proj == case.kwargs.get("num_proj")
    assert network.peepholes == bool(case.kwargs.get("use_peepholes"))
    assert sorted(v.name for v in network.variables) == made["rnn"]
    for owned in network.variables:
        assert sorted(owned.slots) == made["slots"][owned.name], owned.name
        assert owned.param in family.params
    roles = {o.name: o.role for o in inventory.others}
    assert "unrecognised" not in roles.values(), [o for o in inventory.others if o.role == "unrecognised"]
    assert sorted(n for n, r in roles.items() if r == "variable") == sorted(made["others"])
    assert "embedding" in roles and "head/kernel" in roles
    assert any(r == "slot" and n.startswith("embedding/") for n, r in roles.items())
    from backends.checkpoint import bundle  # noqa: F401 - the reader below is TensorFlow's

    tf1 = tfenv.v1(tfenv.tensorflow())
    saved = tf1.train.NewCheckpointReader(made["prefix"]).get_tensor(made["rnn"][0])
    assert saved.shape == made["first_kernel"].shape and not np.array_equal(saved, made["first_kernel"])
    if use_meta:
        assert network.cell_class == case.cell_class and network.family == family.name
    else:
        assert case.cell_class in network.candidates
        if len(network.candidates) > 1:
            assert network.cell_class is None and "cell_class" in network.unknown
        for key in ("forget_bias",):
            if any(
                isinstance(family.config.get(k), families.Read) and family.config[k].key == key for k in family.config
            ):
                assert key in network.missing


def test_graph_options_are_those_the_cell_was_built_with(built):
    """forget_bias and the activation as the graph computes them equal what the test passed (the class's
    own default where the test passed none: TF's LSTM cells add 1.0 unless told otherwise)."""
    case, made = built
    network = _network(_inspect(made["prefix"]))
    family = families.of_class(case.cell_class, "tf1")
    reads = {key: rule.key for key, rule in family.config.items() if isinstance(rule, families.Read)}
    assert not network.missing, network.missing
    if "forget_bias" in reads:
        assert network.option(reads["forget_bias"]) == pytest.approx(case.kwargs.get("forget_bias", 1.0))
        assert dict(network.option_sources)[reads["forget_bias"]] == "graph"
    if "activation" in reads:
        assert network.option("activation") == case.kwargs.get("activation", "tanh")
    takes = inspect.signature(tfenv.tf1_cell_class(tfenv.tensorflow(), case.cell_class).__init__).parameters
    # TF 1.1's LSTMBlockCell takes no cell_clip (its op then clips at the op's own default)
    if "cell_clip" in reads and "cell_clip" in takes:
        expected = case.kwargs.get("cell_clip", takes["cell_clip"].default)
        assert network.option(reads["cell_clip"]) == expected


def test_recorded_initializers_are_those_the_test_used(built):
    """Every kernel-like variable (those the scope initializer reaches) records the initializer the test
    put on the scope, with its parameters (gain 2, bounds -0.1 and 0.1) or its name where it is a
    variance-scaling one (glorot_normal; TF 1.x's default glorot_uniform)."""
    case, made = built
    network = _network(_inspect(made["prefix"]))
    family = families.of_class(case.cell_class, "tf1")
    kinds = {v.param: v.kind for v in family.variables}
    name, params = INITS[case.init][2]
    checked = 0
    for owned in network.variables:
        if kinds[owned.param] not in KERNEL_KINDS or (
            kinds[owned.param] == "diag" and owned.param.endswith(("gamma", "beta"))
        ):
            continue
        init = owned.initializer
        assert init is not None and init.name == name, (owned.name, init)
        assert dict(init.params) == pytest.approx(params), (owned.name, init)
        checked += 1
    assert checked >= len(network.directions) * network.layers


def test_no_meta_flag_reads_the_checkpoint_alone(built):
    """--no-meta: no initializer is known and the graph is not named."""
    case, made = built
    inventory = _inspect(made["prefix"], use_meta=False)
    assert inventory.graph is None
    assert all(v.initializer is None for v in _network(inventory).variables)


def test_meta_of_another_checkpoint_is_refused(first, tmp_path):
    """A .meta written for other variables: one line naming the variable that disagrees."""
    from backends.checkpoint.list_networks import inspect
    from compare.errors import UserError

    _, made = first
    try:
        other = build_checkpoint(CASES[1], str(tmp_path))
    except Unsupported as exc:
        pytest.skip(str(exc))
    with pytest.raises(UserError) as caught:
        inspect(made["prefix"], other["prefix"] + ".meta")
    assert "belongs to another checkpoint" in caught.value.cause


def test_truncated_and_missing_checkpoints_are_refused(first, tmp_path):
    """A cut .data file and a prefix with no files: one UserError each, never a TensorFlow traceback."""
    from backends.checkpoint.list_networks import inspect
    from compare.errors import UserError

    _, made = first
    copy = str(tmp_path / "cut")
    os.makedirs(copy)
    for name in os.listdir(os.path.dirname(made["prefix"])):
        if name.startswith(os.path.basename(made["prefix"])):
            shutil.copy(os.path.join(os.path.dirname(made["prefix"]), name), copy)
    prefix = os.path.join(copy, os.path.basename(made["prefix"]))
    data = [n for n in os.listdir(copy) if ".data-" in n][0]
    with open(os.path.join(copy, data), "r+b") as handle:
        handle.truncate(os.path.getsize(os.path.join(copy, data)) // 2)
    with pytest.raises(UserError) as caught:
        inspect(prefix, use_meta=False)
    assert "cannot read checkpoint" in caught.value.cause
    with pytest.raises(UserError) as caught:
        inspect(str(tmp_path / "nothing" / "model.ckpt"))
    assert "no checkpoint" in caught.value.cause
    # the folder form: its 'checkpoint' file names the latest prefix
    assert inspect(os.path.dirname(made["prefix"]), use_meta=False).checkpoint == made["prefix"]


def test_scenario_rebuilds_the_network_with_its_recorded_initializer(built):
    """The scenario inspect writes for the network parses as a scenario file does and carries the test's
    cell class, sizes, options and scope initializer; a non-tanh activation is refused with the reason."""
    from compare.core.inventory import scenario_table
    from compare.core.scenarios import parse_scenario

    case, made = built
    network = _network(_inspect(made["prefix"]))
    if case.kwargs.get("activation", "tanh") != "tanh":
        with pytest.raises(ValueError, match="activation"):
            scenario_table(network, "x")
        return
    scenario = parse_scenario(0, scenario_table(network, "rebuilt", seeds=2))
    assert (scenario.tf1.cell_class, scenario.units, scenario.input_dim, scenario.layers, scenario.bidirectional) == (
        case.cell_class,
        UNITS,
        EMBED,
        case.layers,
        case.bidirectional,
    )
    for key, value in case.kwargs.items():
        assert scenario.tf1.cell_kwargs[key] == value, key
    name, params = INITS[case.init][2]
    assert scenario.tf1.scope_initializer.name == name
    assert scenario.tf1.scope_initializer.params == pytest.approx(params)


def test_checkpoint_without_rnn_is_refused(tmp_path):
    """An embedding and a dense layer, no RNN: one UserError saying so."""
    from backends.checkpoint.list_networks import inspect
    from compare.errors import UserError

    prefix = build_plain(str(tmp_path))
    with pytest.raises(UserError) as caught:
        inspect(prefix)
    assert caught.value.cause.startswith("no recurrent network in ") and "2 variables" in caught.value.cause


def test_two_networks_and_an_unrecognised_variable(tmp_path):
    """An encoder GRU and a decoder LSTMCell are two networks, each owning its own variables with its own
    sizes (the decoder's input is the encoder's output); a variable under ``extra/rnn/odd_cell`` that fits
    no family is listed as unrecognised with a note, and does not stop the others being found."""
    prefix, encoder, decoder = build_two_networks(str(tmp_path))
    inventory = _inspect(prefix)
    found = {n.name: n for n in inventory.networks}
    assert sorted(found) == ["decoder/rnn", "encoder/rnn"]
    assert sorted(v.name for v in found["encoder/rnn"].variables) == encoder
    assert sorted(v.name for v in found["decoder/rnn"].variables) == decoder
    assert (found["encoder/rnn"].cell_class, found["encoder/rnn"].units, found["encoder/rnn"].input_size) == (
        "GRUCell",
        UNITS,
        EMBED,
    )
    assert (found["decoder/rnn"].cell_class, found["decoder/rnn"].units, found["decoder/rnn"].input_size) == (
        "LSTMCell",
        UNITS + 1,
        UNITS,
    )
    (odd,) = [o for o in inventory.others if o.role == "unrecognised"]
    assert odd.name == "extra/rnn/odd_cell/w" and "fit no cell family" in odd.note


def test_cell_class_given_without_graph_narrows_what_is_missing(built):
    """Without the graph a shared-name network's class is unknown; giving it (``--set NAME.cell_class``) sets
    the family the registry names for it, and only the options that family reads stay missing (a block
    cell's fixed tanh is no longer asked for)."""
    case, made = built
    network = _network(_inspect(made["prefix"], use_meta=False))
    if network.cell_class is not None:
        return  # its variables name the class already (projection, layer norm, cuDNN-compatible GRU)
    given = network.with_option("cell_class", case.cell_class)
    family = families.of_class(case.cell_class, "tf1")
    reads = {rule.key for rule in family.config.values() if isinstance(rule, families.Read)}
    assert given.family == family.name and given.cell_class == case.cell_class
    assert set(given.missing) == set(network.missing) & reads
    assert given.unknown == given.missing
