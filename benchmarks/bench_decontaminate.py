"""Benchmark: decontamination throughput (documents/s) against the full LEANER-GLUE + LEANER-Eval, side by side.

Three ways to answer "which benchmark segments does this document cover > 50 % of?", same rule, same
normalisation, same documents, in this one process:

- ``hashed``: hf_leaner's index (numpy uint64 n-gram hashes, ``searchsorted``), what ``hf-leaner decontaminate`` runs;
- ``dict``: the plain Python way, a dict from n-gram tuples to the segments holding them;
- ``scan``: the naive way, every segment's n-gram set intersected with the document's, one segment at a time
  (timed on the first ``--scan-docs`` documents only: it is slow).

The three must flag the same segments (checked). Index build time is reported apart.

    python benchmarks/bench_decontaminate.py [--data ../shared/tinyhelen] [--n 8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from hf_leaner.hare.decontaminate import build_index
from hf_leaner.hare.ngram_index import normalize_words


def load_documents(root: Path) -> list[str]:
    docs = []
    for path in sorted((root / "data/leaner").glob("*M/*/*.jsonl")):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if isinstance(rec.get("text"), str):
                docs.append(rec["text"])
    return docs


def grams(words: list[str], k: int) -> set:
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(repo.parent / "shared" / "tinyhelen"))
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scan-docs", type=int, default=30)
    args = parser.parse_args()
    root = Path(args.data)
    docs = load_documents(root)
    words_total = sum(len(d.split()) for d in docs)

    t = time.perf_counter()
    index = build_index([str(root / "data/leaner/glue"), str(root / "data/leaner/eval")], n=args.n)
    build_hashed = time.perf_counter() - t
    print(f"{len(docs):,} documents ({words_total:,} words); {len(index.segments):,} benchmark segments, "
          f"{len(index.hashes):,} distinct (segment, n-gram) pairs; hashed index built in {build_hashed:.2f} s")

    t = time.perf_counter()
    seg_grams = []
    table: dict[tuple, list[int]] = {}
    for i, s in enumerate(index.segments):
        w = normalize_words(s.text)
        g = grams(w, min(args.n, len(w)))
        seg_grams.append(g)
        for x in g:
            table.setdefault(x, []).append(i)
    lengths = sorted({len(next(iter(g))) for g in seg_grams if g})
    build_dict = time.perf_counter() - t

    def hashed(text):
        return sorted(s for s, _ in index.match(text))

    def plain_dict(text):
        w = normalize_words(text)
        hits: dict[int, int] = {}
        for x in set().union(*(grams(w, k) for k in lengths)):
            for s in table.get(x, ()):
                hits[s] = hits.get(s, 0) + 1
        return sorted(s for s, c in hits.items() if c / len(seg_grams[s]) > index.threshold)

    def scan(text):
        w = normalize_words(text)
        doc = {k: grams(w, k) for k in lengths}
        return [i for i, g in enumerate(seg_grams) if g and len(g & doc[len(next(iter(g)))]) / len(g) > index.threshold]

    results, rates = {}, {}
    for name, fn, subset in (("hashed", hashed, docs), ("dict", plain_dict, docs), ("scan", scan, docs[:args.scan_docs])):
        times = []
        for _ in range(args.repeats if name != "scan" else 1):
            t = time.perf_counter()
            results[name] = [fn(d) for d in subset]
            times.append(time.perf_counter() - t)
        rates[name] = len(subset) / statistics.median(times)
    assert results["hashed"] == results["dict"], "hashed and dict disagree"
    assert results["hashed"][:args.scan_docs] == results["scan"], "hashed and scan disagree"
    flagged = sum(bool(r) for r in results["hashed"])
    print(f"flagged documents: {flagged} (all three methods agree)\n")
    print(f"{'method':8} {'docs/s':>10} {'words/s':>12} {'index build s':>14}")
    for name, build in (("hashed", build_hashed), ("dict", build_dict), ("scan", build_dict)):
        print(f"{name:8} {rates[name]:10,.0f} {rates[name] * words_total / len(docs):12,.0f} {build:14.2f}")


if __name__ == "__main__":
    main()
