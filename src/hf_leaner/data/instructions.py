"""Instruction records, from wherever they come: the one loader every command uses.

A record is ``{instruction, input, output, hash}`` (``input`` may be empty). Sources:

- a TinyHelen release folder: ``data/leaner/instruction*.jsonl`` (the release's own file; split by position:
  train ``[:98%]``, validation ``[98%:99%]``, test ``[99%:]``, see :func:`release_split`) or our older layout
  ``data/leaner/instruct/*.jsonl[.zst]`` (split named in the file name);
- a local ``.json`` / ``.jsonl[.zst]`` / ``.parquet`` file (alpaca-cleaned shape, or chat ``messages``);
- a ``datasets`` id (e.g. ``yahma/alpaca-cleaned``) or a folder ``datasets`` can load.

The training text is the release's template (:func:`render_text`); the prompt is everything up to and
including ``### RESPONSE:\\n``, so a model's answer is whatever follows it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

from hf_leaner.utils.errors import LeanerDataError, MissingSourceError
from .release import iter_records

RESPONSE_MARK = "### RESPONSE:\n"
SPLITS = ("train", "validation", "test")


def render_prompt(instruction: str, input_text: str = "") -> str:
    """``### TASK INPUT:\\n{instruction}[\\n{input}]\\n\\n### RESPONSE:\\n`` (the release's template)."""
    body = instruction.strip() + (f"\n{input_text.strip()}" if input_text and input_text.strip() else "")
    return f"### TASK INPUT:\n{body}\n\n{RESPONSE_MARK}"


def render_text(instruction: str, input_text: str, output: str) -> str:
    return render_prompt(instruction, input_text) + output.strip()


def answer_after_prompt(generated: str) -> str:
    """The answer in a generated text: what follows the last response mark, cut at a new task."""
    answer = generated.rsplit(RESPONSE_MARK.strip(), 1)[-1] if RESPONSE_MARK.strip() in generated else generated
    return answer.split("### TASK INPUT:", 1)[0].strip()


def record_hash(instruction: str, input_text: str, output: str) -> str:
    return hashlib.sha256(json.dumps([instruction, input_text, output]).encode("utf-8")).hexdigest()


def normalize_record(rec, where: str) -> dict:
    """One source record as ``{instruction, input, output, hash}``, or a LeanerDataError naming ``where``."""
    if not isinstance(rec, dict):
        raise LeanerDataError(f"{where}: an instruction record is a JSON object with instruction/input/output "
                              f"(or chat 'messages'), got {type(rec).__name__}")
    if "instruction" not in rec and isinstance(rec.get("messages"), list):
        rec = _from_messages(rec["messages"], where)
    for name in ("instruction", "output"):
        if not isinstance(rec.get(name), str) or not rec[name].strip():
            raise LeanerDataError(f"{where}: field '{name}' is missing or not a non-empty string; an instruction "
                                  "record is {instruction, input, output} or {messages: [user, assistant]}")
    input_text = rec.get("input") or ""
    if not isinstance(input_text, str):
        raise LeanerDataError(f"{where}: field 'input' should be a string (or empty)")
    digest = rec.get("hash")
    if digest is not None and not isinstance(digest, str):
        raise LeanerDataError(f"{where}: field 'hash' should be a string")
    return {"instruction": rec["instruction"], "input": input_text, "output": rec["output"],
            "hash": digest or record_hash(rec["instruction"], input_text, rec["output"])}


def _from_messages(messages: list, where: str) -> dict:
    """The first user turn and the assistant turn after it (a system turn is put before the instruction)."""
    system, user = "", None
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str):
            raise LeanerDataError(f"{where}: field 'messages[{i}]' should be {{role, content}} with string content")
        if m.get("role") == "system" and user is None:
            system = m["content"].strip() + "\n"
        elif m.get("role") == "user" and user is None:
            user = m["content"]
        elif m.get("role") == "assistant" and user is not None:
            return {"instruction": system + user, "input": "", "output": m["content"]}
    raise LeanerDataError(f"{where}: field 'messages' has no user turn followed by an assistant turn")


def release_split(n: int, split: str) -> tuple[int, int]:
    """Row range of ``split`` in the release's instruction file of ``n`` rows.

    The release says train ``[:99%]``, validation ``[98%:99%]``, test ``[99%:]``: its validation overlaps its
    train. We keep its validation and test rows as they are and take the validation rows out of train, so
    train is ``[:98%]``: nothing is validated on what was trained on. On a tiny file each of validation and
    test keeps at least one row (when there are three or more).
    """
    cut99 = min(round(n * 0.99), n - 1) if n >= 3 else n
    cut98 = min(round(n * 0.98), cut99 - 1) if n >= 3 else n
    return {"train": (0, cut98), "validation": (cut98, cut99), "test": (cut99, n)}[split]


def release_files(root: Path) -> list[Path]:
    folder = root / "data" / "leaner"
    return sorted(p for p in folder.glob("instruction*") if p.name.endswith((".jsonl", ".jsonl.zst")))


def ours_files(root: Path) -> list[Path]:
    folder = root / "data" / "leaner" / "instruct"
    return sorted(p for p in folder.glob("*") if p.name.endswith((".jsonl", ".jsonl.zst"))) if folder.is_dir() else []


def split_of_name(name: str) -> str:
    return next((s for s in ("validation", "test", "train") if s in name), "train")


def iter_release(root: Path, split: str):
    """(where, record) of ``split`` from a release folder: the release's file first, else our older layout."""
    files = release_files(root)
    if files:
        rows = [(f"{path}:{lineno}", rec) for path in files for lineno, rec in iter_records(path)]
        start, stop = release_split(len(rows), split)
        yield from rows[start:stop]
        return
    files = ours_files(root)
    if not files:
        raise MissingSourceError(f"{root / 'data' / 'leaner'}: no instruction file (expected the release's "
                                 "instruction0000.jsonl, or instruct/*.jsonl with instruction/input/output records)")
    for path in files:
        if split_of_name(path.name) == split:
            for lineno, rec in iter_records(path):
                yield f"{path}:{lineno}", rec


def _iter_file(path: Path):
    if path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            rows = pq.read_table(path).to_pylist()
        except Exception as exc:
            raise LeanerDataError(f"{path}: not a readable Parquet file ({exc})") from None
        for i, rec in enumerate(rows, 1):
            yield f"{path}:row {i}", rec
    else:  # .jsonl[.zst] line by line, .json[.zst] as one array (alpaca-cleaned's own file)
        for lineno, rec in iter_records(path):
            yield f"{path}:{lineno}", rec


def load_instruction_records(source: str | os.PathLike, split: str = "train", limit: int | None = None) -> list[dict]:
    """Instruction records of ``split`` from a release folder, a local file or a ``datasets`` id.

    A local file or a ``datasets`` dataset without that split is all ``train``; asking it for ``validation``
    or ``test`` returns its last 1% (at least one row) and ``train`` the rest, so they never overlap.
    """
    if split not in SPLITS:
        raise LeanerDataError(f"split {split!r}: choose one of {', '.join(SPLITS)}")
    path = Path(source).expanduser()
    if path.is_dir() and (path / "data" / "leaner").is_dir():
        pairs = iter_release(path, split)
    elif path.is_file():
        pairs = _whole_source_split(list(_iter_file(path)), split)
    else:
        pairs = _whole_source_split(_iter_datasets(str(source)), split)
    records = []
    for where, rec in pairs:
        records.append(normalize_record(rec, where))
        if limit and len(records) >= limit:
            break
    if not records:
        raise LeanerDataError(f"{source}: no instruction records in split {split!r}")
    return records


def _whole_source_split(pairs, split: str):
    """A source with no splits of its own: validation/test are its last 1% (one row at least), train the rest."""
    pairs = list(pairs)
    n = len(pairs)
    held = max(1, math.ceil(n * 0.01)) if n >= 3 else 0
    if split == "train":
        return pairs[: n - 2 * held]
    if split == "validation":
        return pairs[n - 2 * held: n - held]
    return pairs[n - held:]


def _iter_datasets(name: str):
    import datasets

    if os.path.sep in name and not Path(name).exists():
        raise LeanerDataError(f"{name}: no such file or folder (instructions come from a release folder, a "
                              ".json/.jsonl/.parquet file or a datasets id)")
    try:
        ds = datasets.load_dataset(name, split="train")
    except Exception as exc:  # an unknown id or no network: one line, not a traceback
        raise LeanerDataError(f"{name}: cannot load as a datasets id ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    for i, rec in enumerate(ds):
        yield f"{name}:row {i}", rec


def prompt_completion_rows(records: list[dict], eos_token: str) -> list[dict]:
    """trl's prompt/completion rows; the completion ends in EOS so a tuned model learns to stop."""
    return [{"prompt": render_prompt(r["instruction"], r["input"]), "completion": r["output"].strip() + eos_token}
            for r in records]
