"""The datatrove steps of the simplification pipeline (Algorithm 1), each a small generator.

``OriginalReader -> SkipDone -> ChunkStep -> RewriteStep -> ValidateStep -> ResultWriter``; then
:func:`hf_leaner.simplify.release_writer.write_release` turns the per-document results into the release
layout. A backend is named by a spec ``(name, kwargs)`` and built once per worker process (clients and
models do not travel to workers; the spec does).
"""

from __future__ import annotations

import json
import re
import time
from functools import lru_cache
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from .backends import RewriteRequest, make_backend
from .chunking import join_chunks
from .rules import NameMap
from hf_leaner.data.embeddings import embedder

from .validate import ValidationConfig, check_chunk

# AMPS/Khan-style math domains above primary school: selected out, not rewritten
_ADVANCED_MATH = re.compile(r"polynomial|monomial|expression|equation|quadratic|logarithm|trigonometr|derivative|"
                            r"integral|matri|vector|complex|function|probability|limit|radical|exponent(?!s?-?$)",
                            re.I)


@lru_cache(maxsize=4)
def _backend(spec_json: str):
    name, kwargs = json.loads(spec_json)
    return make_backend(name, **kwargs)


def backend_from_spec(spec: tuple[str, dict]):
    return _backend(json.dumps(list(spec), sort_keys=True))


@lru_cache(maxsize=1)
def _rules():
    from .lexical import LexicalSimplifier

    return LexicalSimplifier()


def meaning_reference(text: str) -> str:
    """The original with the required replacements made (names, places, times, private data): a rewrite
    is compared with this, so following the rules does not count as losing the meaning."""
    return _rules().apply_rules(text)


def _batches(data: DocumentsPipeline, size: int):
    batch = []
    for doc in data:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def is_final(row: dict, decision_id: str | None = None) -> bool:
    """A recorded result the next run keeps: a rewrite, or a failed check under the same deciding settings. An
    endpoint fault (no answer after the client's retries) is not final: the next run asks again."""
    if row.get("status") == "ok":
        return True
    if row.get("fault"):
        return False
    return decision_id is None or row.get("decided_by") in (None, decision_id)


def done_hashes(results_dir: Path, decision_id: str | None = None) -> set[str]:
    """Hashes already finished in earlier or concurrent runs (see :func:`is_final`); a torn last line is ignored."""
    done = set()
    for path in sorted(Path(results_dir).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            try:
                row = json.loads(line)
                if is_final(row, decision_id):
                    done.add(row["hash"])
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
                continue
    return done


def is_endpoint_fault(chunk: dict) -> bool:
    """The chunk has no rewrite because the endpoint gave none (refused, 5xx, timed out after retries), not
    because an answer failed a check or could not be parsed."""
    return chunk.get("simple") is None and bool(chunk.get("error")) and \
        not chunk["error"].startswith("unparseable answer")


class SkipDone(PipelineStep):
    """Documents already recorded in ``results_dir`` are not processed again (resume after a kill), except those
    an endpoint fault failed and those failed under other deciding settings."""

    name = "⏭️ skip finished documents"
    type = "🔻 - FILTER"

    def __init__(self, results_dir: str, decision_id: str | None = None):
        super().__init__()
        self.results_dir, self.decision_id = results_dir, decision_id

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        done = done_hashes(Path(self.results_dir), self.decision_id)
        for doc in data:
            if doc.metadata["hash"] in done:
                self.stat_update("already_done")
                continue
            yield doc


class RewriteStep(PipelineStep):
    """Each prose/code chunk gets ``simple`` (or ``error``); documents go to the backend in batches so an LLM
    endpoint sees many chunks at once (its client bounds the concurrency)."""

    name = "✍️ rewrite chunks"
    type = "✍️ - REWRITER"

    def __init__(self, backend: tuple[str, dict], batch_documents: int = 8):
        super().__init__()
        self.backend, self.batch_documents = backend, batch_documents

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        backend = backend_from_spec(self.backend)
        for batch in _batches(data, self.batch_documents):
            todo: list[tuple[dict, RewriteRequest]] = []
            for doc in batch:
                names = NameMap()  # one person keeps one replacement name across a document's chunks
                doc.metadata["names"] = names
                for chunk in doc.metadata["chunks"]:
                    chunk["attempts"] = 0
                    if chunk["kind"] == "keep":
                        chunk["simple"] = chunk["text"]
                    else:
                        todo.append((chunk, RewriteRequest(chunk["text"], doc.metadata["genre"], chunk["kind"],
                                                           names=names)))
            with self.track_time(unit="batch"):
                results = backend.rewrite([r for _, r in todo])
            for (chunk, _), res in zip(todo, results):
                chunk["attempts"] = 1
                chunk["simple"], chunk["error"] = res.text, res.error
            self.stat_update("chunks_rewritten", value=sum(r.ok for r in results))
            self.stat_update("chunks_errored", value=sum(not r.ok for r in results))
            yield from batch


class ValidateStep(PipelineStep):
    """Sets ``metadata["status"]`` ("ok"/"failed") and ``metadata["reason"]`` per document.

    A chunk that fails a check, or whose LLM answer could not be parsed, is asked again (up to
    ``max_attempts`` in all) when the backend can answer differently; an endpoint fault the client already
    retried with backoff is final. A document with any failing chunk fails: it is recorded, never kept.
    """

    name = "✅ validate rewrites"
    type = "🔻 - FILTER"

    def __init__(self, backend: tuple[str, dict], config: ValidationConfig | None = None, max_attempts: int = 2,
                 meaning_check: bool = True, batch_documents: int = 8):
        super().__init__()
        self.backend, self.config, self.max_attempts = backend, config or ValidationConfig(), max_attempts
        self.meaning_check, self.batch_documents = meaning_check, batch_documents

    def _judge(self, chunks: list[dict]) -> None:
        pending = [c for c in chunks if c.get("simple") is not None and c["kind"] == "prose"]
        sims = embedder().similarities([(meaning_reference(c["text"]), c["simple"]) for c in pending]) if self.meaning_check else []
        sim_of = {id(c): s for c, s in zip(pending, sims)}
        for c in chunks:
            if c.get("simple") is None:
                c["verdict"] = c.get("error") or "no rewrite"
                continue
            c["verdict"], c["metrics"] = check_chunk(c["text"], c["simple"], c["kind"], self.config, sim_of.get(id(c)))

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        backend = None
        for batch in _batches(data, self.batch_documents):
            chunks = [c for doc in batch for c in doc.metadata["chunks"]]
            self._judge(chunks)
            for attempt in range(1, self.max_attempts):
                # a check that failed or an answer out of format: ask again; an endpoint fault the client
                # already retried with backoff is final
                retry = [(doc, c) for doc in batch for c in doc.metadata["chunks"] if c["verdict"] and
                         (c.get("error") is None or c["error"].startswith("unparseable answer"))]
                backend = backend or backend_from_spec(self.backend)
                if not retry or not backend.retries_help:
                    break
                requests = [RewriteRequest(c["text"], doc.metadata["genre"], c["kind"], attempt=attempt,
                                           names=doc.metadata["names"]) for doc, c in retry]
                for (_, c), res in zip(retry, backend.rewrite(requests)):
                    c["attempts"] += 1
                    c["simple"], c["error"] = res.text, res.error
                self.stat_update("chunks_retried", value=len(retry))
                self._judge([c for _, c in retry])
            for doc in batch:
                self._finish(doc)
                self.stat_update(f"documents_{doc.metadata['status']}")
                yield doc

    def _finish(self, doc: Document) -> None:
        meta = doc.metadata
        bad = [(i, c) for i, c in enumerate(meta["chunks"]) if c.get("verdict")]
        if meta["genre"] == "math":
            domain = str((meta.get("raw") or {}).get("problem_domain", ""))
            reason = f"math above primary-school level ({domain})" if _ADVANCED_MATH.search(domain) else None
        elif bad:
            i, c = bad[0]
            reason = f"chunk {i + 1}/{len(meta['chunks'])}: {c['verdict']}"
            meta["fault"] = any(is_endpoint_fault(c) for _, c in bad)  # the next run asks again
        else:
            reason = None
        if reason is None:
            fields = join_chunks(meta["chunks"], "simple")
            if meta["genre"] not in ("code", "math") and len(fields.get("text", "").split()) < \
                    self.config.min_document_words:
                reason = f"too short after rewriting ({len(fields.get('text', '').split())} words)"
            else:
                meta["simple_fields"] = fields
        meta["status"], meta["reason"] = ("failed", reason) if reason else ("ok", None)


def output_record(doc: Document) -> dict:
    """The release's leaner record: the original fields, the rewritten text, and the source hash."""
    meta = doc.metadata
    if meta["genre"] == "math":
        return {**meta["fields"], "hash": meta["hash"]}
    if meta["genre"] == "code":
        return {**meta["fields"], **meta["simple_fields"], "hash": meta["hash"]}
    return {**meta["fields"], "text": meta["simple_fields"]["text"], "hash": meta["hash"]}


class ResultWriter(PipelineStep):
    """Appends one line per finished document to ``results_dir/rank-XXXXX.jsonl`` and flushes it, so a kill
    loses at most the document in flight (a torn last line is cut off when the file is opened again)."""

    name = "💾 per-document results"
    type = "💽 - WRITER"

    def __init__(self, results_dir: str, decision_id: str | None = None):
        super().__init__()
        self.results_dir, self.decision_id = results_dir, decision_id

    def _open(self, rank: int, world_size: int):
        folder = Path(self.results_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"rank-{rank:05d}-of-{world_size:05d}.jsonl"
        if path.exists():
            data = path.read_bytes()
            if data and not data.endswith(b"\n"):
                with open(path, "r+b") as f:
                    f.truncate(data.rfind(b"\n") + 1)
        return open(path, "a", encoding="utf-8")

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self._open(rank, world_size) as out:
            for doc in data:
                meta = doc.metadata
                row = {"hash": meta["hash"], "id": doc.id, "genre": meta["genre"], "order": meta["order"],
                       "folder": meta["folder"], "split": meta["split"], "shard": meta["shard"],
                       "status": meta["status"], "reason": meta["reason"],
                       "fault": bool(meta.get("fault")) and meta["status"] == "failed",
                       "decided_by": self.decision_id, "written": time.time(),
                       "record": output_record(doc) if meta["status"] == "ok" else None}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()  # in the OS's hands now: a killed process does not lose it
                self.stat_update(f"written_{meta['status']}")
                yield doc
