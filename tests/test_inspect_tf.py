"""``inspect`` on checkpoints real TensorFlow writes here: trained models (an embedding, the RNN, a dense layer,
a few optimizer steps so slots exist and the weights moved), every TF1 family of this TensorFlow, with and
without the ``.meta`` graph. Every expected value comes from what the test built: the variable names and
slots TensorFlow created, the sizes, the cell class and options passed, the initializer used.

Runs inside the tox TF envs (marker ``tf``): ``tox -e tests-tf115 -- tests/test_inspect_tf.py``; in tf11
(TensorFlow 1.1) the checkpoints carry the pre-1.2 names (``weights`` / ``biases``).
"""
import os
import shutil
from collections import namedtuple

import numpy as np
import pytest

from backends import tfenv
from compare import families

pytestmark = pytest.mark.tf

Case = namedtuple("Case", "name cell_class kwargs layers bidirectional init optimizer fused")
EMBED, UNITS, VOCAB, STEPS, BATCH = 5, 4, 11, 3, 2
# The initializers the tests pass, as (TF1 factory name, its kwargs, what inspect must report).
INITS = {
    "orthogonal2": ("orthogonal", {"gain": 2.0}, ("orthogonal", {"gain": 2.0})),
    "uniform01": ("random_uniform", {"minval": -0.1, "maxval": 0.1},
                  ("random_uniform", {"minval": -0.1, "maxval": 0.1})),
    "glorot_normal": ("glorot_normal", {}, ("glorot_normal", {})),
    "default": (None, {}, ("glorot_uniform", {})),  # get_variable's own default in TF 1.x
}
CASES = [
    Case("gru-bi2-relu", "GRUCell", {"activation": "relu"}, 2, True, "orthogonal2", "Adam", False),
    Case("lstm-proj-peep", "LSTMCell", {"num_proj": 3, "use_peepholes": True, "forget_bias": 0.5}, 1, False,
         "uniform01", "Momentum", False),
    Case("basic-lstm-3", "BasicLSTMCell", {"forget_bias": 2.0}, 3, False, "glorot_normal", "RMSProp", False),
    Case("lstm-block-bi", "LSTMBlockCell", {"forget_bias": 0.25}, 1, True, "orthogonal2", "Adam", False),
    Case("lstm-fused-2", "LSTMBlockFusedCell", {"forget_bias": 0.75}, 2, False, "uniform01", "Adam", True),
    Case("gru-block-2", "GRUBlockCellV2", {}, 2, False, "default", "Momentum", False),
    Case("layer-norm", "LayerNormBasicLSTMCell", {"forget_bias": 1.5}, 1, False, "orthogonal2", "RMSProp", False),
    Case("cudnn-lstm-bi", "CudnnCompatibleLSTMCell", {}, 1, True, "glorot_normal", "Adam", False),
    Case("cudnn-gru", "CudnnCompatibleGRUCell", {}, 1, False, "uniform01", "Adam", False),
]
KERNEL_KINDS = ("fused", "input", "recurrent", "projection", "diag")  # variables the scope initializer reaches


def _activation(tf, name):
    return {"relu": tf.nn.relu, "tanh": tf.tanh}[name]


def _optimizer(tf1, name):
    return {"Adam": lambda: tf1.train.AdamOptimizer(0.01),
            "Momentum": lambda: tf1.train.MomentumOptimizer(0.01, 0.9),
            "RMSProp": lambda: tf1.train.RMSPropOptimizer(0.01)}[name]()


def _initializer(tf, name):
    factory, kwargs, _ = INITS[name]
    return None if factory is None else tfenv.tf1_initializer(tf, factory)(**kwargs)


def build_checkpoint(case, folder):
    """Train a tiny model around the case's RNN for a few steps and save it; returns what the test built:
    the checkpoint prefix, the RNN's variable names by scope, every variable's slots, the first kernel's
    initial value and the names of the other variables."""
    tf = tfenv.tensorflow()
    tf1 = tfenv.v1(tf)
    cell_class = tfenv.tf1_cell_class(tf, case.cell_class)
    if cell_class is None:
        pytest.skip("TensorFlow {} has no {}".format(tf.__version__, case.cell_class))
    kwargs = dict(case.kwargs)
    if "activation" in kwargs:
        kwargs["activation"] = _activation(tf, kwargs["activation"])
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(1)
        tokens = tf1.placeholder(tf.int32, [None, None], name="tokens")
        target = tf1.placeholder(tf.float32, [None, 1], name="target")
        embedding = tf1.get_variable("embedding", [VOCAB, EMBED])
        inputs = tf.nn.embedding_lookup(embedding, tokens)
        directions = ("fw", "bw") if case.bidirectional else ("fw",)
        with tf1.variable_scope("encoder", initializer=_initializer(tf, case.init)):
            cells = {d: [cell_class(UNITS, **kwargs) for _ in range(case.layers)] for d in directions}
            if case.fused:
                steps = tf.transpose(inputs, [1, 0, 2])
                outs = []
                for d in directions:
                    with tf1.variable_scope(d):
                        tensor = steps if d == "fw" else tf.reverse(steps, [0])
                        for i, cell in enumerate(cells[d]):
                            with tf1.variable_scope("cell_{}".format(i)):
                                tensor, _ = cell(tensor, dtype=tf.float32)
                        outs.append(tensor)
                output = tf.transpose(tf.concat(outs, -1), [1, 0, 2])
            else:
                multi = tfenv.rnn_cells(tf).MultiRNNCell
                stacks = {d: c[0] if len(c) == 1 else multi(c) for d, c in cells.items()}
                if case.bidirectional:
                    (fw, bw), _ = tf1.nn.bidirectional_dynamic_rnn(stacks["fw"], stacks["bw"], inputs,
                                                                    dtype=tf.float32)
                    output = tf.concat([fw, bw], -1)
                else:
                    output, _ = tf1.nn.dynamic_rnn(stacks["fw"], inputs, dtype=tf.float32)
        rnn_names = sorted(v.name.split(":")[0] for v in tf1.trainable_variables() if v.name.startswith("encoder/"))
        with tf1.variable_scope("head"):
            weight = tf1.get_variable("kernel", [output.shape[-1].value, 1])
            bias = tf1.get_variable("bias", [1], initializer=tf1.zeros_initializer())
        prediction = tf.matmul(output[:, -1, :], weight) + bias
        loss = tf.reduce_mean(tf.square(prediction - target))
        step = tf1.train.get_or_create_global_step() if hasattr(tf1.train, "get_or_create_global_step") else None
        train = _optimizer(tf1, case.optimizer).minimize(loss, global_step=step)
        saver = tf1.train.Saver()
        every = sorted(v.name.split(":")[0] for v in tf1.global_variables())
        rng = np.random.RandomState(0)
        with tf1.Session(graph=graph) as session:
            session.run(tf1.global_variables_initializer())
            first_kernel = session.run(graph.get_tensor_by_name(rnn_names[0] + ":0"))
            for _ in range(STEPS):
                session.run(train, {tokens: rng.randint(0, VOCAB, (BATCH, 3)), target: rng.randn(BATCH, 1)})
            prefix = saver.save(session, os.path.join(folder, "model.ckpt"), global_step=STEPS)
    slots = {name: sorted(o for o in every if o.startswith(name + "/") and o.rpartition("/")[0] == name)
             for name in every}
    others = [n for n in every if n not in rnn_names and not any(n in s for s in slots.values())]
    return {"prefix": prefix, "rnn": rnn_names, "slots": slots, "first_kernel": first_kernel, "others": others}


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def built(request, tmp_path_factory):
    folder = str(tmp_path_factory.mktemp(request.param.name))
    return request.param, build_checkpoint(request.param, folder)


def _inspect(prefix, use_meta=True):
    from backends.inspect import inspect

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
    from backends.checkpoint import read_variables  # noqa: F401 - the reader below is TensorFlow's

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
            if any(isinstance(family.config.get(k), families.Read) and family.config[k].key == key
                   for k in family.config):
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
    if "cell_clip" in reads:
        assert network.option(reads["cell_clip"]) is None


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
        if kinds[owned.param] not in KERNEL_KINDS or (kinds[owned.param] == "diag" and owned.param.endswith(
                ("gamma", "beta"))):
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


def test_meta_of_another_checkpoint_is_refused(built, tmp_path):
    """A .meta written for other variables: one line naming the variable that disagrees."""
    from backends.inspect import inspect
    from compare.errors import UserError

    case, made = built
    if case.name != CASES[0].name:
        pytest.skip("one case is enough")
    other = build_checkpoint(CASES[1], str(tmp_path))
    with pytest.raises(UserError) as caught:
        inspect(made["prefix"], other["prefix"] + ".meta")
    assert "belongs to another checkpoint" in caught.value.cause


def test_truncated_and_missing_checkpoints_are_refused(built, tmp_path):
    """A cut .data file and a prefix with no files: one UserError each, never a TensorFlow traceback."""
    from backends.inspect import inspect
    from compare.errors import UserError

    case, made = built
    if case.name != CASES[0].name:
        pytest.skip("one case is enough")
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
