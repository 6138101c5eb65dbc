"""Reading ORIGINAL release documents as datatrove ``Document`` objects.

Each document carries what the rest of the pipeline (and the release layout it writes) needs:
``metadata["genre"]``, ``metadata["hash"]`` (sha256 of the original text, by the release's own rule per
genre, see :func:`hf_leaner.data.release.pretrain_example`), ``metadata["fields"]`` (the original record's
other fields, kept in the output as the release keeps them), and ``metadata["order"]`` (a stable position
used to write the output in input order whatever the number of workers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from hf_leaner.data.release import (GENRES, LeanerDataError, SourceFile, find_pretrain_files, iter_records,
                                    pretrain_example, release_root)


def record_fields(rec, genre: str) -> dict:
    """The original record's fields that stay beside the rewritten ``text`` (the release's leaner shape)."""
    if genre == "conversation":  # a bare string
        return {}
    if genre == "wiki":  # {"<idx>": "<title>\n<body>"} -> idx
        (idx,) = rec
        return {"idx": int(idx) if str(idx).isdigit() else idx}
    fields = dict(rec)
    if genre == "textbook":  # the lesson is simplified; its source passage is kept as "original text"
        fields.pop("textbook", None)
        fields["original text"] = fields.pop("text", "")
    elif genre in ("web", "book"):
        fields.pop("text", None)
    return fields


def shard_of(hash_hex: str, world_size: int) -> int:
    """The task a document belongs to: by its hash, so duplicates meet in one task and the split is stable."""
    return int(hash_hex[:15], 16) % world_size


class OriginalReader(PipelineStep):
    """ORIGINAL documents of one corpus size and split (``data/ori/...`` of a release copy).

    Every task reads the whole file list and keeps the documents whose hash falls to it, so one big shard is
    still spread over all tasks. A document seen before (same hash: the original shards repeat a few) is
    skipped: each source document enters the pipeline once. ``limit`` keeps the first N documents per genre.
    """

    name = "📖 ORIGINAL release"
    type = "📖 - READER"

    def __init__(self, data_dir: str | Path, size: str = "10M", split: str = "validation",
                 genres: tuple[str, ...] = GENRES, limit: int | None = None):
        super().__init__()
        self.data_dir, self.size, self.split = str(data_dir), size, split
        self.genres, self.limit = tuple(genres), limit

    def source_files(self) -> list[SourceFile]:
        files = find_pretrain_files(release_root(self.data_dir), "original", self.size, self.split, self.genres)
        if not files:
            raise LeanerDataError(f"{self.data_dir}: no ORIGINAL shards for {self.size} {self.split} "
                                  f"{', '.join(self.genres)} (looked under data/ori/)")
        return files

    def documents(self) -> Iterator[Document]:
        """All documents, once each, in file order (no task split)."""
        seen: set[str] = set()
        taken: dict[str, int] = {}
        for file_index, sf in enumerate(self.source_files()):
            for lineno, rec in iter_records(sf.path, name=sf.relative):
                if self.limit is not None and taken.get(sf.genre, 0) >= self.limit:
                    break
                ex = pretrain_example(rec, sf, lineno)
                if ex["hash"] in seen:
                    self.stat_update("duplicate_source_hash")
                    continue
                seen.add(ex["hash"])
                taken[sf.genre] = taken.get(sf.genre, 0) + 1
                yield Document(text=ex["text"], id=f"{sf.relative}:{lineno}", metadata={
                    "genre": sf.genre, "hash": ex["hash"], "fields": record_fields(rec, sf.genre),
                    "source": sf.relative, "folder": sf.folder, "split": sf.split, "shard": sf.shard,
                    "order": [file_index, lineno], "raw": rec if sf.genre in ("code", "math") else None})

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for doc in self.documents():
            if shard_of(doc.metadata["hash"], world_size) == rank:
                self.stat_update("documents")
                yield doc
