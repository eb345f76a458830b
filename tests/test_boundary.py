"""The in-env boundary: the modules the worker imports load on this env's Python and numpy (3.6 in
tf11) with the host-only libraries blocked, and without importing TensorFlow until a route runs."""
import subprocess
import sys

IN_ENV = ("backends.worker", "backends.tf1_route", "backends.keras_route", "backends.recipe_route",
          "backends.recipes", "compare.port", "compare.recipes")
HOST_ONLY = ("scipy", "rich", "matplotlib")

PROBE = """
import sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {host}:
            raise ImportError("host-only library imported in an env: " + name)

sys.meta_path.insert(0, Blocked())
for module in {modules}:
    __import__(module)
print("tensorflow" in sys.modules)
"""


def test_in_env_modules_import_without_host_libraries_or_tensorflow():
    code = PROBE.format(host=repr(set(HOST_ONLY)), modules=repr(IN_ENV))
    # Python 3.6 (tf11) has neither capture_output nor text.
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # noqa: UP022
                          universal_newlines=True, timeout=120)  # noqa: UP021
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
