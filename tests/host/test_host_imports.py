"""Host modules never import a framework: TensorFlow, Keras, PyTorch, JAX, Flax (each checked in a fresh interpreter)."""

from tests.helpers.boundary import FRAMEWORKS, loaded_after_import, modules


def test_host_modules_never_import_a_framework():
    loaded = loaded_after_import(modules("host"), FRAMEWORKS)
    assert not {m.split(".")[0] for m in loaded} & set(FRAMEWORKS)
    assert "scipy" in {m.split(".")[0] for m in loaded}  # the host side really was imported (the diff's tests)
