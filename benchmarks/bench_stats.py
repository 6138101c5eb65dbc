"""Benchmark: ``hf-leaner stats`` (streaming NumPy counts) vs a plain ``collections.Counter`` implementation.

Both compute the same statistics (checked equal at the end) over the same ~N million words of real
LEANER + ORIGINAL text, side by side in this one process: hf-leaner with a small memory budget (its
n-gram tables spill to disk), hf-leaner all in memory, then the Counter version. Peak RSS is the
process peak so far, so each row's figure includes the rows before it.

    python benchmarks/bench_stats.py [--words 10_000_000] [--data-dir ../shared/tinyhelen] [--tokenizer DIR]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from counter_stats import counter_statistics

from hf_leaner.data.release import GENRES, SPLITS, find_pretrain_files, iter_pretrain_examples
from hf_leaner.data.stats import WORD_RE, corpus_statistics


def load_texts(data_dir: Path, target_words: int) -> tuple[list[str], int]:
    """Every document of the copy (both variants, all splits), repeated until ``target_words``."""
    base = []
    for variant in ("leaner", "original"):
        for split in SPLITS:
            files = find_pretrain_files(data_dir, variant, "100M", split, GENRES)
            base += [ex["text"] for _, ex in iter_pretrain_examples(files, on_corrupt="warn")]
    words_each = [len(WORD_RE.findall(t)) for t in base]
    texts, words = [], 0
    while words < target_words:
        for t, w in zip(base, words_each):
            texts.append(t)
            words += w
            if words >= target_words:
                break
    return texts, words


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=10_000_000)
    parser.add_argument("--data-dir", default=str(repo.parent / "shared" / "tinyhelen"))
    parser.add_argument("--tokenizer", default=None, help="default: the release's gpt-2K tokenizer in --data-dir")
    parser.add_argument("--no-tokens", action="store_true")
    parser.add_argument("--budget-mb", type=int, default=256, help="memory budget of the bounded run (it spills)")
    args = parser.parse_args()
    from transformers import AutoTokenizer

    tok_path = args.tokenizer or str(Path(args.data_dir) / "tokenizer" / "gpt-2K")
    tokenizer = None if args.no_tokens else AutoTokenizer.from_pretrained(tok_path)
    texts, words = load_texts(Path(args.data_dir), args.words)
    print(f"corpus: {len(texts):,} documents, {words:,} words; tokenizer: {tok_path if tokenizer else 'none'}")
    base_rss = peak_rss_mb()

    t0 = time.perf_counter()
    bounded = corpus_statistics(iter(texts), tokenizer=tokenizer, progress=False, max_memory_mb=args.budget_mb)
    t_bounded = time.perf_counter() - t0
    rss_bounded = peak_rss_mb()

    t0 = time.perf_counter()
    fast = corpus_statistics(iter(texts), tokenizer=tokenizer, progress=False, max_memory_mb=None)
    t_fast = time.perf_counter() - t0
    rss_fast = peak_rss_mb()

    t0 = time.perf_counter()
    slow = counter_statistics(texts, tokenizer=tokenizer)
    t_slow = time.perf_counter() - t0
    rss_slow = peak_rss_mb()

    mismatched = [k for k, v in slow.items() if v is not None and
                  max(abs(fast[k] - v), abs(bounded[k] - v)) > 1e-9 * max(1, abs(v))]
    print()
    print(f"{'implementation':<34}{'seconds':>10}{'words/s':>14}{'peak RSS (MB)':>16}")
    print(f"{f'hf-leaner stats, {args.budget_mb} MB budget':<34}{t_bounded:>10.1f}{words / t_bounded:>14,.0f}"
          f"{rss_bounded:>16,.0f}")
    print(f"{'hf-leaner stats, all in memory':<34}{t_fast:>10.1f}{words / t_fast:>14,.0f}{rss_fast:>16,.0f}")
    print(f"{'collections.Counter of tuples':<34}{t_slow:>10.1f}{words / t_slow:>14,.0f}{rss_slow:>16,.0f}")
    print(f"speed-up: {t_slow / t_fast:.1f}x; texts held in memory before either run: {base_rss:,.0f} MB")
    print("results identical:", "yes" if not mismatched else f"NO: {mismatched}")


if __name__ == "__main__":
    main()
