"""Small files the fault tests share: a suite of tiny scenarios, and the check that a folder holds no
temporary file left by an interrupted write.
"""

from pathlib import Path

TINY = """[[scenario]]
name = "{name}"
cell = "gru"
units = 2
input_dim = 3
seeds = 2
"""


def tiny(tmp, names=("s1", "s2", "s3")):
    path = tmp / "tiny.toml"
    path.write_text("\n".join(TINY.format(name=n) for n in names))
    return path


def no_temporaries(folder):
    return [p.name for p in Path(folder).rglob(".*.tmp")] == []
