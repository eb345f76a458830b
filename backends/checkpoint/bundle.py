"""A checkpoint's files (``PREFIX.index`` + ``PREFIX.data-*``), read with TensorFlow's own reader.

* :func:`resolve` turns CHECKPOINT (a prefix, or a folder with a ``checkpoint`` file) into the prefix;
* :func:`list_variables` lists every variable (name, shape, dtype) from the index alone, naming each as
  the model named it: a ``tf.train.Saver`` checkpoint's keys are those names; an object-based one
  (``tf.train.Checkpoint``, keys ``model/layer/.ATTRIBUTES/VARIABLE_VALUE``) says them in its
  ``_CHECKPOINTABLE_OBJECT_GRAPH`` (each variable's ``full_name``, each optimizer slot's variable);
* :func:`check_data` reads in full only the tensors the networks need (TensorFlow checks each one's
  checksum) and checks the rest by size: the data files must hold every tensor's bytes. A truncated file
  is refused, and memory stays bounded by the RNN variables, not by a gigabyte embedding beside them.

Every refusal is a :class:`compare.errors.UserError` (one line: cause and hint).
"""

import glob
import os
import re
from collections import namedtuple
from typing import Any, Dict, Sequence

import numpy as np

from backends import tfenv
from compare.core.cell_scopes import Stored
from compare.errors import UserError

HINT = "give a checkpoint prefix (model.ckpt-1000, without .index) or a folder holding a 'checkpoint' file"
DAMAGED = "is it complete? a checkpoint is PREFIX.index plus PREFIX.data-*; copy them again"
OBJECT_GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"
VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
# Bytes per element of the dtypes stored as fixed-size elements; strings and resources vary in size.
ITEM_BYTES = {
    "bool": 1,
    "int8": 1,
    "uint8": 1,
    "int16": 2,
    "uint16": 2,
    "float16": 2,
    "bfloat16": 2,
    "int32": 4,
    "uint32": 4,
    "float32": 4,
    "int64": 8,
    "uint64": 8,
    "float64": 8,
    "complex64": 8,
    "complex128": 16,
}
DEBUG_LINE = re.compile(r"^(?P<name>.*) \((?P<dtype>DT_[A-Z0-9_]+)\) \[[-0-9,]*\]$")

# variables: every variable (object-graph and bookkeeping entries left out), named as the model named
# them; keys: name -> checkpoint key where the two differ; source: "saver" or "object"; tensorflow: the
# version that read it.
Listing = namedtuple("Listing", "variables keys source tensorflow")


def resolve(checkpoint: str) -> str:
    """The checkpoint prefix of CHECKPOINT (a prefix, or a folder with a ``checkpoint`` file)."""
    tf1 = tfenv.v1(tfenv.tensorflow())
    if os.path.isdir(checkpoint):
        found = tf1.train.latest_checkpoint(checkpoint)
        if not found:
            raise UserError(f"{checkpoint} holds no 'checkpoint' file naming a checkpoint", HINT)
        checkpoint = found
    for suffix in (".index", ".meta", ".data-00000-of-00001"):
        if checkpoint.endswith(suffix):
            checkpoint = checkpoint[: -len(suffix)]
    if not (os.path.exists(checkpoint + ".index") or os.path.isfile(checkpoint)):
        raise UserError(f"no checkpoint at {checkpoint} (no {checkpoint}.index)", HINT)
    return checkpoint


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return "{}: {}".format(type(exc).__name__, text[0] if text else "")[:300]


def _reader(prefix: str) -> Any:
    try:
        return tfenv.v1(tfenv.tensorflow()).train.NewCheckpointReader(prefix)
    except Exception as exc:  # noqa: BLE001 - TensorFlow's reader says what is wrong; one line of it
        raise UserError(f"cannot read checkpoint {prefix}: {first_line(exc)}", DAMAGED) from None


def _dtypes(tf: Any, reader: Any) -> Dict[str, str]:
    """Every tensor's dtype name, from the index: TF 1.1's reader has no dtype map, but its debug string
    names each tensor's dtype (``name (DT_FLOAT) [9,8]``)."""
    if hasattr(reader, "get_variable_to_dtype_map"):
        return {name: tf.as_dtype(d).name for name, d in reader.get_variable_to_dtype_map().items()}
    from tensorflow.core.framework import types_pb2  # noqa: PLC0415 - TensorFlow loads lazily, here only

    found = {}
    text = reader.debug_string()
    for line in (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).splitlines():
        match = DEBUG_LINE.match(line)
        if match:
            found[match.group("name")] = tf.as_dtype(types_pb2.DataType.Value(match.group("dtype"))).name
    return found


def list_variables(prefix: str) -> Listing:
    """Every variable of the checkpoint at ``prefix`` (sorted by name), read from its index alone."""
    tf = tfenv.tensorflow()
    reader = _reader(prefix)
    try:
        shapes = reader.get_variable_to_shape_map()
        dtypes = _dtypes(tf, reader)
        names: Dict[str, str] = {key: key for key in shapes}
        source = "saver"
        if OBJECT_GRAPH in shapes:
            names = object_names(reader.get_tensor(OBJECT_GRAPH), shapes)
            source = "object"
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged index or object graph; one line of TensorFlow's words
        raise UserError(f"cannot read checkpoint {prefix}: {first_line(exc)}", DAMAGED) from None
    found = [
        Stored(name, tuple(int(d) for d in shapes[key]), dtypes.get(key, "unknown")) for key, name in names.items()
    ]
    keys = {name: key for key, name in names.items() if name != key}
    return Listing(sorted(found, key=lambda v: v.name), keys, source, tf.__version__)


def _object_graph(serialized: bytes) -> Any:
    try:
        from tensorflow.core.protobuf import trackable_object_graph_pb2 as proto  # noqa: PLC0415
    except ImportError:  # TF 1.11 - 1.13 call it checkpointable; TF 1.1 has none
        try:
            from tensorflow.core.protobuf import checkpointable_object_graph_pb2 as proto  # noqa: PLC0415
        except ImportError:
            raise UserError(
                "an object-based checkpoint (tf.train.Checkpoint): this TensorFlow cannot read its object graph",
                "inspect it in a newer env: --env tf115 (or the TF 2 env that wrote it, --env tf215)",
            ) from None
    graph = getattr(proto, "TrackableObjectGraph", None) or proto.CheckpointableObjectGraph
    parsed = graph()
    parsed.ParseFromString(serialized)
    return parsed


def object_names(serialized: bytes, shapes: Dict[str, Any]) -> Dict[str, str]:
    """checkpoint key -> the name its variable had in the model (``full_name``), from the object graph
    (``shapes``: checkpoint key -> shape); an optimizer slot is named ``VARIABLE/SLOT`` as a TF1 optimizer
    names it, an entry without a usable name keeps its key. The object graph itself is left out."""
    graph = _object_graph(serialized)
    full: Dict[int, str] = {}
    by_key: Dict[str, str] = {}
    for node_id, node in enumerate(graph.nodes):
        for attribute in node.attributes:
            if attribute.checkpoint_key.endswith(VALUE_SUFFIX) and attribute.full_name:
                full[node_id] = attribute.full_name
                by_key[attribute.checkpoint_key] = attribute.full_name
    for node in graph.nodes:
        for slot in node.slot_variables:
            owner = full.get(slot.original_variable_node_id)
            node_id = slot.slot_variable_node_id
            if owner and 0 <= node_id < len(graph.nodes):
                for attribute in graph.nodes[node_id].attributes:
                    by_key[attribute.checkpoint_key] = owner + "/" + slot.slot_name
    keys = sorted(shapes)
    listed = set(keys)
    _name_slots(by_key, shapes)
    taken: Dict[str, int] = {}
    for name in by_key.values():
        taken[name] = taken.get(name, 0) + 1
    names = {}
    for key in keys:
        if key == OBJECT_GRAPH:
            continue
        name = by_key.get(key, "")
        # two objects may share a full_name (two tf.Variable(name="v")): those keep their keys
        if not name or taken[name] > 1 or name in listed and name != key:
            name = key[: -len(VALUE_SUFFIX)] if key.endswith(VALUE_SUFFIX) else key
        names[key] = name
    return names


def _name_slots(by_key: Dict[str, str], shapes: Dict[str, Any]) -> None:
    """Rename in place the slots Keras 2.11+ optimizers track as plain variables (``Adam/m/encoder/kernel``,
    no slot record in the object graph) to ``encoder/kernel/Adam_m``: a name ending in another variable's
    name, with its shape, is that variable's slot."""
    shape_of = {name: list(shapes[key]) for key, name in by_key.items()}
    for key, name in list(by_key.items()):
        parts = name.split("/")
        for cut in range(1, len(parts)):
            owner = "/".join(parts[cut:])
            if owner in shape_of and shape_of[owner] == list(shapes[key]):
                by_key[key] = owner + "/" + "_".join(parts[:cut])
                break


def check_data(prefix: str, listing: Listing, needed: Sequence[str]) -> None:
    """UserError unless the data files hold every tensor: ``needed`` (variable names) are read in full,
    one at a time and dropped, so TensorFlow checks their checksums; the others only by size (the data
    files' bytes cover every fixed-size tensor), never loaded."""
    reader = _reader(prefix)
    try:
        for name in needed:
            value = np.asarray(reader.get_tensor(listing.keys.get(name, name)))
            del value
    except Exception as exc:  # noqa: BLE001 - TensorFlow's reader says what is wrong; one line of it
        raise UserError(f"cannot read checkpoint {prefix}: {first_line(exc)}", DAMAGED) from None
    expected = sum(
        int(np.prod(v.shape, dtype=np.int64)) * ITEM_BYTES[v.dtype] for v in listing.variables if v.dtype in ITEM_BYTES
    )
    shards = glob.glob(glob.escape(prefix) + ".data-*-of-*")
    held = sum(os.path.getsize(s) for s in shards)
    if held < expected:
        raise UserError(
            f"cannot read checkpoint {prefix}: its data files hold {held} bytes, its index lists {expected}",
            DAMAGED,
        )


def read_values(prefix: str, names: Sequence[str], keys: Dict[str, str]) -> Dict[str, np.ndarray]:
    """The arrays of variables ``names`` (``keys``: name -> checkpoint key where they differ)."""
    reader = _reader(prefix)
    values = {}
    for name in names:
        key = keys.get(name, name)
        if not reader.has_tensor(key):
            raise UserError(
                f"checkpoint {prefix} has no variable {key}",
                "the inventory was made of another checkpoint: run inspect again",
            )
        try:
            values[name] = np.asarray(reader.get_tensor(key))
        except Exception as exc:  # noqa: BLE001 - TensorFlow's refusal names what is wrong with the files
            raise UserError(
                f"cannot read checkpoint {prefix}: {first_line(exc)}",
                "give the prefix of a whole checkpoint (model.ckpt-N, without .index)",
            ) from None
    return values
