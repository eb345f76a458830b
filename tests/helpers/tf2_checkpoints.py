"""Checkpoints a user migrating from TF 2 brings, written by the real TensorFlow 2 of the env it runs in.

* :func:`build_object_checkpoint`: object-based (``tf.train.Checkpoint``) with a TF1 cell inside: a
  ``tf.compat.v1`` GRUCell tracked beside an embedding and a Keras optimizer's slots;
* :func:`build_keras_checkpoint`: object-based, a Keras ``Embedding`` + ``GRU`` model (its weights are
  already Keras's);
* a TF 2 ``tf.compat.v1.train.Saver`` checkpoint is ``tests.helpers.checkpoints.build_two_networks`` run in
  a TF 2 env (graph mode, ``compat.v1`` cells).

No pytest here: the matrix envs have none.
"""

import os

import numpy as np

from backends import tfenv

EMBED, UNITS, VOCAB = 5, 4, 11


def build_object_checkpoint(folder):
    """A compat.v1 GRUCell (``encoder``) run over an embedding, one Adam step, saved by tf.train.Checkpoint;
    returns (prefix, {variable name: its value after the step})."""
    tf = tfenv.tensorflow()
    tf1 = tfenv.v1(tf)
    cell = tf1.nn.rnn_cell.GRUCell(UNITS, name="encoder")
    embedding = tf.Variable(tf.random.normal([VOCAB, EMBED], seed=1), name="embedding")
    optimizer = tf.keras.optimizers.Adam(0.01)
    tokens = tf.constant(np.random.RandomState(0).randint(0, VOCAB, (2, 3)))
    with tf.GradientTape() as tape:
        inputs = tf.nn.embedding_lookup(embedding, tokens)
        state = tf.zeros([2, UNITS])
        for step in range(3):
            output, state = cell(inputs[:, step], state)
        loss = tf.reduce_sum(tf.square(output))
    weights = [embedding] + list(cell.trainable_variables)
    optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
    prefix = tf.train.Checkpoint(encoder=cell, embedding=embedding, optimizer=optimizer).save(
        os.path.join(folder, "ckpt")
    )
    values = {v.name.split(":")[0]: v.numpy() for v in cell.variables}
    return prefix, values


def build_keras_checkpoint(folder):
    """A Keras Embedding + GRU model saved by tf.train.Checkpoint; returns its prefix."""
    tf = tfenv.tensorflow()
    model = tf.keras.Sequential([tf.keras.layers.Embedding(VOCAB, EMBED), tf.keras.layers.GRU(UNITS)])
    model.build((None, 3))
    return tf.train.Checkpoint(model=model).save(os.path.join(folder, "ckpt"))
