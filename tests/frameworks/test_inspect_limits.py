"""``inspect`` under hostile input, in the TF 1.x envs, on checkpoints real TensorFlow writes here:

* memory: a checkpoint holding a 400 MB embedding beside a small GRU is inspected within a small margin
  of the same model's memory without it (only the GRU's tensors are read in full; the embedding is checked
  by size), and a data file cut short is still refused;
* fuzz: the small checkpoint's ``.index`` or ``.meta`` with bytes flipped, cut or inserted, inspected by the
  entry the host runs, in a subprocess with a timeout: a valid inventory (exit 0) or one ``error:`` line
  (exit 2): no hang, no traceback, no crash signal (TF 1.15's graph import can SIGSEGV on a changed
  byte: the entry reads in a child process and reports that as one line).
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.checkpoints import build_two_networks

TF1_ENVS = ("tf11", "tf115")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MB = 1 << 20
BIG_ROWS, BIG_COLS = 100000, 1000  # 400 MB of float32
MEASURE = """
import sys
from backends.checkpoint import bundle
from backends.checkpoint.list_networks import inspect
found = inspect(sys.argv[1], None, False)
if sys.argv[2] == "all":
    listing = bundle.list_variables(found.checkpoint)
    bundle.check_data(found.checkpoint, listing, [v.name for v in listing.variables])
# VmHWM: this process's own peak (ru_maxrss would carry the forking test process's peak across exec)
with open("/proc/self/status") as status:
    print([line.split()[1] for line in status if line.startswith("VmHWM:")][0])
"""


@pytest.fixture(scope="module", autouse=True)
def _tf1_env(env_name):
    if env_name not in TF1_ENVS:
        pytest.skip("the test checkpoints are written by TensorFlow 1.x (envs {})".format(", ".join(TF1_ENVS)))


def _env():
    return dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="-1")


def _peak_mb(prefix, read="networks"):
    """Peak RSS (MB) of a fresh process inspecting ``prefix`` (``read="all"``: then every tensor too)."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, prefix, read], env=_env(), stdout=subprocess.PIPE, check=True, timeout=600
    )
    return int(done.stdout.decode().split()[-1]) / 1024.0


def _with_embedding(folder, rows, cols):
    """A GRU under ``encoder/rnn`` beside an embedding of rows x cols float32, saved by a Saver."""
    from backends import tfenv

    tf = tfenv.tensorflow()
    tf1 = tfenv.v1(tf)
    os.makedirs(folder)  # TF 1.1's Saver makes no folder
    graph = tf.Graph()
    with graph.as_default():
        tf1.get_variable("embedding", [rows, cols], initializer=tf1.zeros_initializer())
        with tf1.variable_scope("encoder"):
            inputs = tf1.placeholder(tf.float32, [None, None, 5])
            tf1.nn.dynamic_rnn(tfenv.rnn_cells(tf).GRUCell(4), inputs, dtype=tf.float32)
        saver = tf1.train.Saver()
        with tf1.Session(graph=graph) as session:
            session.run(tf1.global_variables_initializer())
            return saver.save(session, os.path.join(folder, "model.ckpt"), write_meta_graph=False)


def test_memory_is_bounded_by_the_rnn_not_the_checkpoint(tmp_path):
    """A 400 MB embedding adds under 60 MB to inspect's peak memory, where reading every tensor would add
    its 400 MB; the same file cut by one byte is refused by its size alone."""
    small = _with_embedding(str(tmp_path / "small"), 10, 10)
    big = _with_embedding(str(tmp_path / "big"), BIG_ROWS, BIG_COLS)
    base, bounded, everything = _peak_mb(small), _peak_mb(big), _peak_mb(big, "all")
    print(f"peak RSS: small {base:.0f} MB, 400 MB embedding {bounded:.0f} MB, reading every tensor {everything:.0f} MB")
    assert bounded - base < 60, (base, bounded)
    assert everything - bounded > 300, (bounded, everything)
    from backends.checkpoint.list_networks import inspect
    from compare.errors import UserError

    data = big + ".data-00000-of-00001"
    with open(data, "r+b") as handle:
        handle.truncate(os.path.getsize(data) - 1)
    with pytest.raises(UserError) as caught:
        inspect(big, None, False)
    assert "cannot read checkpoint" in caught.value.cause


@pytest.fixture(scope="module")
def small_checkpoint(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("fuzz-base"))
    prefix, _, _ = build_two_networks(folder)
    return prefix


MUTATION = st.tuples(
    st.sampled_from([".index", ".meta"]),
    st.sampled_from(["flip", "set", "cut", "insert"]),
    st.floats(0.0, 1.0, exclude_max=True),
    st.integers(0, 255),
    st.binary(min_size=1, max_size=8),
)
EXAMPLES = int(os.environ.get("RNNCOMPARE_FUZZ_EXAMPLES", "8"))


def _mutate(blob, kind, where, byte, inserted):
    at = int(where * len(blob))
    if kind == "flip":
        return blob[:at] + bytes([blob[at] ^ (1 << (byte % 8))]) + blob[at + 1 :]
    if kind == "set":
        return blob[:at] + bytes([byte]) + blob[at + 1 :]
    if kind == "cut":
        return blob[:at]
    return blob[:at] + inserted + blob[at:]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(mutation=MUTATION)
def test_mutated_index_or_meta_gives_an_inventory_or_one_error_line(small_checkpoint, tmp_path_factory, mutation):
    which, kind, where, byte, inserted = mutation
    folder = str(tmp_path_factory.mktemp("fuzz"))
    base = os.path.basename(small_checkpoint)
    for name in os.listdir(os.path.dirname(small_checkpoint)):
        if name.startswith(base):
            shutil.copy(os.path.join(os.path.dirname(small_checkpoint), name), folder)
    target = os.path.join(folder, base + which)
    with open(target, "rb") as handle:
        blob = handle.read()
    with open(target, "wb") as handle:
        handle.write(_mutate(blob, kind, where, byte, inserted))
    out = os.path.join(folder, "inventory.json")
    command = [sys.executable, "-m", "backends.checkpoint.list_networks", os.path.join(folder, base), "--out", out]
    try:
        done = subprocess.run(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"inspect hung on {which} {kind} at {where:.3f}")
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    if done.returncode == 0:
        from compare.core import inventory

        with open(out, encoding="utf-8") as handle:
            assert inventory.from_dict(json.load(handle)).networks
        return
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert done.returncode == 2, (done.returncode, stderr[-2000:])
    assert lines[-1].startswith("error: ") and "(hint: " in lines[-1], lines[-1]
    assert not os.path.exists(out), "a refused inspect wrote its inventory"


def test_a_crash_of_the_reading_child_is_one_error_line(monkeypatch, capsys):
    """What the fuzz test saw TF 1.15 do (SIGSEGV importing a .meta with one byte changed), reported."""
    from backends.checkpoint import list_networks

    def crashed(command, **_):
        return subprocess.CompletedProcess(command, -11)

    monkeypatch.setattr(list_networks.subprocess, "run", crashed)
    assert list_networks.run_child(["model.ckpt", "--out", "x.json"], 5.0) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("error: TensorFlow crashed (SIGSEGV) reading the checkpoint model.ckpt") and "\n" not in line
