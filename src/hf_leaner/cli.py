"""The ``hf-leaner`` command line: ``hf-leaner <command> --help`` for each command."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from .data.release import GENRES, SIZES, SPLITS, LeanerDataError
from .tables import text_table


def _load_tokenizer(path: str | None):
    if not path:
        return None
    from .tokenizer import load_tokenizer

    return load_tokenizer(path)  # a local folder or a Hub id; never remote code


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
                                         paired=not args.unpaired, on_corrupt="warn", progress=not args.json,
                                         max_memory_mb=args.max_memory_mb)
    if args.dataset:
        from datasets import load_dataset

        ds = load_dataset(args.dataset, args.config, split=args.split)
        rows += stats.dataset_statistics(ds, args.text_column, args.by, tokenizer,
                                         name=f"{Path(args.dataset).name}/{args.config or 'default'}",
                                         progress=not args.json, max_memory_mb=args.max_memory_mb)
    for f in args.files:
        rows.append(stats.corpus_statistics(stats.iter_text_file(f, args.text_column), Path(f).name,
                                            tokenizer, progress=not args.json, max_memory_mb=args.max_memory_mb))
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
    print(f"[1/4] publishing the LEANER corpora from {data_dir} to {out / 'datasets'}")
    for name in ("leaner-pretrain", "leaner-glue", "leaner-eval", "leaner-instruct"):
        t0 = time.time()
        report = publish_corpus(name, out / "datasets", data_dir=data_dir, on_corrupt="warn", progress=False)
        built = [r for r in report.results if r.status != "skipped"]
        rows = sum(sum(r.splits.values()) for r in built)
        summary.append((f"publish {name}", f"{len(built)} configs, {rows:,} rows", f"{time.time() - t0:.1f}s"))

    print("[2/4] training a 2,000-token byte-level BPE tokenizer on the LEANER training text")
    t0 = time.time()
    from .data.corpora import load_leaner

    train = load_leaner("leaner-pretrain", f"leaner-{args.size}-all", data_dir=data_dir, split="train")
    tokenizer = train_tokenizer(iter(train["text"]), "clm", vocab_size=args.vocab_size)
    tokenizer.save_pretrained(out / "tokenizer")
    summary.append(("tokenizer", f"{len(tokenizer):,} tokens -> {out / 'tokenizer'}", f"{time.time() - t0:.1f}s"))

    print(f"[3/4] LEANER vs ORIGINAL statistics on the same documents ({args.size} {args.split})")
    t0 = time.time()
    rows = stats.release_statistics(data_dir, args.size, args.split, NATURAL_GENRES, tokenizer, progress=False)
    (out / "statistics.json").write_text(stats.to_json(rows))
    summary.append(("statistics", f"{len(rows)} rows -> {out / 'statistics.json'}", f"{time.time() - t0:.1f}s"))
    print()
    print(stats.format_table(rows))

    from .train.experiment import STRATEGIES, format_curriculum_table, run_curriculum_experiment
    from .train.pretrain import PretrainArguments

    print(f"\n[4/4] pretraining a tiny {args.arch} ({args.model_size}) for {args.steps} steps: iterative curriculum "
          "next to a full-random baseline")
    t0 = time.time()
    pargs = PretrainArguments(arch=args.arch, size=args.model_size, data=str(data_dir), data_config=f"leaner-{args.size}-all",
                              block_size=args.block_size, max_eval_documents=100)
    iterative = next(n for n, s in STRATEGIES.items() if s.pacing == "iterative" and s.difficulty == args.curriculum)
    strategies = ("baseline (full random)", iterative)
    result = run_curriculum_experiment(pargs, out / "pretrain", steps=args.steps, eval_every=max(10, args.steps // 20),
                                       batch_size=8, strategies=strategies)
    summary.append(("pretraining", f"{len(strategies)} runs x {args.steps} steps -> {out / 'pretrain'}",
                    f"{time.time() - t0:.1f}s"))
    print()
    print(format_curriculum_table(result))
    print(f"loss curves: {out / 'pretrain' / 'curriculum_curves.png'}")
    print()
    print(text_table(("step", "result", "time"), summary))
    return 0


def cmd_pretrain(argv: list[str]) -> int:
    """``hf-leaner pretrain [PretrainArguments] [CurriculumConfig / TrainingArguments flags]``."""
    from transformers import HfArgumentParser

    from .curriculum import CurriculumConfig
    from .train.pretrain import PretrainArguments, pretrain

    parser = HfArgumentParser((PretrainArguments, CurriculumConfig), prog="hf-leaner pretrain")
    if not any(a.startswith("--output_dir") for a in argv):
        argv = argv + ["--output_dir", "outputs/pretrain"]
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


def cmd_experiment(args) -> int:
    from .train.experiment import (QUICK, STRATEGIES, format_curriculum_table, format_leaner_table,
                                   run_curriculum_experiment, run_leaner_vs_original)
    from .train.pretrain import PretrainArguments

    pargs = PretrainArguments(arch=args.arch, size=args.size, data=args.data, data_config=args.data_config,
                              block_size=args.block_size, vocab_size=args.vocab_size,
                              max_eval_documents=args.max_eval_documents)
    strategies = tuple(args.strategies) if args.strategies else (QUICK if args.quick else tuple(STRATEGIES))
    common = dict(steps=args.steps, seed=args.seed, batch_size=args.batch_size, lr=args.learning_rate,
                  eval_every=args.eval_every)
    result = run_curriculum_experiment(pargs, args.output, strategies=strategies, patience=args.patience,
                                       threshold=args.threshold, **common)
    print("\nEXP3: curriculum strategies, same steps, schedule and seed\n")
    print(format_curriculum_table(result))
    print(f"plot: {Path(args.output) / 'curriculum_curves.png'}")
    if not args.skip_leaner_vs_original:
        lvo = run_leaner_vs_original(pargs, args.output, **common)
        print("\nLEANER vs ORIGINAL pretraining at an equal token budget\n")
        print(format_leaner_table(lvo))
        print(f"plot: {Path(args.output) / 'leaner_vs_original.png'}")
    return 0


def cmd_train_tokenizer(args) -> int:
    from .tokenizer import compare_tokenizers, train_tokenizer
    from .train.pretrain import PretrainArguments, load_corpus

    corpus = load_corpus(PretrainArguments(data=args.data, data_config=args.data_config))
    t0 = time.time()
    tok = train_tokenizer(iter(corpus["train"][args.text_column]), args.family, vocab_size=args.vocab_size)
    tok.save_pretrained(args.output)
    print(f"trained {args.family} tokenizer, {len(tok):,} tokens, in {time.time() - t0:.1f}s -> {args.output}")
    split = "validation" if "validation" in corpus else "train"
    toks = {"trained": tok, **{Path(p).name: _load_tokenizer(p) for p in args.compare or []}}
    rows = compare_tokenizers(toks, list(corpus[split][args.text_column]))
    print(f"\non the {split} split:")
    print(text_table(("tokenizer", "vocab", "tokens", "tokens/word", "vocab used"),
                     [(r["tokenizer"], f"{r['vocab']:,}", f"{r['tokens']:,}", f"{r['tokens_per_word']:.3f}",
                   f"{r['vocab_used']:,}") for r in rows]))
    return 0


def cmd_push_model(args) -> int:
    from .hub.model_card import push_model

    print(f"pushed: {push_model(args.folder, args.repo, private=args.private)}")
    return 0


def cmd_local_hub(args) -> int:
    from .hub.local_hub import serve

    serve(args.root, args.host, args.port)
    return 0


# ------------------------------------------------------------------- eval-glue / push-results (issue 9)


def _csv(kind):
    return lambda text: [kind(x) for x in text.replace(",", " ").split()]


def cmd_eval_glue(args) -> int:
    from .evaluation.glue import GlueArguments, run_glue
    from .evaluation.glue_report import format_results

    import datasets
    import transformers

    transformers.logging.set_verbosity_error()  # the per-cell "newly initialized head" notes are expected
    transformers.logging.disable_progress_bar()  # one bar over cells instead of one per weight load / map
    datasets.disable_progress_bars()
    model = args.model
    if args.from_scratch not in (None, True):
        if model:
            raise LeanerDataError(f"give MODEL ({model}) or --from-scratch CONFIG ({args.from_scratch}), not both")
        model = args.from_scratch
    gargs = GlueArguments(model=model, from_scratch=args.from_scratch is not None, data=args.data, tasks=args.tasks,
                          output_dir=args.output_dir, preset=args.preset, learning_rates=args.learning_rates,
                          seeds=args.seeds, num_train_epochs=args.num_train_epochs, batch_size=args.batch_size,
                          max_length=args.max_length, max_train_examples=args.max_train_examples,
                          average=args.average or "glue", save_models=args.save_models)
    results = run_glue(gargs)
    print()
    print(format_results(results))
    for task, why in results["missing_train"].items():
        print(f"not fine-tuned: {task}: {why}")
    print(f"results: {Path(args.output_dir) / 'results.json'}; predictions: {Path(args.output_dir) / 'predictions'}")
    return 0


def cmd_push_results(args) -> int:
    from .hub.eval_results import push_results

    print(f"pushed: {push_results(args.run, args.repo, private=args.private)}")
    return 0


def add_eval_glue_parsers(sub) -> None:
    from .evaluation import TASKS

    g = sub.add_parser("eval-glue", help="fine-tune and score a model on LEANER-GLUE (grid of learning rates x seeds)")
    g.add_argument("model", nargs="?", help="a folder written by `hf-leaner pretrain`, or a Hub id")
    g.add_argument("--from-scratch", "--from_scratch", nargs="?", const=True, metavar="CONFIG",
                   help="the same config and tokenizer with random weights (CONFIG: a model folder or Hub id; "
                        "bare flag: MODEL's)")
    g.add_argument("--data", default="sample", help="a TinyHelen release copy folder (default: the embedded sample)")
    g.add_argument("--tasks", type=_csv(str), default=[t for t in TASKS if t != "wnli"],
                   help=f"comma-separated, from {','.join(TASKS)} (default: all but wnli)")
    g.add_argument("--preset", default="cpu", choices=["cpu", "tinyhelen", "babylm"],
                   help="recipe defaults: cpu (LR 1e-3, 1 seed, 3 epochs, batch 32, length 128), tinyhelen "
                        "(the paper's scripts), babylm (the BabyLM 2025 pipeline)")
    g.add_argument("--learning_rates", "--learning-rates", type=_csv(float), help="comma-separated (default: preset's)")
    g.add_argument("--seeds", type=_csv(int), help="comma-separated (default: preset's)")
    g.add_argument("--num_train_epochs", "--num-train-epochs", type=float, help="every task (default: preset's per task)")
    g.add_argument("--batch_size", "--batch-size", type=int)
    g.add_argument("--max_length", "--max-length", type=int)
    g.add_argument("--max_train_examples", "--max-train-examples", type=int, help="subsample each train split")
    g.add_argument("--average", choices=["glue", "babylm"], help="which average to report (default: preset's)")
    g.add_argument("--save_models", "--save-models", action="store_true", help="keep each fine-tuned model in OUT/models/")
    g.add_argument("--output_dir", "--output-dir", default="outputs/eval-glue")
    g.set_defaults(func=cmd_eval_glue)

    r = sub.add_parser("push-results", help="put an eval-glue run's results into a Hub repo's .eval_results and card")
    r.add_argument("run", help="an eval-glue output folder (holds results.json)")
    r.add_argument("--repo", required=True)
    r.add_argument("--private", action="store_true", default=None)
    r.set_defaults(func=cmd_push_results)

    # `experiment architectures` (EXP1) shares the experiment command's flags and adds its own
    e = sub.choices["experiment"]
    next(a for a in e._actions if a.dest == "which").choices.append("architectures")
    e.add_argument("--families", type=_csv(str), help="architectures: comma-separated (default: llama,bert,xlnet,mamba2)")
    e.add_argument("--glue_tasks", "--glue-tasks", type=_csv(str), help="architectures: default every task with a train split")
    e.add_argument("--glue_preset", "--glue-preset", default="cpu", choices=["cpu", "tinyhelen", "babylm"])
    e.add_argument("--glue_seeds", "--glue-seeds", type=_csv(int), help="architectures: default the preset's")
    e.add_argument("--glue_epochs", "--glue-epochs", type=float, help="architectures: default the preset's")
    e.add_argument("--glue_max_train_examples", "--glue-max-train-examples", type=int)
    run_curriculum = e.get_default("func")
    e.set_defaults(func=lambda args: (cmd_experiment_architectures if args.which == "architectures" else run_curriculum)(args))


def cmd_experiment_architectures(args) -> int:
    import datasets
    import transformers

    from .train.experiment_architectures import ArchitecturesArguments, format_architectures, run_architectures

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    a = ArchitecturesArguments(families=args.families or ["llama", "bert", "xlnet", "mamba2"], size=args.size,
                               data=args.data, data_config=args.data_config, steps=args.steps, batch_size=args.batch_size,
                               block_size=args.block_size, learning_rate=args.learning_rate, vocab_size=args.vocab_size,
                               seed=args.seed, glue_tasks=args.glue_tasks, glue_preset=args.glue_preset,
                               glue_seeds=args.glue_seeds, glue_epochs=args.glue_epochs,
                               glue_max_train_examples=args.glue_max_train_examples, output=args.output)
    result = run_architectures(a)
    print("\nEXP1: architectures at one parameter budget, LEANER vs ORIGINAL (equal tokens) vs scratch\n")
    print(format_architectures(result))
    print(f"plot: {Path(args.output) / 'architectures.png'}; table: {Path(args.output) / 'architectures.md'}")
    return 0

# ------------------------------------------------------------------- end of eval-glue / push-results (issue 9)


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
    s.add_argument("--max-memory-mb", type=int, default=4096,
                   help="memory for the n-gram tables; past it they spill to a temporary folder (same result)")
    s.add_argument("--output", help="also write the JSON here")
    s.set_defaults(func=cmd_stats)

    q = sub.add_parser("quickstart", help="the main job on the embedded sample corpus (CPU, offline)")
    q.add_argument("--output", default="outputs/quickstart")
    q.add_argument("--data-dir", help="a release copy instead of the embedded sample")
    q.add_argument("--size", choices=SIZES, default="10M")
    q.add_argument("--split", default="validation")
    q.add_argument("--vocab-size", type=int, default=2000)
    q.add_argument("--arch", default="llama", choices=["llama", "bert", "xlnet", "mamba2"])
    q.add_argument("--model-size", default="1M")
    q.add_argument("--curriculum", default="sentence_length",
                   choices=["random", "sentence_length", "self_loss", "lm_loss"], help="the iterative curriculum's scorer")
    q.add_argument("--steps", type=int, default=200)
    q.add_argument("--block-size", type=int, default=128)
    q.set_defaults(func=cmd_quickstart)

    sub.add_parser("pretrain", help="pretrain a tiny model, with or without a curriculum (--help for all flags)",
                   add_help=False)

    e = sub.add_parser("experiment", help="reproduce the paper's curriculum experiment at CPU scale")
    e.add_argument("which", choices=["curriculum"])
    e.add_argument("--data", default="sample", help="'sample', a release copy or a published corpus folder")
    e.add_argument("--data-config", default="leaner-10M-all")
    e.add_argument("--arch", default="llama", choices=["llama", "bert", "xlnet", "mamba2"])
    e.add_argument("--size", default="1M")
    e.add_argument("--steps", type=int, default=300)
    e.add_argument("--batch-size", type=int, default=16)
    e.add_argument("--block-size", type=int, default=128)
    e.add_argument("--learning-rate", type=float, default=3e-3)
    e.add_argument("--eval-every", type=int, default=20)
    e.add_argument("--patience", type=int, default=1)
    e.add_argument("--threshold", type=float, default=0.0, help="iterative: a smaller eval-loss drop is no improvement")
    e.add_argument("--vocab-size", type=int, default=2000)
    e.add_argument("--max-eval-documents", type=int, default=100, help="per genre")
    e.add_argument("--seed", type=int, default=42)
    e.add_argument("--strategies", nargs="+", help="names from the strategy table (default: all)")
    e.add_argument("--quick", action="store_true", help="only the baseline and the iterative sentence-length curriculum")
    e.add_argument("--skip-leaner-vs-original", action="store_true")
    e.add_argument("--output", default="outputs/experiment")
    e.set_defaults(func=cmd_experiment)

    t = sub.add_parser("train-tokenizer", help="train a byte-level BPE tokenizer; compare it with others")
    t.add_argument("--data", default="sample")
    t.add_argument("--data-config", default="leaner-10M-all")
    t.add_argument("--text-column", default="text")
    t.add_argument("--family", default="clm", choices=["clm", "mlm", "plm", "llama", "bert", "xlnet", "mamba2"])
    t.add_argument("--vocab-size", type=int, default=2000)
    t.add_argument("--output", required=True)
    t.add_argument("--compare", nargs="+", help="tokenizer folders to compare with (e.g. the release's gpt-2K)")
    t.set_defaults(func=cmd_train_tokenizer)

    m = sub.add_parser("push-model", help="push a folder written by `pretrain` (card with eval results included)")
    m.add_argument("folder")
    m.add_argument("--repo", required=True)
    m.add_argument("--private", action="store_true", default=None)
    m.set_defaults(func=cmd_push_model)

    h = sub.add_parser("local-hub", help="serve a local folder as a Hub endpoint (then set HF_ENDPOINT to it)")
    h.add_argument("--root", required=True, help="folder holding models/ and datasets/ repos")
    h.add_argument("--host", default="127.0.0.1", help="bind address (keep it loopback)")
    h.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    h.set_defaults(func=cmd_local_hub)
    add_eval_glue_parsers(sub)  # issue 9
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["pretrain"]:  # its flags are TrainingArguments': HfArgumentParser parses them
        try:
            return cmd_pretrain(argv[1:])
        except LeanerDataError as e:
            print(f"hf-leaner: error: {e}", file=sys.stderr)
            return 2
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
