"""Every bad input through ``rnncompare VERB`` is one line on stderr, ``error: CAUSE (hint: ...)``, exit
code 2, no traceback; ``--debug`` shows the traceback; diff and report flag NaN / Inf blocks.
"""

import traceback

import pytest

from compare.errors import UserError
from tests.helpers.bad_input import CLI_CASES, SCENARIO, assert_one_line, doc, put, scenario_file


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_cli_bad_input_is_one_line_exit_2(name, tmp_path, capsys):
    from compare.host.cli import main

    make, words = CLI_CASES[name]
    argv = make(tmp_path)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    assert_one_line(code, capsys.readouterr().err, words)


def test_debug_shows_the_traceback(tmp_path):
    from compare.host.cli import main

    with pytest.raises(UserError) as info:
        main(["--debug", "validate", scenario_file(tmp_path, SCENARIO + SCENARIO)])
    assert "duplicate scenario name" in "".join(traceback.format_exception_only(info.type, info.value))


def test_diff_and_report_flag_nonfinite_blocks(tmp_path, capsys):
    from compare.host import diff
    from compare.host.cli import main

    other = doc()
    other["env"]["name"] = "other"
    result = diff.diff_paths(put(tmp_path, "a"), put(tmp_path, "b", other), "tf1", "keras")
    rows = [r for r in result.rows if r.scenario == "inf" and r.block == "l0/fw/update/kernel"]
    assert [x.code for x in rows[0].reasons] == ["nonfinite"] and rows[0].verdict == "differs"
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "rep")]) == 0
    assert "nonfinite" in (tmp_path / "rep" / "report.md").read_text()
    capsys.readouterr()
