"""Judge a `tox -m test` run from its result JSON: every env must have run and passed.

pytest's exit code 5 (no tests collected) is reported as such and counts as a failure,
because every env of this project has tests; a missing env (e.g. no Python 3.6 for
tf11 or 3.7 for tf115) is a failure too, never a skip.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from compare.host.envs import matrix as toxini  # noqa: E402 - the checkout's own package, standard library only

REQUIRED = toxini.test_envs()


def main(path: str, tox_status: int) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            envs = json.load(handle)["testenvs"]
    except (OSError, ValueError, KeyError) as exc:
        print(f"ci: no tox result to judge ({exc}); tox exited {tox_status}")
        return tox_status or 1
    failed = []
    for name in REQUIRED:
        results = envs.get(name, {}).get("result", {})
        codes = [r.get("retcode") for r in envs.get(name, {}).get("test", [])]
        if not codes:
            failed.append("{}: did not run ({})".format(name, results.get("retcode", "missing")))
        elif 5 in codes:
            failed.append(f"{name}: pytest collected no tests (exit 5)")
        elif any(c != 0 for c in codes):
            failed.append(f"{name}: exit codes {codes}")
    for line in failed:
        print("ci: FAIL " + line)
    if not failed:
        print(f"ci: all {len(REQUIRED)} test envs ran and passed")
    return 1 if failed or tox_status else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
