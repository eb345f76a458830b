"""Host modules never import TensorFlow or Keras (each checked in a fresh interpreter)."""

from tests.helpers.boundary import TENSORFLOW, loaded_after_import, modules


def test_host_modules_never_import_tensorflow():
    loaded = loaded_after_import(modules("host"), TENSORFLOW)
    assert not {m.split(".")[0] for m in loaded} & set(TENSORFLOW)
    assert "scipy" in {m.split(".")[0] for m in loaded}  # the host side really was imported (the diff's tests)
