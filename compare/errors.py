"""The one error type users see: a cause and a hint, printed on one line, exit code 2."""

import argparse
import sys
from typing import NoReturn


class UserError(Exception):
    """Bad input (a scenario file, an artifact, a path): the user can fix it."""

    def __init__(self, cause: str, hint: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.hint = hint

    def one_line(self) -> str:
        text = "error: " + self.cause
        if self.hint:
            text += " (hint: " + self.hint + ")"
        return " ".join(text.split())


class ArgumentParser(argparse.ArgumentParser):
    """argparse with its usage errors printed as the same one line as every UserError (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        print(UserError(message, f"see {self.prog} --help").one_line(), file=sys.stderr)
        raise SystemExit(2)
