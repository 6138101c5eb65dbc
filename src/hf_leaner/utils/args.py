"""Command-line fields: ``arg()`` declares a dataclass field with everything its flag needs, and the value
checks a flag runs in the first second (before torch is imported, before anything is written).

    @dataclass
    class StatsArguments:
        files: list[str] = arg(default_factory=list, positional=True, nargs="*", value=existing_file,
                               help=".txt or .jsonl files")
        max_memory_mb: int = arg(4096, value=positive_int, help="memory for the n-gram tables")
        output_dir: str = arg("out", aliases=("--output",), value=writable_output, help="...")

``hf_leaner.cli.parser.LeanerParser`` (an ``HfArgumentParser``) reads the metadata: ``aliases`` (each also in its
``--a-b`` / ``--a_b`` twin), ``value`` (the checker that converts one command-line token; for a list field with
``nargs=None`` it parses one comma-separated token), ``positional``, and argparse's own ``choices``, ``nargs``,
``metavar``, ``required``, ``action``. From Python the fields are plain dataclass fields.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

SIZE_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KkMmBb]?)\s*")  # what models.presets.parse_size reads
_UNSET = object()


def arg(default=dataclasses.MISSING, help: str = "", *, aliases=(), value=None, positional: bool = False,
        choices=None, nargs=_UNSET, metavar=None, required: bool = False, action=None,
        default_factory=dataclasses.MISSING):
    """A dataclass field that is also a command-line flag (see the module docstring)."""
    metadata = {"help": help}
    if aliases:
        metadata["aliases"] = tuple(aliases)
    if value is not None:
        metadata["value"] = value
    if positional:
        metadata["positional"] = True
    if choices is not None:
        metadata["choices"] = choices
    if nargs is not _UNSET:
        metadata["nargs"] = nargs
    if metavar is not None:
        metadata["metavar"] = metavar
    if required:
        metadata["required"] = True
    if action is not None:  # e.g. "extend": a repeated flag adds to the list instead of replacing it
        metadata["action"] = action
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


# ------------------------------------------------------------------------------------------ value checks


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


MAX_EPOCHS = 1000  # more passes than this over a tiny corpus is a typo (1e30 ran silently for ever)
MAX_STEPS = 10_000_000  # optimizer steps of one run: weeks for a tiny model on a GPU; more is a typo, not a plan


def steps(text: str) -> int:
    value = positive_int(text)
    if value > MAX_STEPS:
        raise argparse.ArgumentTypeError(f"{text}: more than {MAX_STEPS:,} optimizer steps in one run")
    return value


def epochs(text: str) -> float:
    value = positive_float(text)
    if value > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"{text}: more than {MAX_EPOCHS:,} passes over the data; give a number of "
                                         "epochs up to that (or max_steps for a run counted in steps)")
    return value


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


def check_apart(output_dir: str, inputs, writes=(), flag: str = "--output_dir") -> None:
    """Refuse, before any work, an output folder that is (or lies inside) an input folder, or whose files would
    replace an input file: a command never writes over what it reads."""
    from hf_leaner.utils.errors import UsageError

    out = Path(output_dir).expanduser().resolve()
    for given in inputs:
        source = Path(given).expanduser() if given else None
        if source is None or not source.exists():
            continue
        source = source.resolve()
        if source.is_dir() and out.is_relative_to(source):
            raise UsageError(f"{flag} {output_dir}: {'is' if out == source else 'lies inside'} the input folder "
                             f"{given}, whose files it could replace; give a folder outside it")
        if source.is_file() and source in {out / name for name in writes}:
            raise UsageError(f"{flag} {output_dir}: would write {source.name} over the input {given}; give another "
                             "folder")


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
        repeated = next((v for i, v in enumerate(values) if v in values[:i]), None)
        if repeated is not None:  # a repeated seed would pass for a second sample (an interval of +/- 0)
            raise argparse.ArgumentTypeError(f"{text!r}: {repeated!r} is given twice")
        return values
    return parse


# the same token counts, checked the same way by every command that trains
vocab_size = at_least(300, "a byte-level BPE holds its 256 byte tokens and special tokens")
block_size = at_least(8, "tokens per training block")
