"""What each ``hf-leaner`` command does: ``cmd_<command>(args)`` runs it, ``check_<command>(args)`` checks
its flags together before anything heavy is imported or written (``cli.py`` holds the parser and ``main``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .cli_args import ARCHITECTURES, PRETRAIN_CONFIGS, Parser, UsageError, choice_list, flag, folder_or_hub_id, model_size
from .data.release import GENRES
from .utils.tables import text_table

CORPORA = ("leaner-pretrain", "leaner-glue", "leaner-eval", "leaner-instruct")


def _load_tokenizer(path: str | None):
    if not path:
        return None
    from .models.tokenizer import load_tokenizer

    return load_tokenizer(path)  # a local folder or a Hub id; never remote code


# ------------------------------------------------------------------------------------------ build-dataset


def cmd_build_dataset(args) -> int:
    from .data.publish import publish_corpus

    names = list(CORPORA) if args.name == "all" else [args.name]
    for name in names:
        t0 = time.time()
        result = publish_corpus(name, args.output_dir, data_dir=args.data, configs=args.configs,
                                on_corrupt=args.on_corrupt, max_shard_size=args.max_shard_size,
                                push_to_hub=args.push_to_hub and (args.push_to_hub if len(names) == 1
                                                                  else f"{args.push_to_hub}-{name}"),
                                private=args.private, progress=args.progress)
        print(f"\n{name} -> {result.folder}  ({time.time() - t0:.1f}s)")
        print(result.table())
        if result.pushed_to:
            print(f"pushed: {result.pushed_to}")
    return 0


def check_build_dataset(args) -> None:
    if args.private and not args.push_to_hub:
        raise UsageError("--private only applies with --push_to_hub REPO")
    if args.configs and args.name == "all":
        raise UsageError("--configs names configs of one corpus; give the corpus name instead of 'all'")


# ------------------------------------------------------------------------------------------------- stats


def cmd_stats(args) -> int:
    from .data import stats

    tokenizer = _load_tokenizer(args.tokenizer)
    rows = []
    progress = args.progress and not args.json
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
    text = stats.to_json(rows) if args.json else stats.format_table(rows)
    print(text)
    if args.output_json:
        Path(args.output_json).write_text(stats.to_json(rows))
    return 0


def check_stats(args) -> None:
    if not (args.files or args.data or args.dataset):
        raise UsageError("stats: nothing to measure; give files, --data or --dataset")
    if args.unpaired and not args.data:
        raise UsageError("--unpaired only applies with --data (a release copy)")
    if args.simplified and not args.data:
        raise UsageError("--simplified compares with a release copy: give --data too")
    if args.config and not args.dataset:
        raise UsageError("--config only applies with --dataset")
    if args.split is None and args.data:
        args.split = "validation"
    if args.output_json and Path(args.output_json).is_dir():
        raise UsageError(f"--output_json {args.output_json}: is a folder; give a file name")


# -------------------------------------------------------------------------------------------- quickstart


def cmd_quickstart(args) -> int:
    """The main job on the embedded default: the sample corpus, published and measured."""
    from .data import stats
    from .data.publish import publish_corpus
    from .data.release import NATURAL_GENRES
    from .sample_data import SAMPLE_DIR
    from .models import make_config
    from .models.tokenizer import train_tokenizer

    # the model size can only be fully checked by building its config: do it before anything is written
    make_config(args.arch, args.model_size, vocab_size=args.vocab_size, max_length=args.block_size)
    data_dir = Path(args.data) if args.data else SAMPLE_DIR
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = []
    print(f"[1/4] publishing the LEANER corpora from {data_dir} to {out / 'datasets'}")
    for name in CORPORA:
        t0 = time.time()
        published = publish_corpus(name, out / "datasets", data_dir=data_dir, on_corrupt="warn", progress=False)
        built = [r for r in published.results if r.status != "skipped"]
        rows = sum(sum(r.splits.values()) for r in built)
        summary.append((f"publish {name}", f"{len(built)} configs, {rows:,} rows", f"{time.time() - t0:.1f}s"))

    print(f"[2/4] training a {args.vocab_size:,}-token byte-level BPE tokenizer on the LEANER training text")
    t0 = time.time()
    from .data.corpora import load_leaner

    train = load_leaner("leaner-pretrain", f"leaner-{args.corpus_size}-all", data_dir=data_dir, split="train")
    tokenizer = train_tokenizer(iter(train["text"]), "clm", vocab_size=args.vocab_size)
    tokenizer.save_pretrained(out / "tokenizer")
    summary.append(("tokenizer", f"{len(tokenizer):,} tokens -> {out / 'tokenizer'}", f"{time.time() - t0:.1f}s"))

    print(f"[3/4] LEANER vs ORIGINAL statistics on the same documents ({args.corpus_size} {args.split})")
    t0 = time.time()
    rows = stats.release_statistics(data_dir, args.corpus_size, args.split, NATURAL_GENRES, tokenizer, progress=False)
    (out / "statistics.json").write_text(stats.to_json(rows))
    summary.append(("statistics", f"{len(rows)} rows -> {out / 'statistics.json'}", f"{time.time() - t0:.1f}s"))
    print()
    print(stats.format_table(rows))

    from .commands_curriculum import quickstart_curriculum

    summary.append(quickstart_curriculum(args, data_dir, out / "pretrain"))
    summary += quickstart_instruction_stage(args, out)
    print()
    print(text_table(("step", "result", "time"), summary))
    return 0


def quickstart_instruction_stage(args, out: Path) -> list:
    """After pretraining: instruction tuning, generation, LLM judge (see commands_instruct.quickstart_instruction)."""
    from .commands_instruct import pretrained_folder, quickstart_instruction

    if getattr(args, "skip_instruct", False):
        return []
    model = pretrained_folder(out / "pretrain")
    if model is None:
        print("[instruct] skipped: no saved pretrained model under " + str(out / "pretrain"))
        return []
    return quickstart_instruction(out, model, data=str(args.data) if args.data else "sample", progress=args.progress)


# the spellings other commands use for pretrain's own flags (HfArgumentParser takes --a_b and --a-b already)
PRETRAIN_ALIASES = {"--model_size": "--size", "--model-size": "--size", "--data_dir": "--data", "--data-dir": "--data",
                    "--output": "--output_dir", "--output-dir": "--output_dir"}


def pretrain_argv(argv: list[str]) -> list[str]:
    """Aliases renamed, then the flags of ``PretrainArguments`` checked in the first second: ``--arch``,
    ``--size``, ``--data`` and ``--data_config`` (TrainingArguments flags are checked by HfArgumentParser)."""
    argv = [PRETRAIN_ALIASES.get(a.split("=", 1)[0], a.split("=", 1)[0]) + a[len(a.split("=", 1)[0]):]
            if a.startswith("--") else a for a in argv]
    if any(a in ("-h", "--help") for a in argv):
        return argv
    from .train.presets import PRESETS, preset_flags

    pre = Parser(prog="hf-leaner pretrain", add_help=False, allow_abbrev=False)
    pre.add_argument("--preset", default="cpu", choices=list(PRESETS))
    pre.add_argument("--arch", default="llama", type=choice_list(ARCHITECTURES, "model family"))
    pre.add_argument("--size", default="1M", type=model_size)
    pre.add_argument("--data", default="sample")
    flag(pre, "--data_config", default="leaner-10M-all")
    known, _ = pre.parse_known_args(argv)
    argv = preset_flags(known.preset, known.data) + argv  # the user's own flags come later and win
    known, _ = pre.parse_known_args(argv)
    check_data_source(known.data, known.data_config)
    if not any(a.split("=", 1)[0] in ("--output_dir", "--output-dir") for a in argv):
        argv = argv + ["--output_dir", "outputs/pretrain"]
    return argv


def check_data_source(data: str, config: str) -> None:
    """``--data`` (sample, a release copy, a published folder, a datasets folder or Hub id) and its config."""
    path = Path(data).expanduser()
    if data == "sample" or (path / "data" / "leaner").is_dir():
        if config not in PRETRAIN_CONFIGS and config.replace("leaner+original-", "leaner-", 1) not in PRETRAIN_CONFIGS:
            raise UsageError(f"--data_config {config!r} is not a leaner-pretrain config; configs are "
                             "{leaner,original,leaner+original}-{10M,100M}-{all," + ",".join(GENRES) + "}, e.g. leaner-10M-all")
    elif path.is_dir() and (path / "README.md").is_file() and any(p.is_dir() for p in path.iterdir()):
        if not (path / config).is_dir():
            present = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
            raise UsageError(f"--data_config {config!r}: {data} has no such config; configs: {', '.join(present)}")
    elif not path.is_dir():
        try:
            folder_or_hub_id(data)
        except argparse.ArgumentTypeError as e:
            raise UsageError(f"--data {e}; give 'sample', a release copy, a folder written by build-dataset, "
                             "or a Hub dataset id") from None


def cmd_pretrain(argv: list[str]) -> int:
    """``hf-leaner pretrain [PretrainArguments] [CurriculumConfig / TrainingArguments flags]``."""
    argv = pretrain_argv(argv)
    from transformers import HfArgumentParser

    from .curriculum import CurriculumConfig
    from .train.pretrain import PretrainArguments, pretrain

    parser = HfArgumentParser((PretrainArguments, CurriculumConfig), prog="hf-leaner pretrain")
    parser.error = Parser.error.__get__(parser)  # a bad flag: one line, like every other command
    unknown = parser.parse_known_args(argv)[1]  # before the dataclasses check their values: a typo is the cause
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    pargs, args = parser.parse_args_into_dataclasses(args=argv)
    resume = args.resume_from_checkpoint
    summary = pretrain(pargs, args, resume_from_checkpoint=resume if resume not in (None, "False") else None)
    trainer = summary.pop("trainer")
    trainer.accelerator.end_training()  # several processes: tear the process group down cleanly
    if trainer.is_world_process_zero():
        rows = [("model", f"{pargs.arch} {pargs.size} ({summary['non_embedding_parameters']:,} non-embedding params)"),
                ("curriculum", f"{args.difficulty} / {args.pacing}, {len(summary['curriculum'])} stage(s), "
                               f"final fraction {summary['curriculum'][-1]['fraction']:.2f}"),
                ("steps / tokens", f"{summary['steps']:,} / {summary['tokens_seen']:,}")]
        rows += [(k.replace("eval_", "val ").replace("_", " "), f"{v:.4f}") for k, v in sorted(summary["eval"].items())]
        rows += [("time", f"{summary['seconds']:.0f}s"), ("saved", args.output_dir),
                 ("loss curve", str(Path(args.output_dir) / "loss_curve.png"))]
        print()
        print(text_table(("", ""), rows))
    return 0


def cmd_train_tokenizer(args) -> int:
    from .models.tokenizer import compare_tokenizers, train_tokenizer
    from .train.pretrain import PretrainArguments, load_corpus

    corpus = load_corpus(PretrainArguments(data=args.data, data_config=args.data_config))
    t0 = time.time()
    tok = train_tokenizer(iter(corpus["train"][args.text_column]), args.family, vocab_size=args.vocab_size)
    tok.save_pretrained(args.output_dir)
    print(f"trained {args.family} tokenizer, {len(tok):,} tokens, in {time.time() - t0:.1f}s -> {args.output_dir}")
    split = "validation" if "validation" in corpus else "train"
    toks = {"trained": tok, **{Path(p).name: _load_tokenizer(p) for p in args.compare or []}}
    rows = compare_tokenizers(toks, list(corpus[split][args.text_column]))
    print(f"\non the {split} split:")
    print(text_table(("tokenizer", "vocab", "tokens", "tokens/word", "vocab used"),
                     [(r["tokenizer"], f"{r['vocab']:,}", f"{r['tokens']:,}", f"{r['tokens_per_word']:.3f}",
                   f"{r['vocab_used']:,}") for r in rows]))
    return 0


def check_train_tokenizer(args) -> None:
    check_data_source(args.data, args.data_config)


def cmd_push_model(args) -> int:
    from .hub.model_card import push_model

    print(f"pushed: {push_model(args.folder, args.repo, private=args.private)}")
    return 0


def check_push_model(args) -> None:
    folder = Path(args.folder)
    if not ((folder / "hf_leaner_summary.json").is_file() or (folder / "hf_leaner_glue.json").is_file()):
        raise UsageError(f"{args.folder}: neither hf_leaner_summary.json nor hf_leaner_glue.json; push-model takes "
                         "a folder written by `hf-leaner pretrain` or by `eval-glue --save_models`")


def cmd_local_hub(args) -> int:
    from .hub.local_hub import serve

    serve(args.root, args.host, args.port, token_env=args.token_env)
    return 0
