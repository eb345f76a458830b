"""tox inline plugin of the checkout: the one rnncompare ships for its managed envs, ``compare/host/envs/toxfile.py``
(it lets tox find the Pythons pyenv installed but did not activate), loaded from there so both run the same code.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "rnncompare_envs_toxfile", Path(__file__).resolve().parent / "compare" / "host" / "envs" / "toxfile.py"
)
_plugin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_plugin)
tox_add_core_config = _plugin.tox_add_core_config
