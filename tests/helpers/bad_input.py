"""Bad inputs of every kind, each with the words its one-line error must contain: scenario files
(``SCENARIO_CASES``), artifacts (``ARTIFACT_CASES``), CLI calls (``CLI_CASES``) and worker calls
(``WORKER_CASES``); :func:`assert_one_line` checks an ``error: CAUSE (hint: ...)`` line with exit code 2.
"""

import functools
import json
import shutil
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"


ARTIFACT = DATA / "tiny-tf115.json"  # a real tf115 worker run: scenarios g1 (GRU) and inf (Inf weights)


SCENARIO = """[[scenario]]
name = "a"
cell = "gru"
units = 4
input_dim = 3
seeds = 2
"""


def toml(extra="", **replace):
    text = SCENARIO
    for key, value in replace.items():
        text = text.replace(f"{key} = " + text.split(key + " = ")[1].split("\n")[0], value)
    return text + extra


def doc():
    return json.loads(ARTIFACT.read_text())


def put(folder, name, document=None, text=None, npz=True):
    """An artifact ``folder/name.json`` (+ the fixture's .npz unless ``npz`` is False)."""
    path = folder / (name + ".json")
    path.write_text(text if text is not None else json.dumps(document if document is not None else doc()))
    if npz:
        shutil.copy(str(ARTIFACT.with_suffix(".npz")), str(path.with_suffix(".npz")))
    return path


def blocker(tmp):
    """A path whose parent is a regular file: no folder can be made there, even as root."""
    wall = tmp / "wall"
    wall.write_text("a file, not a folder")
    return wall / "sub"


# ---------------------------------------------------------------- the table
def scenario_file(tmp, text):
    path = tmp / "s.toml"
    path.write_text(text)
    return str(path)


SCENARIO_CASES = {
    "malformed TOML": (toml("name = \n"), ["not valid TOML"]),
    "unknown top-level key": ("[[scenarios]]\nname = 'a'\n", ["unknown key 'scenarios'", "did you mean 'scenario'"]),
    "unknown scenario key": (toml("unts = 3\n"), ["unknown key 'unts'", "did you mean 'units'"]),
    "unknown [tf1] key": (
        toml("[scenario.tf1]\nscope_init = 'zeros'\n"),
        ["unknown key 'scope_init'", "did you mean 'scope_initializer'"],
    ),
    "unknown initializer": (
        toml("[scenario.keras]\nkernel_initializer = 'orthogonl'\n"),
        ["unknown initializer 'orthogonl'", "did you mean 'orthogonal'"],
    ),
    "unknown initializer parameter": (
        toml("[scenario.keras]\nkernel_initializer = { name = 'orthogonal', gian = 2.0 }\n"),
        ["unknown key 'gian'", "did you mean 'gain'"],
    ),
    "parameter of another initializer": (
        toml("[scenario.keras]\nbias_initializer = { name = 'zeros', value = 1.0 }\n"),
        ["unknown key 'value'"],
    ),
    "wrong type: units as text": (toml(units='units = "4"'), ["units must be a whole number", "'4'"]),
    "wrong type: bidirectional": (toml("bidirectional = 1\n"), ["bidirectional must be true or false"]),
    "wrong type: [keras] not a table": (toml("keras = 3\n"), ["expected a table"]),
    "wrong type: initializer parameter": (
        toml("[scenario.keras]\nkernel_initializer = { name = 'orthogonal', gain = 'big' }\n"),
        ["gain must be a finite number"],
    ),
    "non-positive units": (toml(units="units = 0"), ["units = 0 is out of range"]),
    "negative input_dim": (toml(input_dim="input_dim = -3"), ["input_dim = -3 is out of range"]),
    "absurd layers": (toml("layers = 100\n"), ["layers = 100 is out of range"]),
    "absurd seeds": (toml(seeds="seeds = 1000000"), ["seeds = 1000000 is out of range"]),
    "memory estimate": (
        toml(units="units = 4096", input_dim="input_dim = 8192", seeds="seeds = 64"),
        ["needs about", "GiB", "the limit is 4 GiB"],
    ),
    "time estimate": (
        toml(units="units = 4096", input_dim="input_dim = 4096", seeds="seeds = 1000"),
        ["would take about", " h per env", "the limit is 2.0 h per env"],
    ),
    "duplicate scenario names": (SCENARIO + SCENARIO, ["duplicate scenario name 'a'", "names must be unique"]),
    "invalid scenario name": (toml(name='name = "../a"'), ["is not a valid name"]),
    "Keras option of the other cell": (
        toml("[scenario.keras]\nlayer_kwargs = { unit_forget_bias = true }\n"),
        ["unknown key 'unit_forget_bias'", "an option of lstm", "reset_after"],
    ),
    "TF1 option of the other cell": (
        toml("[scenario.tf1]\ncell_kwargs = { forget_bias = 1.0 }\n"),
        ["unknown key 'forget_bias'", "LSTMCell", "kernel_initializer"],
    ),
    "TF1 cell class of the other cell": (
        toml("[scenario.tf1]\ncell_class = 'LSTMCell'\n"),
        ["cell_class = 'LSTMCell' is not one of GRUCell"],
    ),
}


def _artifact_cases():
    """name -> (make(tmp) -> [paths], words): two artifacts given to ``rnncompare diff``."""

    def pair(second):
        def make(tmp):
            return [str(put(tmp, "a")), str(second(tmp))]

        return make

    def edited(change, npz=True):
        def make(tmp):
            document = doc()
            change(document)
            return put(tmp, "b", document, npz=npz)

        return make

    def npz(arrays, **kwargs):
        def make(tmp):
            path = put(tmp, "b", npz=False)
            np.savez(str(path.with_suffix(".npz")), **arrays, **kwargs)
            return path

        return make

    def first_seed(drop=None, reshape=None):
        with np.load(str(ARTIFACT.with_suffix(".npz"))) as data:
            arrays = {k: data[k] for k in data.files}
        if drop:
            del arrays[drop]
        if reshape:
            arrays[reshape] = arrays[reshape].reshape(-1)
        return arrays

    def garbage(tmp):
        path = put(tmp, "b", npz=False)
        path.with_suffix(".npz").write_bytes(b"PK\x03\x04 not really a zip")
        return path

    def pickled(tmp):
        path = put(tmp, "b", npz=False)
        np.savez(str(path.with_suffix(".npz")), x=np.array([{"a": 1}], dtype=object))
        return path

    with np.load(str(ARTIFACT.with_suffix(".npz"))) as data:
        kernel = next(k for k in data.files if k.startswith("g1/tf1/") and k.endswith("gates/kernel"))
    text = ARTIFACT.read_text()
    route = ("scenarios", "g1", "routes", "keras")

    def at(document, path=route):
        for key in path:
            document = document[key]
        return document

    return {
        "truncated JSON": (pair(lambda t: put(t, "b", text=text[: len(text) // 2])), ["is not valid JSON"]),
        "invalid JSON": (pair(lambda t: put(t, "b", text="{'schema': 1}")), ["is not valid JSON"]),
        "NaN token in JSON": (
            pair(lambda t: put(t, "b", text=text.replace('"count": 12', '"count": NaN', 1))),
            ["is not valid JSON", "NaN is not JSON"],
        ),
        "not UTF-8": (pair(_binary), ["is not valid JSON"]),
        "wrong schema id": (
            pair(edited(lambda d: d.update(schema="rnncompare/report"))),
            ["is not an rnncompare artifact", "expected schema rnncompare/artifact"],
        ),
        "newer schema version": (
            pair(edited(lambda d: d.update(version=99))),
            ["schema version 99", "upgrade rnncompare"],
        ),
        "older schema version": (
            pair(edited(lambda d: d.update(version=0))),
            ["schema version 0", "re-run the worker"],
        ),
        "different spec_hash": (
            pair(edited(lambda d: d["scenarios"]["g1"].update(spec_hash="0" * 16))),
            ["scenario 'g1' has spec_hash", "not the same layer definition", "same scenario file"],
        ),
        "scenarios is a number": (pair(edited(lambda d: d.update(scenarios=3))), ["scenarios must be an object"]),
        "routes is a list": (
            pair(edited(lambda d: d["scenarios"]["g1"].update(routes=["keras"]))),
            ["scenarios.g1.routes must be an object"],
        ),
        "unknown route status": (
            pair(edited(lambda d: at(d).update(status="fine"))),
            ["routes.keras.status must be one of ok, unavailable, error"],
        ),
        "block stats missing": (
            pair(edited(lambda d: at(d)["blocks"]["l0/fw/update/kernel"].pop("stats"))),
            ["blocks.l0/fw/update/kernel.stats must be an object"],
        ),
        "stat of the wrong type": (
            pair(edited(lambda d: at(d)["blocks"]["l0/fw/update/kernel"]["stats"].update(std="wide"))),
            ["stats.std must be a number or null"],
        ),
        "shape of the wrong type": (
            pair(edited(lambda d: at(d)["blocks"]["l0/fw/update/kernel"].update(shape=3))),
            ["shape must be a list of sizes"],
        ),
        "sample with text": (
            pair(edited(lambda d: at(d)["blocks"]["l0/fw/update/kernel"]["stats"].update(sample=[1.0, "x"]))),
            ["sample must hold finite numbers only"],
        ),
        "spec units of the wrong type": (
            pair(edited(lambda d: d["scenarios"]["g1"]["spec"].update(units="4"))),
            ["spec.units must be a whole number"],
        ),
        ".npz lacks promised keys": (pair(npz(first_seed(drop=kernel))), ["lacks", "which its .json promises"]),
        ".npz shape differs": (pair(npz(first_seed(reshape=kernel))), ["has shape", "its .json says"]),
        ".npz damaged": (pair(garbage), ["cannot read", "b.npz", "damaged"]),
        ".npz needs pickles": (pair(pickled), ["cannot read", "b.npz", "pickle"]),
        "artifact missing": (
            lambda t: [str(put(t, "a")), str(t / "nowhere.json")],
            ["cannot read artifact", "nowhere.json"],
        ),
    }


def _binary(tmp):
    path = tmp / "b.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    return path


ARTIFACT_CASES = _artifact_cases()


def _cli_cases():
    """name -> (make(tmp) -> argv for compare.host.cli.main, words)."""

    def with_a(argv):
        return lambda tmp: [a.format(a=put(tmp, "a"), tmp=tmp, wall=blocker(tmp)) for a in argv]

    def folder_with(second):
        def make(tmp):
            folder = tmp / "arts"
            folder.mkdir()
            put(folder, "tf115")
            document = doc()
            second(document)
            put(folder, "tf215", document)
            return ["report", str(folder), "--out", str(tmp / "rep")]

        return make

    cases = {
        "validate: missing file": (lambda t: ["validate", str(t / "none.toml")], ["cannot read scenario file"]),
        "diff: --json unwritable": (
            with_a(["diff", "{a}", "{a}", "--json", "{wall}/d.json"]),
            ["cannot write --json", "pick a folder you can write to"],
        ),
        "diff: --json is a folder": (with_a(["diff", "{a}", "{a}", "--json", "{tmp}"]), ["is a folder, not a file"]),
        "diff: no such folder": (lambda t: ["diff", str(t / "none")], ["is not a folder"]),
        "diff: unknown route": (with_a(["diff", "{a}", "{a}", "--a-route", "tf2"]), ["has no route 'tf2'"]),
        "port: --out unwritable": (
            with_a(["port", "{a}:tf1", "{a}:keras", "--out", "{wall}/w.npz"]),
            ["cannot write --out"],
        ),
        "port: --out not .npz": (
            with_a(["port", "{a}:tf1", "{a}:keras", "--out", "{tmp}/w.json"]),
            ["must end in .npz"],
        ),
        "port: no route named": (
            with_a(["port", "{a}", "{a}:keras", "--out", "{tmp}/w.npz"]),
            ["does not name a route"],
        ),
        "report: --out unwritable": (
            lambda t: ["report", str(put(t, "a").parent), "--out", str(blocker(t))],
            ["cannot write report file"],
        ),
        "report: damaged artifact in the folder": (
            folder_with(lambda d: d.update(scenarios=[])),
            ["tf215.json", "scenarios must be an object"],
        ),
        "convert: not a Keras env": (
            with_a(["convert", "{tmp}/model.ckpt-1", "--env", "tf115", "--out", "{tmp}/k"]),
            ["--env tf115 is not a Keras env", "tf215, tf221, tf221-legacy"],
        ),
        "convert: --out holds files": (
            with_a(["convert", "{tmp}/model.ckpt-1", "--env", "tf215", "--out", "{tmp}"]),
            ["already exists and is not an empty folder"],
        ),
        "convert: --out's folder missing": (
            with_a(["convert", "{tmp}/model.ckpt-1", "--env", "tf215", "--out", "{tmp}/none/k"]),
            ["does not exist"],
        ),
        "argparse: missing argument": (lambda _t: ["diff"], ["the following arguments are required"]),
        "argparse: unknown option": (lambda _t: ["validate", "--nope"], ["unrecognized arguments: --nope"]),
    }
    for name, (text, words) in SCENARIO_CASES.items():
        cases["validate: " + name] = (functools.partial(_validate_argv, text), words)
    for name, (make, words) in ARTIFACT_CASES.items():
        cases["diff: " + name] = (functools.partial(_diff_argv, make), words)
    return cases


def _validate_argv(text, tmp):
    return ["validate", scenario_file(tmp, text)]


def _diff_argv(make, tmp):
    return ["diff"] + make(tmp)


def _worker_argv(text, tmp, _monkeypatch):
    return ["--scenarios", scenario_file(tmp, text), "--out", str(tmp / "o.json")]


CLI_CASES = _cli_cases()


def _worker_cases():
    """name -> (make(tmp, monkeypatch) -> argv for backends.worker.main, words)."""

    def plain(argv):
        return lambda tmp, _mp: [a.format(tmp=tmp, wall=blocker(tmp)) for a in argv]

    def bad_env(tmp, monkeypatch):
        monkeypatch.setenv("RNNCOMPARE_ENV", "../../etc/x")
        monkeypatch.chdir(tmp)
        return []

    def weights(content):
        def make(tmp, _mp):
            path = tmp / "w.npz"
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                np.savez(str(path), **content)
            return ["--weights", str(path), "--out", str(tmp / "o.json")]

        return make

    cases = {
        "--out unwritable": (plain(["--out", "{wall}/o.json"]), ["cannot write --out", "pick a folder"]),
        "--out is a folder": (plain(["--out", "{tmp}"]), ["is a folder, not a file"]),
        "--out not .json": (plain(["--out", "{tmp}/o.npz"]), ["must end in .json"]),
        "env name that would escape": (bad_env, ["RNNCOMPARE_ENV '../../etc/x' is not a valid env name"]),
        "unknown route": (plain(["--routes", "tf1,kears", "--out", "{tmp}/o.json"]), ["unknown route 'kears'"]),
        "unknown --only": (plain(["--only", "nope", "--out", "{tmp}/o.json"]), ["no scenario named 'nope'"]),
        "weights damaged": (weights(b"not a zip"), ["cannot read weights"]),
        "weights with bad keys": (weights({"x": np.zeros(2)}), ["unexpected key 'x'"]),
        "argparse: unknown option": (plain(["--nope"]), ["unrecognized arguments: --nope"]),
    }
    for name, (text, words) in SCENARIO_CASES.items():
        cases["scenarios: " + name] = (functools.partial(_worker_argv, text), words)
    return cases


WORKER_CASES = _worker_cases()


# ---------------------------------------------------------------- the assertions
def assert_one_line(code, err, words):
    lines = err.strip("\n").splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "(hint: " in lines[0], lines[0]
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])
