"""Data commands: ``build-dataset`` (publish a LEANER corpus), ``stats`` (corpus statistics), ``train-tokenizer``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hf_leaner.data.release import CORPORA, GENRES, SIZES, SPLITS
from hf_leaner.data.sources import check_data_source
from hf_leaner.utils.args import (arg, at_least, byte_size, check_apart, existing_file, folder_or_hub_id, positive_int,
                                  release_dir, repo_id, writable_output)
from hf_leaner.utils.errors import UsageError
from hf_leaner.utils.tables import text_table

from .registry import Command

VOCAB = at_least(300, "a byte-level BPE holds its 256 byte tokens and special tokens")


def load_tokenizer(path: str | None):
    if not path:
        return None
    from hf_leaner.models.tokenizer import load_tokenizer as load

    return load(path)  # a local folder or a Hub id; never remote code


# ------------------------------------------------------------------------------------------ build-dataset


@dataclass
class BuildDatasetArguments:
    name: str = arg(None, "the corpus, or 'all'", positional=True, choices=[*CORPORA, "all"], required=True)
    data: str | None = arg(None, "local copy in the release layout (default: the Hub dataset EmpathYang/TinyHelen)",
                           aliases=("--data_dir",), value=release_dir)
    output_dir: str = arg(None, "folder to write OUTPUT/<name>/ into", aliases=("--output",), value=writable_output,
                          required=True)
    configs: list[str] | None = arg(None, "only these configs (default: all that have source files)", nargs="+")
    on_corrupt: Literal["raise", "warn"] = arg("raise", "a truncated .zst shard: stop, or keep its complete lines "
                                               "and note it in the card")
    max_shard_size: str = arg("500MB", "Parquet shard size", value=byte_size)
    push_to_hub: str | None = arg(None, "also push the folder to this Hub dataset repo", aliases=("--repo",),
                                  value=repo_id, metavar="REPO")
    private: bool = arg(False, "with --push_to_hub: a private repo")

    def __post_init__(self):
        check_apart(self.output_dir, [self.data])
        if self.private and not self.push_to_hub:
            raise UsageError("--private only applies with --push_to_hub REPO")
        if self.configs and self.name == "all":
            raise UsageError("--configs names configs of one corpus; give the corpus name instead of 'all'")


def run_build_dataset(args: BuildDatasetArguments, progress: bool) -> int:
    from hf_leaner.data.publish import publish_corpus

    names = list(CORPORA) if args.name == "all" else [args.name]
    for name in names:
        t0 = time.time()
        repo = args.push_to_hub and (args.push_to_hub if len(names) == 1 else f"{args.push_to_hub}-{name}")
        result = publish_corpus(name, args.output_dir, data_dir=args.data, configs=args.configs,
                                on_corrupt=args.on_corrupt, max_shard_size=args.max_shard_size, push_to_hub=repo,
                                private=args.private or None, progress=progress)
        print(f"\n{name} -> {result.folder}  ({time.time() - t0:.1f}s)")
        print(result.table())
        if result.pushed_to:
            print(f"pushed: {result.pushed_to}")
    return 0


# ------------------------------------------------------------------------------------------------- stats


@dataclass
class StatsArguments:
    files: list[str] = arg(None, ".txt (blank-line separated docs) or .jsonl/.json[.zst]", positional=True,
                           nargs="*", value=existing_file)
    data: str | None = arg(None, "a release copy: LEANER vs ORIGINAL per genre, same documents", aliases=("--data_dir",),
                           value=release_dir)
    corpus_size: str = arg("10M", "with --data: the 10M or 100M corpus", aliases=("--size",), choices=SIZES)
    split: str | None = arg(None, "split (default validation for --data)", choices=SPLITS)
    genres: list[str] | None = arg(None, "genres to measure (default: all)", nargs="+", choices=GENRES)
    unpaired: bool = arg(False, "with --data: count every document, paired or not")
    simplified: list[str] | None = arg(None, "with --data: also rows for these `hf-leaner simplify` outputs, on the "
                                       "same documents", nargs="+", value=release_dir, metavar="OUT")
    dataset: str | None = arg(None, "a published folder or Hub dataset, read with load_dataset", value=folder_or_hub_id)
    config: str | None = arg(None, "with --dataset: its config")
    text_column: str = arg("text", "the text column / JSON field")
    by: str = arg("genre", "with --dataset: one row per value of this column")
    tokenizer: str | None = arg(None, "tokenizer folder or Hub id for the token columns", value=folder_or_hub_id)
    json: bool = arg(False, "print JSON instead of the table")
    max_memory_mb: int = arg(4096, "memory for the n-gram tables; past it they spill to a temporary folder (same "
                             "result)", value=positive_int)
    output_json: str | None = arg(None, "also write the JSON to this file", aliases=("--output",))
    on_corrupt: Literal["raise", "warn"] = arg("warn", "a truncated .zst file: keep its complete lines and say so, "
                                               "or stop")

    def __post_init__(self):
        self.files = self.files or []
        if not (self.files or self.data or self.dataset):
            raise UsageError("stats: nothing to measure; give files, --data or --dataset")
        if self.unpaired and not self.data:
            raise UsageError("--unpaired only applies with --data (a release copy)")
        if self.simplified and not self.data:
            raise UsageError("--simplified compares with a release copy: give --data too")
        if self.config and not self.dataset:
            raise UsageError("--config only applies with --dataset")
        if self.split is None and self.data:
            self.split = "validation"
        if self.output_json and Path(self.output_json).is_dir():
            raise UsageError(f"--output_json {self.output_json}: is a folder; give a file name")


def run_stats(args: StatsArguments, progress: bool) -> int:
    from hf_leaner.data import stats

    tokenizer = load_tokenizer(args.tokenizer)
    rows = []
    progress = progress and not args.json
    if args.data:
        rows += stats.release_statistics(args.data, args.corpus_size, args.split, args.genres, tokenizer,
                                         paired=not args.unpaired, on_corrupt=args.on_corrupt, progress=progress,
                                         max_memory_mb=args.max_memory_mb,
                                         simplified={Path(d).name: d for d in args.simplified or []})
    if args.dataset:
        from datasets import load_dataset

        ds = load_dataset(args.dataset, args.config, split=args.split)
        rows += stats.dataset_statistics(ds, args.text_column, args.by, tokenizer,
                                         name=f"{Path(args.dataset).name}/{args.config or 'default'}",
                                         progress=progress, max_memory_mb=args.max_memory_mb)
    for f in args.files:
        rows.append(stats.corpus_statistics(stats.iter_text_file(f, args.text_column, args.on_corrupt), Path(f).name,
                                            tokenizer, progress=progress, max_memory_mb=args.max_memory_mb))
    print(stats.to_json(rows) if args.json else stats.format_table(rows))
    if args.output_json:
        Path(args.output_json).write_text(stats.to_json(rows))
    return 0


# ---------------------------------------------------------------------------------------- train-tokenizer


@dataclass
class TrainTokenizerArguments:
    output_dir: str = arg(None, "the tokenizer folder", aliases=("--output",), value=writable_output, required=True)
    data: str = arg("sample", "'sample', a release copy, a published corpus folder or a datasets id",
                    aliases=("--data_dir",))
    data_config: str = arg("leaner-10M-all", "the corpus config")
    text_column: str = arg("text", "the text column")
    family: Literal["clm", "mlm", "plm", "llama", "bert", "xlnet", "mamba2"] = arg(
        "clm", "the objective (or model family) whose special tokens the tokenizer gets")
    vocab_size: int = arg(2000, "tokens in the vocabulary", value=VOCAB)
    compare: list[str] | None = arg(None, "tokenizer folders to compare with (e.g. the release's gpt-2K)", nargs="+",
                                    value=folder_or_hub_id)

    def __post_init__(self):
        check_data_source(self.data, self.data_config)


def run_train_tokenizer(args: TrainTokenizerArguments, progress: bool) -> int:
    from hf_leaner.models.tokenizer import compare_tokenizers, train_tokenizer
    from hf_leaner.train.pretrain import PretrainArguments, load_corpus

    corpus = load_corpus(PretrainArguments(data=args.data, data_config=args.data_config))
    t0 = time.time()
    tok = train_tokenizer(iter(corpus["train"][args.text_column]), args.family, vocab_size=args.vocab_size)
    tok.save_pretrained(args.output_dir)
    print(f"trained {args.family} tokenizer, {len(tok):,} tokens, in {time.time() - t0:.1f}s -> {args.output_dir}")
    split = "validation" if "validation" in corpus else "train"
    toks = {"trained": tok, **{Path(p).name: load_tokenizer(p) for p in args.compare or []}}
    rows = compare_tokenizers(toks, list(corpus[split][args.text_column]))
    print(f"\non the {split} split:")
    print(text_table(("tokenizer", "vocab", "tokens", "tokens/word", "vocab used"),
                     [(r["tokenizer"], f"{r['vocab']:,}", f"{r['tokens']:,}", f"{r['tokens_per_word']:.3f}",
                       f"{r['vocab_used']:,}") for r in rows]))
    return 0


COMMANDS = [
    Command("build-dataset", "build a LEANER corpus into Parquet + dataset card (and push it)",
            (BuildDatasetArguments,), run_build_dataset),
    Command("stats", "corpus statistics: words, tokens, vocabulary, n-gram entropy, ...", (StatsArguments,), run_stats),
    Command("train-tokenizer", "train a byte-level BPE tokenizer; compare it with others", (TrainTokenizerArguments,),
            run_train_tokenizer),
]
