"""HARE's "consistent quality": datatrove's heuristic quality filters (Gopher quality, Gopher repetition,
FineWeb quality) over JSONL documents, with every threshold and every drop reason reported.

datatrove's English word splitter needs NLTK or spaCy data downloaded at run time; its filters accept a
``WordTokenizer`` object in place of the language, so we hand them :class:`OfflineWordTokenizer` (words and
punctuation by regex, sentences by ``sentencex``, which the package already uses for its statistics).

    report = quality_filter(["train.jsonl"], "out/")   # out/kept.jsonl, out/dropped.jsonl, out/report.json
"""

from __future__ import annotations

import inspect
import json
import os
from collections import Counter
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.utils.word_tokenizers import WordTokenizer

from ..data.release import iter_records
from .decontaminate import document_text

class OfflineWordTokenizer(WordTokenizer):
    """Whitespace-separated words, as the Gopher paper counts them (a split that cuts punctuation off into
    tokens of its own makes "80 % of words hold a letter" fail on plain prose); no downloaded model."""

    def __init__(self):
        super().__init__("en")

    def word_tokenize(self, text: str) -> list[str]:
        return text.split()

    def sent_tokenize(self, text: str) -> list[str]:
        from sentencex import segment

        return [s for s in segment("en", text) if s.strip()]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        spans, at = [], 0
        for s in self.sent_tokenize(text):
            start = text.find(s, at)
            spans.append((start, start + len(s)))
            at = start + len(s)
        return spans


FILTERS = {"gopher_quality": GopherQualityFilter, "gopher_repetition": GopherRepetitionFilter,
           "fineweb_quality": FineWebQualityFilter}


def make_filters(names=tuple(FILTERS), overrides: dict | None = None) -> list:
    """The datatrove filters by name, with our tokenizer and any ``{filter: {param: value}}`` overrides."""
    overrides = overrides or {}
    return [FILTERS[n](language=OfflineWordTokenizer(), **overrides.get(n, {})) for n in names]


def thresholds(flt) -> dict:
    """The filter's settings, read off its constructor's parameters (what the report prints)."""
    params = inspect.signature(type(flt).__init__).parameters
    skip = {"self", "exclusion_writer", "language", "stop_words", "stop_chars"}
    return {p: getattr(flt, p, getattr(flt, p.replace("_thr", "_threshold"), None)) for p in params if p not in skip}


def quality_filter(inputs: list[str], output_dir, names=tuple(FILTERS), overrides=None,
                   text_column: str = "text") -> dict:
    """Run the filters in turn over ``inputs`` (documents in order); kept and dropped (with the filter and
    reason) go to ``output_dir``; returns the report."""
    filters = make_filters(names, overrides)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    reasons, by_filter, total = Counter(), Counter(), 0
    tmp = {k: (out / f"{k}.jsonl.tmp").open("w", encoding="utf-8") for k in ("kept", "dropped")}
    try:
        for path in inputs:
            for lineno, rec in iter_records(path):
                total += 1
                doc = Document(text=document_text(rec, f"{path}:{lineno}", text_column), id=f"{path}:{lineno}")
                verdict = None
                for name, flt in zip(names, filters):
                    ok = flt.filter(doc)
                    ok, why = (ok, None) if isinstance(ok, bool) else ok
                    if not ok:
                        verdict = (name, why or name)
                        break
                if verdict is None:
                    tmp["kept"].write(json.dumps(rec, ensure_ascii=False) + "\n")
                else:
                    by_filter[verdict[0]] += 1
                    reasons[verdict[1]] += 1
                    tmp["dropped"].write(json.dumps({"source": doc.id, "filter": verdict[0], "reason": verdict[1],
                                                     "document": rec}, ensure_ascii=False) + "\n")
    finally:
        for fh in tmp.values():
            fh.close()
    for k in tmp:
        os.replace(out / f"{k}.jsonl.tmp", out / f"{k}.jsonl")
    dropped = sum(by_filter.values())
    report = {"inputs": [str(p) for p in inputs], "documents": total, "kept": total - dropped, "dropped": dropped,
              "filters": {n: {"thresholds": thresholds(f), "dropped": by_filter.get(n, 0)}
                          for n, f in zip(names, filters)},
              "reasons": dict(reasons.most_common())}
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str))
    return report


def format_quality(report: dict) -> str:
    from ..utils.tables import text_table

    rows = [[n, f["dropped"], ", ".join(f"{k}={v}" for k, v in f["thresholds"].items() if v is not None)]
            for n, f in report["filters"].items()]
    lines = [text_table(["filter (in order)", "dropped", "thresholds"], rows)]
    lines.append("reasons: " + (", ".join(f"{r} {c}" for r, c in report["reasons"].items()) or "none"))
    n = max(report["documents"], 1)
    lines.append(f"documents: {report['documents']:,}; kept {report['kept']:,} ({report['kept'] / n:.1%}); "
                 f"dropped {report['dropped']:,}")
    return "\n".join(lines)
