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

from .utils.errors import LeanerDataError
from .data.release import PRETRAIN_CONFIGS, SPLITS
ARCHITECTURES = ("llama", "bert", "xlnet", "mamba2")  # models.ARCHITECTURES; that module imports torch
SIZE_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KkMmBb]?)\s*")  # what models.parse_size reads


class UsageError(LeanerDataError):
    """A flag value or combination the command cannot work with (exit status 2)."""


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


def _number(kind, low, text: str, strict: bool):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
    if value != value or value in (float("inf"), float("-inf")) or (value <= low if strict else value < low):
        raise argparse.ArgumentTypeError(f"{text!r} must be {'>' if strict else '>='} {low}")
    return value


def positive_int(text: str) -> int:
    return _number(int, 0, text, strict=True)


def nonnegative_int(text: str) -> int:
    return _number(int, 0, text, strict=False)


def positive_float(text: str) -> float:
    return _number(float, 0.0, text, strict=True)


def nonnegative_float(text: str) -> float:
    return _number(float, 0.0, text, strict=False)


def port(text: str) -> int:
    value = _number(int, 0, text, strict=False)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (0-65535)")
    return value


def model_size(text: str) -> str:
    """A parameter count like ``1M``, ``500K``, ``14M`` (or ``paper``), checked without importing torch."""
    m = SIZE_RE.fullmatch(text.split("-", 1)[1] if text.lower().startswith("paper-") else text)
    if text.lower() != "paper" and (not m or float(m[1]) <= 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a model size; give a parameter count like 1M, 500K, "
                                         "14M, or 'paper'")
    return text


def repo_id(text: str, need_owner: bool = True) -> str:
    """``owner/name`` as the Hub accepts it (the local hub server enforces the same grammar)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id  # light: no torch, no datasets

    try:
        validate_repo_id(text)
        ok = ("/" in text or not need_owner) and "--" not in text and ".." not in text and not text.endswith(".git")
    except HFValidationError:
        ok = False
    if not ok:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Hub repo id; give owner/name with letters, digits, "
                                         "'-', '_' or '.'")
    return text


def at_least(low: int, why: str):
    def check(text: str) -> int:
        try:
            return _number(int, low, text, strict=False)
        except argparse.ArgumentTypeError as e:
            raise argparse.ArgumentTypeError(f"{e} ({why})") from None
    return check


def byte_size(text: str) -> str:
    """A shard size as ``datasets`` reads it: bytes, or a number with KB/MB/GB (KiB/MiB/GiB)."""
    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*([KMGT]i?B)?\s*", text, re.IGNORECASE) or not re.search(r"[1-9]", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; give bytes or a size like 500MB or 1GB")
    return text


def existing_dir(text: str) -> str:
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such folder")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a file, not a folder")
    return text


def release_dir(text: str) -> str:
    """A local copy of the release: a folder with ``data/`` inside."""
    existing_dir(text)
    if not (Path(text).expanduser() / "data").is_dir():
        raise argparse.ArgumentTypeError(f"{text}: not a TinyHelen release copy (no 'data/' folder inside)")
    return text


def existing_file(text: str) -> str:
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a folder, not a file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return text


def folder_or_hub_id(text: str) -> str:
    """A local folder, or else a Hub repo id (a path-looking value that does not exist is an error)."""
    if Path(text).expanduser().is_dir():
        return text
    if text.startswith((".", "/", "~")) or text.count("/") > 1 or Path(text).expanduser().exists():
        raise argparse.ArgumentTypeError(f"{text}: no such folder")
    try:
        return repo_id(text, need_owner=False)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text}: neither a local folder nor a Hub repo id") from None


def writable_output(text: str) -> str:
    """An output folder: it may exist, but not as a file."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: exists and is a file; give a folder")
    return text


def choice_list(choices, what: str):
    def check(text: str) -> str:
        if text not in choices:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {what}; choose from: {', '.join(choices)}")
        return text
    return check


def csv_list(kind, choices=None, what: str = "value"):
    """A comma-separated list (``1e-3,3e-4``), each item converted by ``kind`` and, with ``choices``, checked."""
    def parse(text: str) -> list:
        items = [x for x in text.replace(",", " ").split() if x]
        if not items:
            raise argparse.ArgumentTypeError(f"{text!r}: give a comma-separated list")
        try:
            values = [kind(x) for x in items]
        except (ValueError, argparse.ArgumentTypeError) as e:
            raise argparse.ArgumentTypeError(f"{text!r}: {e}") from None
        bad = [v for v in values if choices is not None and v not in choices]
        if bad:
            raise argparse.ArgumentTypeError(f"{bad[0]!r} is not a {what}; choose from: {', '.join(choices)}")
        return values
    return parse


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
