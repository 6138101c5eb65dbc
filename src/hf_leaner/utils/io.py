"""Atomic writes: a file is either its old self or its new self, never half written (a killed run resumes); and
the digest of a model folder, which a stored result names so that it is never reused for other weights."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path


def write_atomic(path: str | Path, content: str | bytes | list[str]) -> None:
    """Write ``content`` (text, bytes, or lines joined with newlines) to ``path`` through a temporary file in the
    same folder, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, list):
        content = "".join(line if line.endswith("\n") else line + "\n" for line in content)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if isinstance(content, bytes):
        tmp.write_bytes(content)
    else:
        tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


WEIGHTS = ("*.safetensors", "pytorch_model*.bin")  # what holds a model's weights, in either format
WEIGHT_FILES = (*WEIGHTS, "config.json", "tokenizer.json", "tokenizer_config.json")


def weight_files(folder: Path) -> list[Path]:
    return sorted(p for pattern in WEIGHTS for p in Path(folder).glob(pattern) if p.is_file())


def model_digest(model: str | Path) -> str:
    """sha256 (16 hex) of a model folder's weights, config and tokenizer files: what a stored result was computed
    from, so a model retrained into the same folder is never taken for the old one. A Hub id: the id itself."""
    folder = Path(model)
    if not folder.is_dir():
        return str(model)
    files = sorted({p for pattern in WEIGHT_FILES for p in folder.glob(pattern) if p.is_file()})
    key = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _digest(str(folder.resolve()), key)


@functools.lru_cache(maxsize=16)
def _digest(folder: str, key: tuple) -> str:  # keyed by (name, size, mtime): hashed once per version of the files
    h = hashlib.sha256()
    for name, _, _ in key:
        h.update(name.encode() + b"\0")
        with open(Path(folder, name), "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()[:16]
