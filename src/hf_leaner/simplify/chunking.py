"""Cutting documents into the pieces a rewrite sees: groups of whole sentences up to a token budget.

A chunk is a dict ``{"field", "kind", "text", "tail"}``: ``field`` is the output field it belongs to
(``text``, or ``prompt``/``response`` for code), ``kind`` is ``prose`` (rewritten), ``code`` (only its
comments may change) or ``keep`` (copied as is); ``tail`` is the whitespace that followed it, so joining
``text + tail`` over a field's chunks rebuilds the field exactly.
"""

from __future__ import annotations

import re

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from hf_leaner.data.text_units import sentence_spans

# Token budget per chunk and genre (about 4/3 tokens a word): long enough to keep context, short enough
# for a small model's window and a prompt + answer of a few hundred tokens.
TOKEN_BUDGET = {"web": 256, "book": 384, "wiki": 256, "textbook": 320, "conversation": 256, "code": 256,
                "instruction": 256}
DEFAULT_BUDGET = 256
_FENCE_RE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)


def approx_tokens(text: str) -> int:
    return (len(text.split()) * 4 + 2) // 3


def _split_tail(piece: str) -> tuple[str, str]:
    body = piece.rstrip()
    return body, piece[len(body):]


def sentence_groups(text: str, budget: int) -> list[str]:
    """Consecutive sentences of ``text`` grouped up to ``budget`` tokens (a longer sentence stays whole).

    The groups concatenate back to ``text`` exactly (the whitespace between sentences goes with the
    sentence before it; any leading text before the first sentence with the first group)."""
    spans = sentence_spans(text)
    if not spans:
        return [text] if text else []
    starts = [0] + [s for s, _ in spans[1:]]
    pieces = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    groups, current, used = [], "", 0
    for piece in pieces:
        cost = approx_tokens(piece)
        if current and used + cost > budget:
            groups.append(current)
            current, used = "", 0
        current += piece
        used += cost
    if current:
        groups.append(current)
    return groups


def prose_chunks(text: str, field: str, budget: int) -> list[dict]:
    chunks = []
    for group in sentence_groups(text, budget):
        body, tail = _split_tail(group)
        chunks.append({"field": field, "kind": "prose" if body.strip() else "keep", "text": body, "tail": tail})
    return chunks


def code_chunks(text: str, field: str, budget: int) -> list[dict]:
    """Markdown with fenced code: the prose around the fences is rewritten, a fence only in its comments."""
    chunks, pos = [], 0
    for m in _FENCE_RE.finditer(text):
        chunks += prose_chunks(text[pos:m.start()], field, budget)
        body, tail = _split_tail(text[m.start():m.end()])
        chunks.append({"field": field, "kind": "code", "text": body, "tail": tail})
        pos = m.end()
    return chunks + prose_chunks(text[pos:], field, budget)


def chunk_document(text: str, genre: str, raw: dict | None = None, budget: int | None = None) -> list[dict]:
    """The chunks of one document; ``raw`` is the original record (code: prompt and response separately)."""
    budget = budget or TOKEN_BUDGET.get(genre, DEFAULT_BUDGET)
    if genre == "math":  # selected by grade level, never rewritten
        return [{"field": "text", "kind": "keep", "text": text, "tail": ""}]
    if genre == "code" and raw is not None:
        return code_chunks(raw["prompt"], "prompt", budget) + code_chunks(raw["response"], "response", budget)
    return prose_chunks(text, "text", budget)


def join_chunks(chunks: list[dict], key: str = "text") -> dict[str, str]:
    """Field -> text, from the chunks' ``key`` (``text`` for the original, ``simple`` for the rewrite)."""
    fields: dict[str, str] = {}
    for c in chunks:
        fields[c["field"]] = fields.get(c["field"], "") + c[key] + c["tail"]
    return {k: v.strip() for k, v in fields.items()}


class ChunkStep(PipelineStep):
    """Adds ``metadata["chunks"]`` to each document (per-genre budgets, or one ``budget`` for all)."""

    name = "✂️ sentence groups"
    type = "✂️ - CHUNKER"

    def __init__(self, budget: int | None = None):
        super().__init__()
        self.budget = budget

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            with self.track_time():
                doc.metadata["chunks"] = chunk_document(doc.text, doc.metadata["genre"], doc.metadata.get("raw"),
                                                        self.budget)
            self.stat_update("chunks", value=len(doc.metadata["chunks"]))
            yield doc
