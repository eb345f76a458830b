"""Small trained TF1 checkpoints for the convert tests, written by real TensorFlow 1.15 (tox env tf115).

``write(folder)`` builds one graph: an embedding feeding every network in its own scope (the cell class
with its options, ``MultiRNNCell``, ``dynamic_rnn`` / ``bidirectional_dynamic_rnn`` with
``sequence_length``), a dense layer over their final outputs, a few Adam steps (so weights are trained and
optimizer slots exist), then ``Saver.save``. It returns the :class:`compare.core.inventory.Inventory` of what
it wrote, named from the real cells' variables (as ``inspect`` would find them), so the convert tests do
not depend on ``inspect``. ``python -m tests.helpers.trained_model FOLDER [NAME ...]`` writes it (every network, or
the named ones of :data:`NETWORKS`) and ``FOLDER/inventory.json``.
"""

import json
import os
import sys
from typing import Any, Dict, List, Tuple

import numpy as np

from backends import tfenv
from backends.routes.tf1_cells import cell_param, cell_variables
from compare.core import families
from compare.core.inventory import Inventory, Network, OwnedVariable

INPUT_SIZE = 4
VOCAB = 11
STEPS = 6
# name, cell class, its constructor options, layers, bidirectional, units
NETWORKS: Tuple[Tuple[str, str, Dict[str, Any], int, bool, int], ...] = (
    ("gru_uni1", "GRUCell", {}, 1, False, 5),
    ("gru_uni3", "GRUCell", {}, 3, False, 4),
    ("gru_bi2", "GRUCell", {}, 2, True, 5),
    ("lstm_uni1", "LSTMCell", {"forget_bias": 1.0}, 1, False, 5),
    ("lstm_bi3", "LSTMCell", {"forget_bias": 1.0}, 3, True, 4),
    ("basic_lstm_bi2", "BasicLSTMCell", {"forget_bias": 1.0}, 2, True, 5),
    ("lstm_proj", "LSTMCell", {"forget_bias": 1.0, "num_proj": 3}, 1, False, 5),
    ("lstm_peep", "LSTMCell", {"forget_bias": 1.0, "use_peepholes": True}, 1, True, 5),
    ("lstm_block_bi2", "LSTMBlockCell", {"forget_bias": 0.5}, 2, True, 5),
    ("gru_block_uni2", "GRUBlockCellV2", {}, 2, False, 5),
    ("cudnn_gru_bi2", "CudnnCompatibleGRUCell", {}, 2, True, 5),
    ("cudnn_lstm_uni2", "CudnnCompatibleLSTMCell", {}, 2, False, 5),
    ("lstm_fused_bi2", "LSTMBlockFusedCell", {"forget_bias": 1.0}, 2, True, 5),
)
EXACT = tuple(n[0] for n in NETWORKS if n[0] not in ("lstm_proj", "lstm_peep"))


def _options(cell_class: str, given: Dict[str, Any]) -> Dict[str, Any]:
    """The options the registry reads, as inspect records them (None: no clip, no projection)."""
    options: Dict[str, Any] = dict(given)
    if cell_class in ("GRUCell", "BasicLSTMCell", "LSTMCell"):
        options.setdefault("activation", "tanh")
    if cell_class == "LSTMCell":
        options.setdefault("use_peepholes", False)
        options.setdefault("num_proj", None)
        options.setdefault("cell_clip", None)
    if cell_class in ("LSTMBlockCell", "LSTMBlockFusedCell"):
        options.setdefault("use_peephole", False)
        options.setdefault("cell_clip", None)
    return options


def write(folder: str, steps: int = 3, seed: int = 0, names: Tuple[str, ...] = ()) -> Inventory:
    """Write ``folder/model.ckpt-{steps}`` (every network, or those named) and return its inventory."""
    tf = tfenv.tensorflow()
    tf1 = tfenv.v1(tf)
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(seed)
        ids = tf1.placeholder(tf.int32, [None, STEPS], name="ids")
        lengths = tf1.placeholder(tf.int32, [None], name="lengths")
        targets = tf1.placeholder(tf.float32, [None], name="targets")
        embedding = tf1.get_variable("embedding", [VOCAB, INPUT_SIZE])
        inputs = tf.nn.embedding_lookup(embedding, ids)
        finals, built = [], []
        for name, cell_class, given, layers, bidirectional, units in NETWORKS:
            if names and name not in names:
                continue
            cls = tfenv.tf1_cell_class(tf, cell_class)
            kwargs = {k: v for k, v in given.items()}
            with tf1.variable_scope(name):
                cells = {
                    d: [cls(units, **kwargs) for _ in range(layers)]
                    for d in (("fw", "bw") if bidirectional else ("fw",))
                }
                stacks = {d: c[0] if layers == 1 else tfenv.rnn_cells(tf).MultiRNNCell(c) for d, c in cells.items()}
                if cell_class == "LSTMBlockFusedCell":
                    output = _fused(tf, tf1, cells, inputs, lengths)
                elif bidirectional:
                    (fw, bw), _ = tf1.nn.bidirectional_dynamic_rnn(
                        stacks["fw"], stacks["bw"], inputs, sequence_length=lengths, dtype=tf.float32
                    )
                    output = tf.concat([fw, bw], -1)
                else:
                    output, _ = tf1.nn.dynamic_rnn(stacks["fw"], inputs, sequence_length=lengths, dtype=tf.float32)
            finals.append(tf.reduce_mean(output, axis=1))
            built.append((name, cell_class, given, layers, bidirectional, units, cells))
        with tf1.variable_scope("head"):
            score = tf1.layers.dense(tf.concat(finals, -1), 1)[:, 0]
        loss = tf.reduce_mean(tf.square(score - targets))
        step = tf1.train.AdamOptimizer(0.05).minimize(loss, global_step=tf1.train.get_or_create_global_step())
        saver = tf1.train.Saver()
        rng = np.random.RandomState(seed)
        with tf1.Session(graph=graph) as session:
            session.run(tf1.global_variables_initializer())
            for _ in range(steps):
                session.run(
                    step,
                    {
                        ids: rng.randint(0, VOCAB, (8, STEPS)),
                        lengths: rng.randint(1, STEPS + 1, 8),
                        targets: rng.standard_normal(8),
                    },
                )
            prefix = saver.save(session, os.path.join(folder, "model.ckpt"), global_step=steps)
        networks = [_network(tf, *entry) for entry in built]
    return Inventory(prefix, tf.__version__, prefix + ".meta", tuple(networks))


def _fused(tf: Any, tf1: Any, cells: Dict[str, List[Any]], inputs: Any, lengths: Any) -> Any:
    """LSTMBlockFusedCell is no RNNCell: time-major, each direction its own stack, the backward one on each
    sequence reversed within its length (as ``bidirectional_dynamic_rnn`` does)."""
    steps = tf.transpose(inputs, [1, 0, 2])
    outputs = []
    for direction, stack in cells.items():
        with tf1.variable_scope(direction):
            tensor = steps if direction == "fw" else tf1.reverse_sequence(steps, lengths, seq_axis=0, batch_axis=1)
            for i, cell in enumerate(stack):
                with tf1.variable_scope(f"cell_{i}"):
                    tensor, _ = cell(tensor, dtype=tf.float32, sequence_length=lengths)
            outputs.append(
                tensor if direction == "fw" else tf1.reverse_sequence(tensor, lengths, seq_axis=0, batch_axis=1)
            )
    return tf.transpose(tf.concat(outputs, -1), [1, 0, 2])


def _network(
    tf: Any,
    name: str,
    cell_class: str,
    given: Dict[str, Any],
    layers: int,
    bidirectional: bool,
    units: int,
    cells: Dict[str, List[Any]],
) -> Network:
    owned = []
    for direction, stack in cells.items():
        for layer, cell in enumerate(stack):
            for variable in cell_variables(tf, cell):
                var = variable.name.split(":")[0]
                owned.append(
                    OwnedVariable(
                        var,
                        layer,
                        direction,
                        cell_param(cell_class, var),
                        tuple(variable.shape.as_list()),
                        slots=(var + "/Adam", var + "/Adam_1"),
                    )
                )
    options = _options(cell_class, given)
    scope = (
        name
        if cell_class == "LSTMBlockFusedCell"
        else "{}/{}".format(name, "bidirectional_rnn" if bidirectional else "rnn")
    )
    return Network(
        scope,
        families.of_class(cell_class, "tf1").name,
        cell_class,
        (cell_class,),
        layers,
        ("fw", "bw") if bidirectional else ("fw",),
        units,
        INPUT_SIZE,
        given.get("num_proj"),
        bool(given.get("use_peepholes")),
        tuple(sorted(options.items())),
        tuple(sorted((k, "graph") for k in options)),
        (),
        tuple(owned),
    )


if __name__ == "__main__":
    out = sys.argv[1]
    inventory = write(out, names=tuple(sys.argv[2:]))
    with open(os.path.join(out, "inventory.json"), "w", encoding="utf-8") as handle:
        json.dump(inventory.to_dict(), handle, indent=1)
