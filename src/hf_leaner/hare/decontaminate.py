"""HARE's "no benchmark leakage": drop training documents that hold a benchmark item.

    index = build_index(["glue/", "eval/"], n=8, threshold=0.5)
    result = decontaminate(["train.jsonl"], index, "out/")   # out/kept.jsonl, out/removed.jsonl, out/report.json

The work is cut into shards of ``shard_size`` documents per input file; a finished shard is written under
``out/shards/`` and marked done, so a killed run resumes where it stopped and a finished one redoes
nothing. The same test is a datatrove filter (:class:`BenchmarkDecontaminationFilter`) for a user's own
pipeline.

How this differs from the references: GPT-3 drops a document sharing any 13-gram with a benchmark item;
datatrove's ``NGramsDecontFilter`` likewise drops on one shared n-gram (12 by default) and builds its
index from lighteval's task registry (it needs ``lighteval`` and its datasets). Here the index comes from
any local file or ``datasets`` split, and a document is dropped only when it covers more than
``threshold`` of one item's n-grams (HARE's rule), so a common phrase that happens to be 8 words long
does not remove a document; ``threshold=0`` gives the one-n-gram rule back.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..utils.errors import LeanerDataError
from ..utils.io import write_atomic
from ..data.release import iter_records
from .benchmarks_io import load_segments
from .ngram_index import NGramIndex, normalize_words

FORMAT = 1  # bump when a shard's content would change for the same settings


def build_index(benchmarks: list[str], n: int = 8, threshold: float = 0.5, min_words: int = 5,
                controls: list[str] = (), split: str | None = None, fields=None) -> NGramIndex:
    segments = [s for spec in benchmarks for s in load_segments(spec, split, fields)]
    segments += [s for spec in controls for s in load_segments(spec, split, fields, control=True)]
    index = NGramIndex(n=n, threshold=threshold, min_words=min_words).build(segments)
    if segments and not index.segments:
        longest = max(len(normalize_words(s.text)) for s in segments)
        raise LeanerDataError(f"{', '.join(benchmarks)}: every one of the {len(segments):,} benchmark items is shorter "
                              f"than --min_words {min_words} (the longest has {longest} words), so nothing could be "
                              "checked; lower --min_words")
    return index


def document_text(rec, where: str, text_column: str) -> str:
    if not isinstance(rec, dict) or not isinstance(rec.get(text_column), str):
        found = ", ".join(sorted(rec)) if isinstance(rec, dict) else type(rec).__name__
        raise LeanerDataError(f"{where}: no string field '{text_column}' (found: {found or 'none'}); "
                              "name the text field with --text_column")
    return rec[text_column]


def check_document(index: NGramIndex, text: str) -> list[dict]:
    """Every benchmark segment ``text`` leaks, best overlap first."""
    found = []
    for seg, overlap in index.match(text):
        s = index.segments[seg]
        found.append({"benchmark": s.benchmark, "item_id": s.item_id, "field": s.field, "item": s.text,
                      "overlap": round(overlap, 4), "matched_ngram": index.matched_ngram(text, seg),
                      "control": s.control})
    return sorted(found, key=lambda m: -m["overlap"])


@dataclass
class ShardResult:
    documents: int = 0
    removed: int = 0
    control_flagged: int = 0  # documents that a control benchmark alone would have flagged (kept)
    by_benchmark: dict = None


def settings_fingerprint(index: NGramIndex, inputs: list[str], text_column: str, shard_size: int) -> str:
    seg_digest = hashlib.sha256()
    for s in index.segments:
        seg_digest.update(f"{s.benchmark}\t{s.item_id}\t{s.field}\t{s.control}\t{s.text}\n".encode())
    blob = json.dumps({"n": index.n, "threshold": index.threshold, "min_words": index.min_words, "format": FORMAT,
                       "segments": seg_digest.hexdigest(), "inputs": [str(Path(p).resolve()) for p in inputs],
                       "text_column": text_column, "shard_size": shard_size}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _shard_name(file_no: int, path: str, shard_no: int) -> str:
    return f"{file_no:04d}-{Path(path).name.split('.')[0]}-{shard_no:06d}"


def file_signature(path: str) -> str:
    """What a finished shard remembers of its input file: a file grown, cut or rewritten since is read again."""
    st = os.stat(path)
    return f"{st.st_size}:{st.st_mtime_ns}"


def _iter_shards(paths: list[str], shard_size: int):
    for file_no, path in enumerate(paths):
        batch, shard_no = [], 0
        for lineno, rec in iter_records(path):
            batch.append((f"{path}:{lineno}", rec))
            if len(batch) == shard_size:
                yield _shard_name(file_no, path, shard_no), path, batch
                batch, shard_no = [], shard_no + 1
        if batch:
            yield _shard_name(file_no, path, shard_no), path, batch


def process_shard(index: NGramIndex, batch, text_column: str) -> tuple[list[str], list[str], ShardResult]:
    kept, removed, res = [], [], ShardResult(by_benchmark={})
    for where, rec in batch:
        text = document_text(rec, where, text_column)
        matches = check_document(index, text)
        real = [m for m in matches if not m["control"]]
        res.documents += 1
        if any(m["control"] for m in matches) and not real:
            res.control_flagged += 1
        if real:
            res.removed += 1
            for b in {m["benchmark"] for m in real}:
                res.by_benchmark[b] = res.by_benchmark.get(b, 0) + 1
            best = real[0]
            removed.append(json.dumps({"source": where, "benchmark": best["benchmark"], "item_id": best["item_id"],
                                       "field": best["field"], "item": best["item"], "overlap": best["overlap"],
                                       "matched_ngram": best["matched_ngram"], "matches": real, "document": rec},
                                      ensure_ascii=False) + "\n")
        else:
            kept.append(json.dumps(rec, ensure_ascii=False) + "\n")
    return kept, removed, res


def decontaminate(inputs: list[str], index: NGramIndex, output_dir: str | os.PathLike, text_column: str = "text",
                  shard_size: int = 10_000, log=print) -> dict:
    """Split ``inputs`` into kept and removed documents under ``output_dir`` (resumable); returns the report."""
    out = Path(output_dir)
    shards = out / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    fingerprint = settings_fingerprint(index, inputs, text_column, shard_size)
    stamp = shards / "settings.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("fingerprint") != fingerprint:
        raise LeanerDataError(f"{out}: holds a decontamination run with other inputs or settings; give a new "
                              "--output_dir (or delete its shards/ folder)")
    stamp.write_text(json.dumps({"fingerprint": fingerprint}))
    totals, names, resumed, changed = ShardResult(by_benchmark={}), [], 0, set()
    signatures = {path: file_signature(path) for path in inputs}
    for name, path, batch in _iter_shards(inputs, shard_size):
        names.append(name)
        done = shards / f"{name}.done.json"
        record = json.loads(done.read_text()) if done.exists() else None
        if record is not None and record.pop("input", None) == signatures[path]:
            res = ShardResult(**record)
            resumed += 1
        else:
            if record is not None and path not in changed:
                changed.add(path)
                log(f"decontaminate: {path} changed since the last run; its shards are checked again")
            kept, removed, res = process_shard(index, batch, text_column)
            write_atomic(shards / f"{name}.kept.jsonl", kept)
            write_atomic(shards / f"{name}.removed.jsonl", removed)
            write_atomic(done, json.dumps({**asdict(res), "input": signatures[path]}))
            log(f"decontaminate: {name}: {res.documents} documents, {res.removed} removed")
        totals.documents += res.documents
        totals.removed += res.removed
        totals.control_flagged += res.control_flagged
        for b, c in res.by_benchmark.items():
            totals.by_benchmark[b] = totals.by_benchmark.get(b, 0) + c
    for kind in ("kept", "removed"):  # the two contract files, rebuilt from the shards in input order
        tmp = out / f"{kind}.jsonl.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            for name in names:
                with (shards / f"{name}.{kind}.jsonl").open(encoding="utf-8") as part:
                    fh.writelines(part)
        os.replace(tmp, out / f"{kind}.jsonl")
    report = make_report(index, inputs, totals, resumed, len(names))
    (out / "report.json").write_text(json.dumps(report, indent=2))
    return report


def make_report(index: NGramIndex, inputs, totals: ShardResult, resumed: int, shards: int) -> dict:
    items: dict[str, set] = {}
    for s in index.segments:
        items.setdefault((s.benchmark, s.control), set()).add(s.item_id)
    benchmarks = {b: {"items_indexed": len(ids), "segments_too_short": index.unchecked.get(b, 0),
                      "documents_removed": totals.by_benchmark.get(b, 0), "control": control}
                  for (b, control), ids in sorted(items.items())}
    docs = max(totals.documents, 1)
    return {"inputs": [str(p) for p in inputs], "n": index.n, "threshold": index.threshold,
            "min_words": index.min_words, "rule": f"drop a document covering > {index.threshold:.0%} of one "
            f"benchmark segment's distinct {index.n}-grams (segments under {index.n} words: the whole segment)",
            "documents": totals.documents, "removed": totals.removed, "kept": totals.documents - totals.removed,
            "removed_rate": totals.removed / docs, "control_flagged": totals.control_flagged,
            "control_false_positive_rate": totals.control_flagged / docs if any(
                s.control for s in index.segments) else None,
            "shards": shards, "shards_resumed": resumed, "benchmarks": benchmarks}


def format_report(report: dict) -> str:
    from ..utils.tables import text_table

    rows = [[b, v["items_indexed"], v["segments_too_short"], v["documents_removed"], "control" if v["control"] else ""]
            for b, v in report["benchmarks"].items()]
    table = text_table(["benchmark", "items", "segments too short", "documents removed", ""], rows, numbers_right=True)
    lines = [table, "", f"rule: {report['rule']}",
             f"documents: {report['documents']:,}; removed {report['removed']:,} ({report['removed_rate']:.2%}); "
             f"kept {report['kept']:,}"]
    if report["control_false_positive_rate"] is not None:
        lines.append(f"control benchmarks flag {report['control_flagged']:,} documents "
                     f"(false-positive rate {report['control_false_positive_rate']:.2%})")
    if report["shards_resumed"]:
        lines.append(f"resumed: {report['shards_resumed']} of {report['shards']} shards were already done")
    return "\n".join(lines)


try:  # the datatrove step; datatrove is a dependency, but keep the plain functions importable without it
    from datatrove.pipeline.filters.base_filter import BaseFilter
except ImportError:  # pragma: no cover
    BaseFilter = object


class BenchmarkDecontaminationFilter(BaseFilter):
    """datatrove filter: drops a document that leaks a benchmark item; the matches go to the dropped
    document's ``metadata["decontamination"]`` (what an ``exclusion_writer`` writes).

        LocalPipelineExecutor([JsonlReader("train/"), BenchmarkDecontaminationFilter(["glue/"], n=8),
                               JsonlWriter("clean/")]).run()
    """

    name = "🧪 HARE benchmark decontamination"

    def __init__(self, benchmarks: list[str], n: int = 8, threshold: float = 0.5, min_words: int = 5,
                 split: str | None = None, fields=None, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.settings = dict(benchmarks=list(benchmarks), n=n, threshold=threshold, min_words=min_words,
                             split=split, fields=fields)
        self._index = None

    def filter(self, doc) -> bool | tuple[bool, str]:
        if self._index is None:  # built in the worker, not pickled with the pipeline
            self._index = build_index(**self.settings)
        matches = check_document(self._index, doc.text)
        if not matches:
            return True
        doc.metadata["decontamination"] = matches
        return False, "benchmark_overlap"
