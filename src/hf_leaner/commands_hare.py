"""The HARE commands' work (``decontaminate``, ...); parsers live in :mod:`hf_leaner.cli`."""

from __future__ import annotations

from pathlib import Path

from .cli_args import UsageError


def check_decontaminate(args) -> None:
    if args.threshold >= 1:
        raise UsageError(f"--threshold {args.threshold} must be below 1 (it is the share of an item's n-grams)")
    if args.min_words > args.n:
        raise UsageError(f"--min_words {args.min_words} is above --n {args.n}: short items would never be checked")
    for spec in [*args.benchmark, *args.control]:
        p = Path(spec).expanduser()
        if (spec.startswith((".", "/", "~")) or p.suffix in (".jsonl", ".json", ".zst")) and not p.exists():
            raise UsageError(f"--benchmark {spec}: no such file or folder")


def cmd_decontaminate(args) -> int:
    from .hare.decontaminate import build_index, decontaminate, format_report

    index = build_index(args.benchmark, n=args.n, threshold=args.threshold, min_words=args.min_words,
                        controls=args.control, split=args.benchmark_split, fields=args.benchmark_fields)
    print(f"decontaminate: indexed {len(index.segments):,} benchmark segments ({len(index.hashes):,} n-grams)")
    report = decontaminate(args.files, index, args.output_dir, text_column=args.text_column,
                           shard_size=args.shard_size)
    print()
    print(format_report(report))
    out = Path(args.output_dir)
    print(f"kept: {out / 'kept.jsonl'}; removed: {out / 'removed.jsonl'}; report: {out / 'report.json'}")
    return 0
