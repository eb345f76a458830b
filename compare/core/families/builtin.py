"""The built-in cell families: every storage layout rnncompare knows, declared as data.

Each ``register`` call is one family (see ``compare.core.families.registry`` for what the fields
mean); registration order matters where a lookup takes the first match (``for_cell``: the plain TF1
and Keras cells come first). Imported by ``compare.core.families``, which is how the registry fills.
"""

from compare.core.families.registry import STATE, Family, Fixed, Read, Variable, register

# TF1 GRUCell/LSTMCell gates: math_ops.sigmoid, not configurable
_TF1_CONFIG = {
    "activation": Read("activation", "tanh"),
    "recurrent_activation": Fixed("sigmoid"),
    "use_bias": Fixed(True),
    "reset_after": Fixed(False),
}
_KERAS_CONFIG = {
    "activation": Read("activation"),
    "recurrent_activation": Read("recurrent_activation"),
    "use_bias": Read("use_bias", True),
    "reset_after": Read("reset_after", False),
    "forget_bias": Fixed(0.0),
    "unit_forget_bias": Read("unit_forget_bias", False),
    "use_peepholes": Fixed(False),
    "num_proj": Fixed(None),
    "cell_clip": Fixed(None),
}

_TF1_LEGACY = (("weights", "kernel"), ("biases", "bias"))  # TF <= 1.1 named the variables so

_TF1_GRU_VARIABLES = (
    Variable("gates/kernel", "fused", ("reset", "update")),
    Variable("gates/bias", "vector", ("reset", "update")),
    Variable("candidate/kernel", "fused", ("candidate",)),
    Variable("candidate/bias", "vector", ("candidate",)),
)

register(
    Family(
        name="tf1_gru",
        cell="gru",
        framework="tf1",
        classes=("GRUCell",),
        anchor="gates/kernel",
        variables=_TF1_GRU_VARIABLES,
        always_bias=True,
        config=_TF1_CONFIG,
        stacks_per_direction=True,
        legacy_names=_TF1_LEGACY,
    )
)

register(
    Family(
        name="tf1_lstm",
        cell="lstm",
        framework="tf1",
        classes=("LSTMCell", "BasicLSTMCell"),
        anchor="kernel",
        variables=(
            Variable("kernel", "fused", ("input", "cell", "forget", "output")),  # [i | j | f | o]
            Variable("bias", "vector", ("input", "cell", "forget", "output")),
            Variable("w_i_diag", "diag", ("input",), "peephole", ("peepholes",)),
            Variable("w_f_diag", "diag", ("forget",), "peephole", ("peepholes",)),
            Variable("w_o_diag", "diag", ("output",), "peephole", ("peepholes",)),
            Variable("projection/kernel", "projection", (), "kernel", ("num_proj",)),
        ),
        options=frozenset({"num_proj", "peepholes"}),
        always_bias=True,
        runtime_forget_bias=True,
        config=dict(
            _TF1_CONFIG,
            forget_bias=Read("forget_bias"),
            unit_forget_bias=Fixed(False),
            use_peepholes=Read("use_peepholes", False),
            num_proj=Read("num_proj"),
            cell_clip=Read("cell_clip"),
        ),
        stacks_per_direction=True,
        legacy_names=_TF1_LEGACY,
    )
)

_KERAS_GRU_GATES = ("update", "reset", "candidate")  # [z | r | h]
_KERAS_LSTM_GATES = ("input", "forget", "cell", "output")  # [i | f | c | o]

register(
    Family(
        name="keras_gru",
        cell="gru",
        framework="keras",
        classes=("GRU", "GRUCell"),
        anchor="kernel",
        variables=(
            Variable("kernel", "input", _KERAS_GRU_GATES),
            Variable("recurrent_kernel", "recurrent", _KERAS_GRU_GATES),
            Variable("bias", "vector", _KERAS_GRU_GATES, "bias", ("use_bias", "!reset_after")),
            Variable("bias", "pair", _KERAS_GRU_GATES, "bias", ("use_bias", "reset_after")),
        ),
        options=frozenset({"use_bias", "reset_after"}),
        reset_scaled=("candidate",),
        config=_KERAS_CONFIG,
    )
)

register(
    Family(
        name="keras_lstm",
        cell="lstm",
        framework="keras",
        classes=("LSTM", "LSTMCell"),
        anchor="kernel",
        variables=(
            Variable("kernel", "input", _KERAS_LSTM_GATES),
            Variable("recurrent_kernel", "recurrent", _KERAS_LSTM_GATES),
            Variable("bias", "vector", _KERAS_LSTM_GATES, "bias", ("use_bias",)),
        ),
        options=frozenset({"use_bias"}),
        config=_KERAS_CONFIG,
    )
)

# ---------------------------------------------------------------- TF 1.15 contrib and cuDNN families
# Each layout below is read from the cell's own call or op (TF 1.15 sources) and proven by a forward
# pass in tf115 (tests/frameworks/test_cells.py): numpy on the canonical blocks reproduces the cell's output.
# ``initialized_as``: the block cells draw their kernel over [x; h] from the scope initializer (glorot
# by default) and store LSTMCell's zero bias / GRUCell's gate bias 1.0 and candidate bias 0, as measured
# in tf115 (compare/suites/cells.toml), so the recipe that starts Keras like those starts it like these.

_BLOCK_LSTM_CONFIG = dict(
    _TF1_CONFIG,
    recurrent_activation=Fixed("sigmoid"),
    activation=Fixed("tanh"),
    unit_forget_bias=Fixed(False),
    num_proj=Fixed(None),
)
_BLOCK_LSTM_VARIABLES = (
    Variable("kernel", "fused", ("input", "cell", "forget", "output")),  # op: [i | ci | f | o]
    Variable("bias", "vector", ("input", "cell", "forget", "output")),
    Variable("w_i_diag", "diag", ("input",), "peephole", ("peepholes",)),
    Variable("w_f_diag", "diag", ("forget",), "peephole", ("peepholes",)),
    Variable("w_o_diag", "diag", ("output",), "peephole", ("peepholes",)),
)

register(
    Family(
        # LSTMBlockFusedCell is not an RNNCell (it runs time-major over the whole sequence) but stores the
        # same variables and runs the same op per step.
        name="tf1_lstm_block",
        cell="lstm",
        framework="tf1",
        classes=("LSTMBlockCell", "LSTMBlockFusedCell"),
        anchor="kernel",
        variables=_BLOCK_LSTM_VARIABLES,
        options=frozenset({"peepholes"}),
        always_bias=True,
        runtime_forget_bias=True,
        stacks_per_direction=True,
        initialized_as="tf1_lstm",
        class_ops=(
            ("LSTMBlockCell", "LSTMBlockCell"),
            ("LSTMBlockFusedCell", "BlockLSTM"),
            ("LSTMBlockFusedCell", "BlockLSTMV2"),
        ),
        # TF 1.1's block cells name them weights / biases (read off real TF 1.1 checkpoints:
        # tests/frameworks/test_inspect.py)
        legacy_names=_TF1_LEGACY,
        config=dict(
            _BLOCK_LSTM_CONFIG,
            forget_bias=Read("forget_bias"),
            use_peepholes=Read("use_peephole", False),
            cell_clip=Read("cell_clip"),
        ),
    )
)

register(
    Family(
        # an LSTMBlockCell built with forget_bias=0, no clip, no peepholes: cuDNN's LSTM on a CPU
        name="tf1_cudnn_compatible_lstm",
        cell="lstm",
        framework="tf1",
        classes=("CudnnCompatibleLSTMCell",),
        anchor="kernel",
        variables=_BLOCK_LSTM_VARIABLES[:2],
        always_bias=True,
        runtime_forget_bias=True,
        stacks_per_direction=True,
        class_ops=(("CudnnCompatibleLSTMCell", "LSTMBlockCell"),),
        config=dict(_BLOCK_LSTM_CONFIG, forget_bias=Fixed(0.0), use_peepholes=Fixed(False), cell_clip=Fixed(None)),
    )
)

register(
    Family(
        name="tf1_gru_block",
        cell="gru",
        framework="tf1",
        classes=("GRUBlockCellV2", "GRUBlockCell"),
        anchor="gates/kernel",
        variables=_TF1_GRU_VARIABLES,
        always_bias=True,
        stacks_per_direction=True,
        # the GRUBlockCell op: tanh, not configurable
        config=dict(_TF1_CONFIG, activation=Fixed("tanh")),
        initialized_as="tf1_gru",
        class_ops=(("GRUBlockCellV2", "GRUBlockCell"), ("GRUBlockCell", "GRUBlockCell")),
    )
)

register(
    Family(
        # the candidate keeps separate input and hidden projections: tanh(x Wx + bx + r * (h Wh + bh))
        name="tf1_cudnn_compatible_gru",
        cell="gru",
        framework="tf1",
        classes=("CudnnCompatibleGRUCell",),
        anchor="gates/kernel",
        variables=(
            Variable("gates/kernel", "fused", ("reset", "update")),
            Variable("gates/bias", "vector", ("reset", "update")),
            Variable("candidate/input_projection/kernel", "input", ("candidate",)),
            Variable("candidate/hidden_projection/kernel", "recurrent", ("candidate",)),
            Variable("candidate/input_projection/bias", "vector", ("candidate",)),
            Variable("candidate/hidden_projection/bias", "vector", ("candidate",), "recurrent_bias"),
        ),
        always_bias=True,
        reset_scaled=("candidate",),
        stacks_per_direction=True,
        config=dict(_TF1_CONFIG, reset_after=Fixed(True)),
    )
)

_LN_GATES = (("input", "input"), ("transform", "cell"), ("forget", "forget"), ("output", "output"))  # scope, gate

register(
    Family(
        # call: [i | j | f | o] = [x; h] @ kernel (+ bias only without layer_norm); each gate's pre-activation,
        # then the new cell state, normalised over units and scaled by its gamma, shifted by its beta; the
        # run-time forget_bias is added to the normalised forget gate
        name="tf1_layer_norm_lstm",
        cell="lstm",
        framework="tf1",
        classes=("LayerNormBasicLSTMCell",),
        anchor="kernel",
        variables=(
            (
                Variable("kernel", "fused", ("input", "cell", "forget", "output")),
                Variable("bias", "vector", ("input", "cell", "forget", "output"), "bias", ("!layer_norm",)),
            )
            + tuple(
                Variable(f"{scope}/{name}", "diag", (gate,), part, ("layer_norm",))
                for scope, gate in _LN_GATES + (("state", STATE),)
                for name, part in (("gamma", "gain"), ("beta", "shift"))
            )
        ),
        options=frozenset({"layer_norm"}),
        runtime_forget_bias=True,
        stacks_per_direction=True,
        config=dict(
            _TF1_CONFIG,
            forget_bias=Read("forget_bias"),
            unit_forget_bias=Fixed(False),
            use_peepholes=Fixed(False),
            num_proj=Fixed(None),
            cell_clip=Fixed(None),
            layer_norm=Read("layer_norm", True),
        ),
        legacy_names=_TF1_LEGACY,
    )
)

_CUDNN_OPAQUE = (Variable("opaque_kernel", "opaque"),)
register(
    Family(
        name="tf1_cudnn_lstm",
        cell="lstm",
        framework="tf1",
        classes=("CudnnLSTM",),
        anchor="opaque_kernel",
        variables=_CUDNN_OPAQUE,
        needs_gpu=True,
    )
)
register(
    Family(
        name="tf1_cudnn_gru",
        cell="gru",
        framework="tf1",
        classes=("CudnnGRU",),
        anchor="opaque_kernel",
        variables=_CUDNN_OPAQUE,
        needs_gpu=True,
    )
)

# Keras's CuDNNGRU / CuDNNLSTM: Keras gate order, and one flat bias [input biases | recurrent biases]
# (their call hands cuDNN bias[:3u] as the input and bias[3u:] as the recurrent biases). Their call also
# hands each gate's kernel slice to cuDNN flattened as it is, and cuDNN reads the flat buffer as a
# row-major (units, rows) matrix W computing W @ x: the gate's kernel in the x @ K sense is
# slice.reshape(units, rows).T (for the square recurrent slice, slice.T). Keras's own weight converter
# (hdf5_format._convert_rnn_weights) does the same; tests/frameworks/test_cells.py checks both agree.
_KERAS_CUDNN_CONFIG = dict(
    _KERAS_CONFIG, activation=Fixed("tanh"), recurrent_activation=Fixed("sigmoid"), use_bias=Fixed(True)
)

register(
    Family(
        name="keras_cudnn_gru",
        cell="gru",
        framework="keras",
        classes=("CuDNNGRU",),
        anchor="kernel",
        variables=(
            Variable("kernel", "input", _KERAS_GRU_GATES, cudnn_order=True),
            Variable("recurrent_kernel", "recurrent", _KERAS_GRU_GATES, cudnn_order=True),
            Variable("bias", "stacked", _KERAS_GRU_GATES),
        ),
        always_bias=True,
        reset_scaled=("candidate",),
        config=dict(_KERAS_CUDNN_CONFIG, reset_after=Fixed(True)),
        runs_on_gpu_only=True,
    )
)

register(
    Family(
        name="keras_cudnn_lstm",
        cell="lstm",
        framework="keras",
        classes=("CuDNNLSTM",),
        anchor="kernel",
        variables=(
            Variable("kernel", "input", _KERAS_LSTM_GATES, cudnn_order=True),
            Variable("recurrent_kernel", "recurrent", _KERAS_LSTM_GATES, cudnn_order=True),
            Variable("bias", "stacked", _KERAS_LSTM_GATES),
        ),
        always_bias=True,
        config=_KERAS_CUDNN_CONFIG,
        runs_on_gpu_only=True,
    )
)
