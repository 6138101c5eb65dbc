"""The last stage: per-document results -> the release layout, once, in input order.

``OUT/data/leaner/<size>/<split>/<genre>NNNN.jsonl`` (NNNN: the number of the ORIGINAL shard the
documents came from, so each output file pairs with one source file) and ``OUT/failures.jsonl``. Every
source hash appears exactly once across the two, whatever the number of workers or reruns; files are
written to a temporary name and renamed, so a kill here leaves the previous complete files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from hf_leaner.utils.io import write_atomic


def _read_results(results_dir: Path) -> list[dict]:
    rows = []
    for path in sorted(results_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line torn by a kill; its document is done again on the rerun
    return rows


def write_release(out_dir: str | Path, results_dir: str | Path) -> dict:
    """Writes the release files from the results; returns counts per genre ``{genre: {"ok": n, "failed": n}}``."""
    out_dir = Path(out_dir)
    latest = {}  # a document finished twice (a kill between its write and the rerun's skip, or a fault asked
    for r in _read_results(Path(results_dir)):  # again): its latest result, a rewrite before a failure at a tie
        key = (r.get("written", 0.0), r["status"] == "ok")
        if r["hash"] not in latest or key > latest[r["hash"]][0]:
            latest[r["hash"]] = (key, r)
    rows = sorted((r for _, r in latest.values()), key=lambda r: r["order"])
    kept, failed = defaultdict(list), []
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"ok": 0, "failed": 0})
    for r in rows:
        counts[r["genre"]][r["status"]] += 1
        if r["status"] == "ok":
            kept[(r["folder"], r["split"], r["genre"], r["shard"])].append(json.dumps(r["record"], ensure_ascii=False))
        else:
            failed.append(json.dumps({"id": r["id"], "hash": r["hash"], "genre": r["genre"], "reason": r["reason"],
                                      "retried_next_run": bool(r.get("fault"))}, ensure_ascii=False))
    for (folder, split, genre, shard), lines in kept.items():
        write_atomic(out_dir / "data" / "leaner" / folder / split / f"{genre}{shard:04d}.jsonl", lines)
    write_atomic(out_dir / "failures.jsonl", failed)
    return {g: dict(c) for g, c in counts.items()}
