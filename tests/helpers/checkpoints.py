"""Trained TF1 checkpoints for the inspect tests, written by the real TensorFlow of the env it runs in.

``tests/test_inspect_tf.py`` builds them in-process; the host tests build them in a tox TF env with
``python -m tests.helpers.checkpoints OUT_DIR CASE ...`` (the prefixes go to ``OUT_DIR/made.json``). No pytest
here: the matrix envs have none.
"""

import json
import os
import sys
from collections import namedtuple

import numpy as np

from backends import tfenv


class Unsupported(Exception):
    """This TensorFlow lacks what the case needs (a cell class, an initializer)."""


Case = namedtuple("Case", "name cell_class kwargs layers bidirectional init optimizer fused")
EMBED, UNITS, VOCAB, STEPS, BATCH = 5, 4, 11, 3, 2
# The initializers the tests pass, as (TF1 factory name, its kwargs, what inspect must report).
INITS = {
    "orthogonal2": ("orthogonal", {"gain": 2.0}, ("orthogonal", {"gain": 2.0})),
    "uniform01": (
        "random_uniform",
        {"minval": -0.1, "maxval": 0.1},
        ("random_uniform", {"minval": -0.1, "maxval": 0.1}),
    ),
    "glorot_normal": ("glorot_normal", {}, ("glorot_normal", {})),
    "default": (None, {}, ("glorot_uniform", {})),  # get_variable's own default in TF 1.x
}
CASES = [
    Case("gru-bi2-relu", "GRUCell", {"activation": "relu"}, 2, True, "orthogonal2", "Adam", False),
    Case(
        "lstm-proj-peep",
        "LSTMCell",
        {"num_proj": 3, "use_peepholes": True, "forget_bias": 0.5},
        1,
        False,
        "uniform01",
        "Momentum",
        False,
    ),
    Case("basic-lstm-3", "BasicLSTMCell", {"forget_bias": 2.0}, 3, False, "default", "RMSProp", False),
    Case("lstm-block-bi", "LSTMBlockCell", {"forget_bias": 0.25}, 1, True, "orthogonal2", "Adam", False),
    Case(
        "lstm-fused-2",
        "LSTMBlockFusedCell",
        {"forget_bias": 0.75, "cell_clip": 2.5},
        2,
        False,
        "uniform01",
        "Adam",
        True,
    ),
    Case("gru-block-2", "GRUBlockCellV2", {}, 2, False, "glorot_normal", "Momentum", False),
    Case("layer-norm", "LayerNormBasicLSTMCell", {"forget_bias": 1.5}, 1, False, "orthogonal2", "Adagrad", False),
    Case("cudnn-lstm-bi", "CudnnCompatibleLSTMCell", {}, 1, True, "glorot_normal", "Adam", False),
    Case("cudnn-gru", "CudnnCompatibleGRUCell", {}, 1, False, "uniform01", "Adam", False),
]
KERNEL_KINDS = ("fused", "input", "recurrent", "projection", "diag")  # variables the scope initializer reaches


def _activation(tf, name):
    return {"relu": tf.nn.relu, "tanh": tf.tanh}[name]


def _optimizer(tf1, name):
    return {
        "Adam": lambda: tf1.train.AdamOptimizer(0.01),
        "Momentum": lambda: tf1.train.MomentumOptimizer(0.01, 0.9),
        "RMSProp": lambda: tf1.train.RMSPropOptimizer(0.01),
        "Adagrad": lambda: tf1.train.AdagradOptimizer(0.1),
    }[name]()


def _initializer(tf, name):
    factory, kwargs, _ = INITS[name]
    if factory is None:
        return None
    found = tfenv.tf1_initializer(tf, factory)
    if found is None:
        raise Unsupported(f"TensorFlow {tf.__version__} has no {factory} initializer outside contrib")
    return found(**kwargs)


def build_checkpoint(case, folder):
    """Train a tiny model around the case's RNN for a few steps and save it; returns what the test built:
    the checkpoint prefix, the RNN's variable names by scope, every variable's slots, the first kernel's
    initial value and the names of the other variables."""
    tf = tfenv.tensorflow()
    tf1 = tfenv.v1(tf)
    cell_class = tfenv.tf1_cell_class(tf, case.cell_class)
    if cell_class is None:
        raise Unsupported(f"TensorFlow {tf.__version__} has no {case.cell_class}")
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
                            with tf1.variable_scope(f"cell_{i}"):
                                tensor, _ = cell(tensor, dtype=tf.float32)
                        outs.append(tensor)
                output = tf.transpose(tf.concat(outs, -1), [1, 0, 2])
            else:
                multi = tfenv.rnn_cells(tf).MultiRNNCell
                stacks = {d: c[0] if len(c) == 1 else multi(c) for d, c in cells.items()}
                if case.bidirectional:
                    (fw, bw), _ = tf1.nn.bidirectional_dynamic_rnn(stacks["fw"], stacks["bw"], inputs, dtype=tf.float32)
                    output = tf.concat([fw, bw], -1)
                else:
                    output, _ = tf1.nn.dynamic_rnn(stacks["fw"], inputs, dtype=tf.float32)
        rnn_names = sorted(v.name.split(":")[0] for v in tf1.trainable_variables() if v.name.startswith("encoder/"))
        with tf1.variable_scope("head"):
            weight = tf1.get_variable("kernel", [int(output.shape[-1]), 1])
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
    slots = {
        name: sorted(o for o in every if o.startswith(name + "/") and o.rpartition("/")[0] == name) for name in every
    }
    others = [n for n in every if n not in rnn_names and not any(n in s for s in slots.values())]
    return {"prefix": prefix, "rnn": rnn_names, "slots": slots, "first_kernel": first_kernel, "others": others}


def build_plain(folder):
    """A checkpoint with an embedding and a dense layer and no RNN; returns its prefix."""
    tf = tfenv.tensorflow()
    tf1 = tfenv.v1(tf)
    graph = tf.Graph()
    with graph.as_default():
        tf1.get_variable("embedding", [VOCAB, EMBED])
        tf1.get_variable("dense/kernel", [EMBED, 2])
        saver = tf1.train.Saver()
        with tf1.Session(graph=graph) as session:
            session.run(tf1.global_variables_initializer())
            return saver.save(session, os.path.join(folder, "model.ckpt"))


def build_two_networks(folder):
    """An encoder GRU and a decoder LSTMCell in one graph, plus a variable under a recurrent-looking scope
    that fits no cell (``extra/rnn/odd_cell/w``); returns (prefix, encoder names, decoder names)."""
    tf = tfenv.tensorflow()
    tf1 = tfenv.v1(tf)
    cells = tfenv.rnn_cells(tf)
    graph = tf.Graph()
    with graph.as_default():
        inputs = tf1.placeholder(tf.float32, [None, None, EMBED])
        with tf1.variable_scope("encoder"):
            encoded, _ = tf1.nn.dynamic_rnn(cells.GRUCell(UNITS), inputs, dtype=tf.float32)
        with tf1.variable_scope("decoder"):
            tf1.nn.dynamic_rnn(cells.LSTMCell(UNITS + 1), encoded, dtype=tf.float32)
        with tf1.variable_scope("extra/rnn/odd_cell"):
            tf1.get_variable("w", [3, 7])
        names = sorted(v.name.split(":")[0] for v in tf1.global_variables())
        saver = tf1.train.Saver()
        with tf1.Session(graph=graph) as session:
            session.run(tf1.global_variables_initializer())
            prefix = saver.save(session, os.path.join(folder, "model.ckpt"))
    return (prefix, [n for n in names if n.startswith("encoder/")], [n for n in names if n.startswith("decoder/")])


def main(argv):
    out, names = argv[0], argv[1:]
    made = {}
    for case in CASES:
        if case.name in names:
            folder = os.path.join(out, case.name)
            os.makedirs(folder)
            made[case.name] = build_checkpoint(case, folder)["prefix"]
    if "plain" in names:
        os.makedirs(os.path.join(out, "plain"))
        made["plain"] = build_plain(os.path.join(out, "plain"))
    with open(os.path.join(out, "made.json"), "w") as handle:
        json.dump(made, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
