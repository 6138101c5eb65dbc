"""The ``hf-leaner`` command line: ``hf-leaner <command> --help`` for each command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from .data.release import GENRES, SIZES, SPLITS, LeanerDataError


def _load_tokenizer(path: str | None):
    if not path:
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)  # a local folder or a Hub id; never remote code


# ------------------------------------------------------------------------------------------ build-dataset


def cmd_build_dataset(args) -> int:
    from .data.publish import publish_corpus

    names = ["leaner-pretrain", "leaner-glue", "leaner-eval", "leaner-instruct"] if args.name == "all" else [args.name]
    for name in names:
        t0 = time.time()
        report = publish_corpus(name, args.output, data_dir=args.data_dir, configs=args.configs,
                                on_corrupt=args.on_corrupt, max_shard_size=args.max_shard_size,
                                push_to_hub=args.push_to_hub and (args.push_to_hub if len(names) == 1
                                                                  else f"{args.push_to_hub}-{name}"),
                                private=args.private)
        print(f"\n{name} -> {report.folder}  ({time.time() - t0:.1f}s)")
        print(report.table())
        if report.pushed_to:
            print(f"pushed: {report.pushed_to}")
    return 0


# ------------------------------------------------------------------------------------------------- stats


def cmd_stats(args) -> int:
    from .data import stats

    tokenizer = _load_tokenizer(args.tokenizer)
    rows = []
    if args.data_dir:
        rows += stats.release_statistics(args.data_dir, args.size, args.split, args.genres, tokenizer,
                                         paired=not args.unpaired, on_corrupt="warn", progress=not args.json)
    if args.dataset:
        from datasets import load_dataset

        ds = load_dataset(args.dataset, args.config, split=args.split)
        rows += stats.dataset_statistics(ds, args.text_column, args.by, tokenizer,
                                         name=f"{Path(args.dataset).name}/{args.config or 'default'}",
                                         progress=not args.json)
    for f in args.files:
        rows.append(stats.corpus_statistics(stats.iter_text_file(f, args.text_column), Path(f).name,
                                            tokenizer, progress=not args.json))
    if not rows:
        raise LeanerDataError("stats: nothing to measure; give files, --data-dir or --dataset")
    text = stats.to_json(rows) if args.json else stats.format_table(rows)
    print(text)
    if args.output:
        Path(args.output).write_text(stats.to_json(rows))
    return 0


# -------------------------------------------------------------------------------------------- quickstart


def cmd_quickstart(args) -> int:
    """The main job on the embedded default: the sample corpus, published and measured."""
    from .data import stats
    from .data.publish import publish_corpus
    from .data.release import NATURAL_GENRES
    from .sample_data import SAMPLE_DIR
    from .tokenizer import train_tokenizer

    data_dir = Path(args.data_dir) if args.data_dir else SAMPLE_DIR
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    summary = []
    print(f"[1/3] publishing the LEANER corpora from {data_dir} to {out / 'datasets'}")
    for name in ("leaner-pretrain", "leaner-glue", "leaner-eval", "leaner-instruct"):
        t0 = time.time()
        report = publish_corpus(name, out / "datasets", data_dir=data_dir, on_corrupt="warn")
        built = [r for r in report.results if r.status != "skipped"]
        rows = sum(sum(r.splits.values()) for r in built)
        summary.append((f"publish {name}", f"{len(built)} configs, {rows:,} rows", f"{time.time() - t0:.1f}s"))

    print("[2/3] training a 2,000-token byte-level BPE tokenizer on the LEANER training text")
    t0 = time.time()
    from .data.corpora import load_leaner

    train = load_leaner("leaner-pretrain", f"leaner-{args.size}-all", data_dir=data_dir, split="train")
    tokenizer = train_tokenizer(iter(train["text"]), "clm", vocab_size=args.vocab_size)
    tokenizer.save_pretrained(out / "tokenizer")
    summary.append(("tokenizer", f"{len(tokenizer):,} tokens -> {out / 'tokenizer'}", f"{time.time() - t0:.1f}s"))

    print(f"[3/3] LEANER vs ORIGINAL statistics on the same documents ({args.size} {args.split})")
    t0 = time.time()
    rows = stats.release_statistics(data_dir, args.size, args.split, NATURAL_GENRES, tokenizer, progress=False)
    (out / "statistics.json").write_text(stats.to_json(rows))
    summary.append(("statistics", f"{len(rows)} rows -> {out / 'statistics.json'}", f"{time.time() - t0:.1f}s"))
    print()
    print(stats.format_table(rows))
    print()
    print(_table([("step", "result", "time")] + summary))
    return 0


def cmd_local_hub(args) -> int:
    from .hub.local_hub import serve

    serve(args.root, args.host, args.port)
    return 0


def _table(rows) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hf-leaner", description="Tiny LMs in a simpler language environment.")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build-dataset", help="build a LEANER corpus into Parquet + dataset card (and push it)")
    b.add_argument("name", choices=["leaner-pretrain", "leaner-glue", "leaner-eval", "leaner-instruct", "all"])
    b.add_argument("--data-dir", help="local copy in the release layout (default: the Hub dataset EmpathYang/TinyHelen)")
    b.add_argument("--output", required=True, help="folder to write OUTPUT/<name>/ into")
    b.add_argument("--configs", nargs="+", help="only these configs (default: all that have source files)")
    b.add_argument("--on-corrupt", choices=["raise", "warn"], default="raise",
                   help="a truncated .zst shard: stop (default) or keep its complete lines and note it in the card")
    b.add_argument("--max-shard-size", default="500MB")
    b.add_argument("--push-to-hub", metavar="REPO", help="also push the folder to this Hub dataset repo")
    b.add_argument("--private", action="store_true", default=None)
    b.set_defaults(func=cmd_build_dataset)

    s = sub.add_parser("stats", help="corpus statistics: words, tokens, vocabulary, n-gram entropy, ...")
    s.add_argument("files", nargs="*", help=".txt (blank-line separated docs) or .jsonl/.json[.zst] files")
    s.add_argument("--data-dir", help="a release copy: LEANER vs ORIGINAL per genre, on the same documents")
    s.add_argument("--size", choices=SIZES, default="10M")
    s.add_argument("--split", default=None, help=f"split ({', '.join(SPLITS)}; default validation for --data-dir)")
    s.add_argument("--genres", nargs="+", choices=GENRES)
    s.add_argument("--unpaired", action="store_true", help="with --data-dir: count every document, paired or not")
    s.add_argument("--dataset", help="a published folder or Hub dataset, read with load_dataset")
    s.add_argument("--config")
    s.add_argument("--text-column", default="text")
    s.add_argument("--by", default="genre", help="with --dataset: one row per value of this column")
    s.add_argument("--tokenizer", help="tokenizer folder or Hub id for the token columns")
    s.add_argument("--json", action="store_true", help="print JSON instead of the table")
    s.add_argument("--output", help="also write the JSON here")
    s.set_defaults(func=cmd_stats)

    q = sub.add_parser("quickstart", help="the main job on the embedded sample corpus (CPU, offline)")
    q.add_argument("--output", default="outputs/quickstart")
    q.add_argument("--data-dir", help="a release copy instead of the embedded sample")
    q.add_argument("--size", choices=SIZES, default="10M")
    q.add_argument("--split", default="validation")
    q.add_argument("--vocab-size", type=int, default=2000)
    q.set_defaults(func=cmd_quickstart)

    h = sub.add_parser("local-hub", help="serve a local folder as a Hub endpoint (then set HF_ENDPOINT to it)")
    h.add_argument("--root", required=True, help="folder holding models/ and datasets/ repos")
    h.add_argument("--host", default="127.0.0.1", help="bind address (keep it loopback)")
    h.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    h.set_defaults(func=cmd_local_hub)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if getattr(args, "command", None) == "stats" and args.split is None:
        args.split = "validation" if args.data_dir else None
    try:
        return args.func(args)
    except LeanerDataError as e:
        print(f"hf-leaner: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
