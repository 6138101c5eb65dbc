"""Reading the TinyHelen release layout (Hub dataset ``EmpathYang/TinyHelen`` or any local copy).

The release is a folder of JSON Lines files whose shape depends on the genre and on whether the file
holds the LEANER (simplified) text or the ORIGINAL text::

    data/leaner/{10M,100M}/{train,validation,test}/<genre>NNNN.jsonl
    data/ori/{10M,100M}/{train,validation,test}/<genre>NNNN.jsonl[.zst]   (conversation: .json.zst array)
    data/leaner/glue/<task>_<split>.jsonl
    data/leaner/eval/<subset>.jsonl

Everything here streams: records are yielded one at a time, and every error names the file and the
line (or array element) it comes from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from hf_leaner.utils.errors import LeanerDataError, MissingSourceError, SourceWarning  # noqa: F401  (re-exported: their historic home)
from .streams import TruncatedStream, iter_lines, read_text

logger = logging.getLogger(__name__)

RELEASE_REPO = "EmpathYang/TinyHelen"
GENRES = ("web", "book", "wiki", "textbook", "conversation", "code", "math")
# The genres of natural prose the paper pretrains on; code and math are kept as their own configs.
NATURAL_GENRES = ("web", "book", "wiki", "textbook", "conversation")
SIZES = ("10M", "100M")
# the four corpora: the one place their names are spelled (the builders in dataset_scripts/ are keyed by them)
LEANER_PRETRAIN, LEANER_GLUE, LEANER_EVAL, LEANER_INSTRUCT = "leaner-pretrain", "leaner-glue", "leaner-eval", "leaner-instruct"
CORPORA = (LEANER_PRETRAIN, LEANER_GLUE, LEANER_EVAL, LEANER_INSTRUCT)
SPLITS = ("train", "validation", "test")
VARIANTS = ("leaner", "original")
# LEANER-Pretrain's config names, {variant}-{size}-{genre or "all"} (light to import: the CLI checks them)
PRETRAIN_CONFIGS = tuple(f"{v}-{s}-{g}" for v in VARIANTS for s in SIZES for g in ("all",) + GENRES)
_VARIANT_DIR = {"leaner": "leaner", "original": "ori"}
# The release's 100M corpus is its 10M folder plus its 100M folder.
_SIZE_FOLDERS = {"10M": ("10M",), "100M": ("10M", "100M")}
_SHARD_RE = re.compile(r"^(?P<genre>[a-z]+)(?P<shard>\d{4})\.(?P<ext>jsonl|jsonl\.zst|json|json\.zst)$")

# Templates that turn the structured genres into one training text. Kept short and plain on purpose:
# the model should learn the content, not a heavy markup.
CODE_TEMPLATE = "{prompt}\n\n{response}"
MATH_TEMPLATE = "Problem: {problem}\nSolution:\n{steps}"


@dataclass(frozen=True)
class SourceFile:
    """One shard of the release, with what its path says about it."""

    path: Path
    variant: str  # "leaner" or "original"
    folder: str  # "10M" or "100M" (the release folder, not the corpus size)
    split: str
    genre: str
    shard: int

    @property
    def display(self) -> str:
        return str(self.path)

    @property
    def relative(self) -> str:
        """The path inside the release (what a published card may name: no machine paths)."""
        return f"data/{_VARIANT_DIR[self.variant]}/{self.folder}/{self.split}/{self.path.name}"


# --------------------------------------------------------------------------------------------------
# Finding files


def release_root(data_dir: str | os.PathLike | None, allow_patterns: list[str] | None = None,
                 repo_id: str = RELEASE_REPO, revision: str | None = None) -> Path:
    """The local root of a release copy: ``data_dir`` itself, or a snapshot of the Hub dataset.

    Only the files matching ``allow_patterns`` are downloaded, so asking for one genre does not fetch
    the whole 100M corpus.
    """
    if data_dir is not None:
        root = Path(data_dir).expanduser()
        if not root.is_dir():
            raise LeanerDataError(f"data_dir {root}: no such folder")
        if not (root / "data").is_dir():
            raise LeanerDataError(
                f"data_dir {root}: not a TinyHelen release copy (expected a 'data/' folder with "
                "'leaner/' and 'ori/' inside, as in the Hub dataset EmpathYang/TinyHelen)")
        return root
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, repo_type="dataset", revision=revision,
                                      allow_patterns=allow_patterns))
    except LocalEntryNotFoundError:  # offline, or the Hub did not answer, and nothing cached
        raise LeanerDataError(f"no data folder given, so the Hub dataset {repo_id} is read, and it could not be: "
                              "offline (HF_HUB_OFFLINE) or unreachable, with no cached copy; give a release copy "
                              "with --data PATH") from None


def pretrain_patterns(variant: str, size: str, genres: tuple[str, ...]) -> list[str]:
    """Hub ``allow_patterns`` that cover the files of one pretraining config."""
    vdir = _VARIANT_DIR[variant]
    return [f"data/{vdir}/{folder}/*/{genre}*" for folder in _SIZE_FOLDERS[size] for genre in genres]


def find_pretrain_files(root: Path, variant: str, size: str, split: str,
                        genres: tuple[str, ...]) -> list[SourceFile]:
    """The shards of ``genres`` for one split of one corpus size, in a stable order."""
    _check_choice("variant", variant, VARIANTS)
    _check_choice("size", size, SIZES)
    found = []
    for folder in _SIZE_FOLDERS[size]:
        split_dir = root / "data" / _VARIANT_DIR[variant] / folder / split
        if not split_dir.is_dir():
            continue
        for path in sorted(split_dir.iterdir()):
            m = _SHARD_RE.match(path.name)
            if m and m["genre"] in genres:
                found.append(SourceFile(path, variant, folder, split, m["genre"], int(m["shard"])))
    order = {g: i for i, g in enumerate(genres)}
    return sorted(found, key=lambda f: (order[f.genre], f.folder, f.shard))


def available_pretrain(root: Path) -> dict[tuple[str, str, str], list[str]]:
    """What the copy holds: ``{(variant, size, split): [genres]}``, for error messages and the card."""
    out = {}
    for variant in VARIANTS:
        for size in SIZES:
            for split in SPLITS:
                genres = sorted({f.genre for f in find_pretrain_files(root, variant, size, split, GENRES)},
                                key=GENRES.index)
                if genres:
                    out[(variant, size, split)] = genres
    return out


def describe_available(root: Path) -> str:
    avail = available_pretrain(root)
    if not avail:
        return f"  (nothing: {root} has no data/leaner or data/ori shards)"
    return "\n".join(f"  {v}-{s} {sp}: {', '.join(g)}" for (v, s, sp), g in sorted(avail.items()))


def _check_choice(field: str, value: str, choices) -> None:
    if value not in choices:
        raise LeanerDataError(f"{field}={value!r} is not one of {', '.join(choices)}")


# --------------------------------------------------------------------------------------------------
# Reading records


def iter_records(path: str | os.PathLike, on_corrupt: str = "raise",
                 name: str | None = None) -> Iterator[tuple[int, object]]:
    """Yield ``(line_number, record)`` from a ``.jsonl``/``.json`` file, optionally zstd-compressed.

    ``.json`` files hold one JSON array; their "line number" is the 1-based element index.
    A malformed line raises :class:`LeanerDataError` naming file and line (``name``, default the path).
    A compressed stream that is cut short or corrupt raises too, unless ``on_corrupt="warn"``: then the
    complete lines read before the damage are kept (an incomplete last line is dropped) and a warning
    says how many, from which file.
    """
    path = Path(path)
    name = name or str(path)
    if on_corrupt not in ("raise", "warn"):
        raise LeanerDataError(f"on_corrupt={on_corrupt!r} is not one of raise, warn")
    if path.name.endswith((".json", ".json.zst")):
        yield from _iter_array(path, name)
        return
    try:
        for lineno, line in iter_lines(path, name):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise LeanerDataError(f"{name}:{lineno}: malformed JSON ({e.msg}, column {e.colno})") from None
            yield lineno, record
    except TruncatedStream as e:
        msg = f"{name}: compressed stream is corrupt or truncated after line {e.lines} ({e.why})"
        if on_corrupt == "raise":
            raise LeanerDataError(f"{msg}; use --on-corrupt warn (on_corrupt='warn') to keep its {e.lines:,} "
                                  "complete lines") from None
        dropped = f" and dropped an incomplete last line ({len(e.partial):,} bytes)" if e.partial else ""
        warnings.warn(f"{msg}; kept the {e.lines:,} complete lines before it{dropped}", SourceWarning, stacklevel=2)


def _iter_array(path: Path, name: str) -> Iterator[tuple[int, object]]:
    try:
        text = read_text(path, name)
    except TruncatedStream as e:
        raise LeanerDataError(f"{name}: compressed stream is corrupt or truncated ({e.why}); a JSON array "
                              "cannot be kept in part: restore the file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LeanerDataError(f"{name}:{e.lineno}: malformed JSON ({e.msg}, column {e.colno})") from None
    if not isinstance(data, list):
        raise LeanerDataError(f"{name}: expected a JSON array of records, found {type(data).__name__}")
    yield from enumerate(data, start=1)


def count_records(path: str | os.PathLike, on_corrupt: str = "raise") -> int:
    return sum(1 for _ in iter_records(path, on_corrupt=on_corrupt))


# --------------------------------------------------------------------------------------------------
# Record shapes -> training examples


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _field(rec: dict, name: str, where: str, genre: str, kind=str):
    if not isinstance(rec, dict):
        raise LeanerDataError(f"{where}: expected a JSON object for a {genre} record, got {type(rec).__name__}")
    if name not in rec:
        raise LeanerDataError(f"{where}: missing field '{name}' (a {genre} record needs it; "
                              f"fields present: {', '.join(sorted(rec)) or 'none'})")
    value = rec[name]
    if not isinstance(value, kind):
        raise LeanerDataError(f"{where}: field '{name}' should be {kind.__name__}, got {type(value).__name__}")
    return value


def render_code(prompt: str, response: str) -> str:
    return CODE_TEMPLATE.format(prompt=prompt.strip(), response=response.strip())


def render_math(problem: str, hints: list[str]) -> str:
    return MATH_TEMPLATE.format(problem=problem.strip(), steps="\n".join(h.strip() for h in hints))


def pretrain_example(rec, sf: SourceFile, lineno: int) -> dict:
    """One release record -> ``{text, genre, hash, doc_id}``.

    ``hash`` is the join key between the LEANER and ORIGINAL variant of a document: the sha256 of the
    original text. LEANER records carry it; for ORIGINAL records it is computed with the same rule the
    release used for that genre (checked on the release files: code hashes ``prompt + " " + response``,
    textbook hashes the lesson in the ``textbook`` field).
    """
    where = f"{sf.display}:{lineno}"
    g = sf.genre
    doc_id = None
    if g == "math":  # identical in both variants: structured problem + worked steps
        text = render_math(_field(rec, "problem", where, g), _field(rec, "hints", where, g, list))
        key = rec.get("hash") or sha256(text)
        doc_id = str(rec.get("problem_idx", "")) or None
    elif g == "code":
        prompt, response = _field(rec, "prompt", where, g), _field(rec, "response", where, g)
        text = render_code(prompt, response)
        key = _field(rec, "hash", where, g) if sf.variant == "leaner" else sha256(prompt + " " + response)
        doc_id = str(rec["idx"]) if "idx" in rec else None
    elif sf.variant == "leaner":
        text = _field(rec, "text", where, g)
        key = _field(rec, "hash", where, g)
        doc_id = str(rec["idx"]) if "idx" in rec else None
    elif g == "conversation":
        if not isinstance(rec, str):
            raise LeanerDataError(f"{where}: an original conversation record is a JSON string, got "
                                  f"{type(rec).__name__}")
        text, key = rec, sha256(rec)
    elif g == "wiki":  # {"<idx>": "<title>\n<body>"}
        if not isinstance(rec, dict) or len(rec) != 1:
            raise LeanerDataError(f"{where}: an original wiki record is one {{\"<idx>\": \"<title>\\n<body>\"}} "
                                  "pair")
        (doc_id, text), = rec.items()
        if not isinstance(text, str):
            raise LeanerDataError(f"{where}: wiki article {doc_id!r} should be a string")
        key = sha256(text)
    elif g == "textbook":
        text = _field(rec, "textbook", where, g)
        key = sha256(text)
        doc_id = str(rec["idx"]) if "idx" in rec else None
    else:  # web, book
        text = _field(rec, "text", where, g)
        key = sha256(text)
    return {"text": text, "genre": g, "hash": key, "doc_id": doc_id}


def iter_pretrain_examples(files: list[SourceFile], on_corrupt: str = "raise") -> Iterator[tuple[str, dict]]:
    """``(key, example)`` for every record of ``files``; keys are unique and stable (file:line)."""
    for sf in files:
        rows = 0
        for lineno, rec in iter_records(sf.path, on_corrupt=on_corrupt, name=sf.relative):
            rows += 1
            yield f"{sf.variant}/{sf.folder}/{sf.split}/{sf.path.name}:{lineno}", pretrain_example(rec, sf, lineno)
        if rows == 0:
            _report_empty(sf)


def paired_files(sf: SourceFile) -> list[SourceFile]:
    """The shards of the other variant (LEANER <-> ORIGINAL) for the same folder, split and genre."""
    root = sf.path.parents[4]  # ROOT/data/<variant>/<folder>/<split>/<file>
    other = "original" if sf.variant == "leaner" else "leaner"
    return [f for f in find_pretrain_files(root, other, "100M", sf.split, (sf.genre,)) if f.folder == sf.folder]


def _report_empty(sf: SourceFile) -> None:
    """An empty shard is fine alone, but not when the same documents have rows in the other variant."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a damaged paired file is reported when it is read itself
        full = [f for f in paired_files(sf) if next(iter_records(f.path, on_corrupt="warn"), None) is not None]
    if full:
        warnings.warn(f"{sf.relative}: no rows, but its paired {full[0].variant.upper()} file {full[0].relative} "
                      f"has rows: the {sf.variant} {sf.split} split misses those documents", SourceWarning,
                      stacklevel=2)


def fingerprint(paths: list[Path]) -> str:
    """A cheap identity of a set of source files (path, size, mtime) for caches and resumable builds."""
    h = hashlib.sha256()
    for p in sorted(paths):
        st = p.stat()
        h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]
