"""Atomic writes: a file is either its old self or its new self, never half written (a killed run resumes)."""

from __future__ import annotations

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
