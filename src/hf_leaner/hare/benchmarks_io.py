"""Benchmark items as text segments: LEANER-GLUE / LEANER-Eval JSONL files, folders of them, or any
``datasets`` split (a saved folder or a Hub id)."""

from __future__ import annotations

from pathlib import Path

from ..utils.errors import LeanerDataError
from ..data.release import iter_records
from .ngram_index import Segment

# The text fields of the GLUE tasks (sentence / sentence1,2 / premise,hypothesis / question,sentence /
# question1,2), LEANER-Eval (question) and common QA sets; the first present ones are used.
TEXT_FIELDS = ("sentence", "sentence1", "sentence2", "premise", "hypothesis", "question", "question1", "question2",
               "passage", "context", "answer", "text")
JSON_SUFFIXES = (".jsonl", ".json", ".jsonl.zst", ".json.zst")


def _is_json(path: Path) -> bool:
    return path.name.endswith(JSON_SUFFIXES)


def _saved_dataset(path: Path) -> bool:
    return path.is_dir() and any((path / f).exists() for f in ("dataset_dict.json", "dataset_info.json", "state.json"))


def _stem(path: Path) -> str:
    name = path.name
    for suffix in JSON_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def record_segments(rec, name: str, where: str, item_id, fields) -> list[Segment]:
    if not isinstance(rec, dict):
        raise LeanerDataError(f"{where}: expected a JSON object for a benchmark item, got {type(rec).__name__}")
    use = [f for f in (fields or TEXT_FIELDS) if isinstance(rec.get(f), str)]
    if not use:
        wanted = ", ".join(fields or TEXT_FIELDS)
        raise LeanerDataError(f"{where}: no text field in this benchmark item (looked for {wanted}; fields "
                              f"present: {', '.join(sorted(rec)) or 'none'}); name them with --benchmark_fields")
    if fields is None and "text" in use and len(use) > 1:
        use.remove("text")
    item_id = rec.get("idx", rec.get("id", item_id))
    return [Segment(name, item_id, f, rec[f]) for f in use]


def file_segments(path: Path, fields=None) -> list[Segment]:
    segments = []
    for lineno, rec in iter_records(path):
        segments += record_segments(rec, _stem(path), f"{path}:{lineno}", lineno, fields)
    if not segments:
        raise LeanerDataError(f"{path}: benchmark file holds no items")
    return segments


def dataset_segments(spec: str, split: str | None, fields=None) -> list[Segment]:
    import datasets

    path = Path(spec).expanduser()
    if _saved_dataset(path):
        ds = datasets.load_from_disk(str(path))
    else:
        ds = datasets.load_dataset(spec, split=split)
    if isinstance(ds, datasets.DatasetDict):
        if split is None:
            parts = {f"{Path(spec).name}-{s}": d for s, d in ds.items()}
        elif split in ds:
            parts = {f"{Path(spec).name}-{split}": ds[split]}
        else:
            raise LeanerDataError(f"{spec}: no split {split!r} (it has {', '.join(ds)})")
    else:
        parts = {f"{Path(spec).name}-{split}" if split else Path(spec).name: ds}
    segments = []
    for name, d in parts.items():
        for i, rec in enumerate(d):
            segments += record_segments(rec, name, f"{spec} ({name}) row {i}", i, fields)
    return segments


def load_segments(spec: str, split: str | None = None, fields=None, control: bool = False) -> list[Segment]:
    """Segments of one ``--benchmark`` value: a JSONL file, a folder of JSONL files (each its own
    benchmark), a saved ``datasets`` folder or a Hub dataset id (with ``split``)."""
    path = Path(spec).expanduser()
    if path.is_file():
        if not _is_json(path):
            raise LeanerDataError(f"{spec}: a benchmark file must be .jsonl or .json (optionally .zst)")
        segments = file_segments(path, fields)
    elif path.is_dir() and not _saved_dataset(path) and any(_is_json(p) for p in path.iterdir()):
        segments = [s for p in sorted(path.iterdir()) if p.is_file() and _is_json(p) for s in file_segments(p, fields)]
    else:
        segments = dataset_segments(spec, split, fields)
    for s in segments:
        s.control = control
    return segments
