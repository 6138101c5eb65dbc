"""The pieces every ``hf-leaner`` command shares: flags with one spelling per concept, checks that run in
the first second (before torch/transformers/datasets are imported, before anything is written), and
the one-line error report.

    flag(parser, "--output_dir", "--output", default="out")   # also --output-dir; dest "output_dir"
    parser.add_argument("--steps", type=positive_int)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from .utils.errors import LeanerDataError, UsageError
from .data.release import PRETRAIN_CONFIGS, SPLITS
from .models.presets import ARCHITECTURES


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line on stderr (exit 2), not usage + error."""

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


# ------------------------------------------------------------------------------------------ flags


def spellings(name: str) -> list[str]:
    """``--a_b`` -> ``["--a_b", "--a-b"]``: every multi-word flag takes both."""
    body = name[2:]
    return list(dict.fromkeys([name, "--" + body.replace("-", "_"), "--" + body.replace("_", "-")]))


def flag(parser: argparse.ArgumentParser, name: str, *aliases: str, **kwargs) -> argparse.Action:
    """Register ``name`` (canonical, sets ``dest``) with its dash/underscore twin and ``aliases`` (and theirs)."""
    options = [o for n in (name, *aliases) for o in spellings(n)]
    kwargs.setdefault("dest", name[2:].replace("-", "_"))
    return parser.add_argument(*dict.fromkeys(options), **kwargs)


# ------------------------------------------------------------------------------------------ value types


from .utils.args import (SIZE_RE, _number, at_least, byte_size, choice_list, csv_list, existing_dir,  # noqa: F401
                         existing_file, folder_or_hub_id, model_size, nonnegative_float, nonnegative_int, port,
                         positive_float, positive_int, release_dir, repo_id, writable_output)


def strategy_names() -> tuple[str, ...]:
    """The study's strategies, from their registry (a light module: no torch import on the command line)."""
    from .experiments.strategies import STRATEGIES

    return tuple(STRATEGIES)


# ------------------------------------------------------------------------------------------ reporting


def debug_requested(argv: list[str]) -> tuple[bool, list[str]]:
    """``--debug`` anywhere (removed from argv) or ``HF_LEANER_DEBUG=1``: show tracebacks."""
    debug = "--debug" in argv or os.environ.get("HF_LEANER_DEBUG", "") not in ("", "0")
    return debug, [a for a in argv if a != "--debug"]


def one_line(message: str) -> str:
    return re.sub(r"\s*\n\s*", "; ", str(message).strip()) or "(no message)"


def root_cause(exc: BaseException) -> BaseException:
    """``datasets`` wraps a builder's error in ``DatasetGenerationError``; the user needs the error inside."""
    while type(exc).__name__ == "DatasetGenerationError" and exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


INPUT_ERRORS = (LeanerDataError, ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
                PermissionError, UnicodeDecodeError)


def report(exc: BaseException) -> int:
    """Print the one-line error; 2 for a bad input or command line, 1 for a failure."""
    exc = root_cause(exc)
    if isinstance(exc, INPUT_ERRORS):
        print(f"hf-leaner: error: {one_line(exc)}", file=sys.stderr)
        return 2
    print(f"hf-leaner: error: {type(exc).__name__}: {one_line(exc)} (rerun with --debug for the traceback)",
          file=sys.stderr)
    return 1


def quiet_progress_when_logged() -> bool:
    """Progress bars only on a terminal: in a log they write thousands of frames. Returns whether on a TTY.
    Set before torch/datasets are imported, so every library reads it."""
    tty = sys.stderr.isatty()
    if not tty:
        for var in ("HF_DATASETS_DISABLE_PROGRESS_BARS", "HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE"):
            os.environ.setdefault(var, "1")
    return tty


def format_warning(message, category, filename, lineno, line=None) -> str:
    return f"hf-leaner: warning: {one_line(message)}\n"


__all__ = ["Parser", "UsageError", "flag", "spellings", "PRETRAIN_CONFIGS", "SPLITS"]
