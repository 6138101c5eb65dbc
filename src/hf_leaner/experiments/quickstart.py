"""The main job (``hf-leaner quickstart``, ``bash scripts/quickstart.sh``): publish the LEANER corpora from the
embedded sample (or a release copy), train a tokenizer, print LEANER-vs-ORIGINAL statistics, pretrain a tiny model
with a curriculum next to its random-order baseline over a few seeds, score every model zero-shot on minimal pairs
(made from the training vocabulary, offline), then a short instruction stage judged by the local LLM endpoint. Entry point: :func:`run_quickstart`. This module imports no torch at the top: the command line
reads ``QuickstartArguments`` before anything heavy loads.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

from hf_leaner.data.release import CORPORA, SIZES, SPLITS
from hf_leaner.models.presets import ARCHITECTURES
from hf_leaner.utils.args import arg, at_least, csv_list, model_size, positive_int, release_dir, writable_output
from hf_leaner.utils.tables import text_table

from .strategies import STRATEGIES
from .zero_shot_columns import OWN, ZERO_SHOT_HELP, check_zero_shot

# what the main job shows next to the baseline: the strategy and LR schedule the curriculum study found closest
QUICKSTART_STRATEGY, QUICKSTART_SCHEDULE = "warmup-compression", "wsd"


@dataclass
class QuickstartArguments:
    output_dir: str = arg("outputs/quickstart", "where everything goes", aliases=("--output",), value=writable_output)
    data: str | None = arg(None, "a release copy instead of the embedded sample", aliases=("--data_dir",),
                           value=release_dir)
    corpus_size: str = arg("10M", "the 10M or 100M corpus", aliases=("--size",), choices=SIZES)
    split: str = arg("validation", "the split the statistics are measured on", choices=SPLITS)
    vocab_size: int = arg(2000, "tokens the tokenizer may learn",
                          value=at_least(300, "a byte-level BPE holds its 256 byte tokens and special tokens"))
    arch: str = arg("llama", "model family", choices=ARCHITECTURES)
    model_size: str = arg("1M", "non-embedding parameters: 1M, 500K, 14M, ...", value=model_size)
    curriculum: str = arg(QUICKSTART_STRATEGY, "the curriculum strategy shown next to the baseline",
                          choices=[s for s in STRATEGIES if s != "baseline"])
    seeds: list[int] = arg(help="comma-separated", default_factory=lambda: [1, 2, 3], value=csv_list(int), nargs=None)
    steps: int = arg(200, "optimizer steps per pretraining run", value=positive_int)
    block_size: int = arg(128, "tokens per training block", value=at_least(8, "tokens per training block"))
    skip_instruct: bool = arg(False, "stop after pretraining (no instruction tuning, no judge)")
    zero_shot: list[str] = arg(help=ZERO_SHOT_HELP, default_factory=lambda: [OWN], nargs="+")

    def __post_init__(self):
        check_zero_shot(self.zero_shot)


def run_quickstart(args: QuickstartArguments, progress: bool = False) -> list[tuple[str, str, str]]:
    """The whole main job; returns the summary rows (step, result, time) it also prints."""
    from hf_leaner.data import stats
    from hf_leaner.data.corpora import load_leaner
    from hf_leaner.data.publish import publish_corpus
    from hf_leaner.data.release import NATURAL_GENRES
    from hf_leaner.models.build import make_config
    from hf_leaner.models.tokenizer import train_tokenizer
    from hf_leaner.sample_data import SAMPLE_DIR

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

    summary.append(pretraining_stage(args, data_dir, out / "pretrain", progress))
    if args.zero_shot != ["none"]:
        summary.append(zero_shot_stage(args, train["text"], out, progress))
    if not args.skip_instruct:
        model = pretrained_folder(out / "pretrain")
        if model is None:
            print("[instruct] skipped: no saved pretrained model under " + str(out / "pretrain"))
        else:
            summary += instruction_stage(out, model, data=str(args.data) if args.data else "sample",
                                         progress=progress)
    print()
    print(text_table(("step", "result", "time"), summary))
    return summary


def pretraining_stage(args: QuickstartArguments, data_dir, out: Path, progress: bool) -> tuple[str, str, str]:
    """The chosen strategy next to the random baseline, same tokens, same LR schedule, a few seeds; says plainly
    whether it wins. Returns the summary row."""
    from .curriculum import StudyArguments, compare_finals, run_study

    t0 = time.time()
    budget = args.steps * 8 * args.block_size
    print(f"\n[4/4] pretraining a tiny {args.arch} ({args.model_size}): {args.curriculum} ("
          f"{STRATEGIES[args.curriculum].what}) next to a random-order baseline; {budget:,} tokens each, "
          f"{QUICKSTART_SCHEDULE} LR schedule, seeds {','.join(map(str, args.seeds))}")
    study = StudyArguments(data=str(data_dir), data_config=f"leaner-{args.corpus_size}-all", output_dir=str(out),
                           strategies=("baseline", args.curriculum), schedules=(QUICKSTART_SCHEDULE,),
                           seeds=tuple(args.seeds), learning_rates=(4e-3,), budget=budget, arch=args.arch,
                           model_size=args.model_size, block_size=args.block_size, batch_size=8,
                           vocab_size=args.vocab_size, evals=min(10, args.steps), progress=progress,
                           save_models=not args.skip_instruct or args.zero_shot != ["none"],  # later stages read them
                           zero_shot=["none"])  # scored by the main job's own stage, beside the untrained model
    summary = run_study(study)
    print()
    print(summary["table"])
    print(f"\n{compare_finals(summary, args.curriculum, QUICKSTART_SCHEDULE)}")
    print(f"loss curves: {summary['png']} (the full study: hf-leaner experiment curriculum)")
    return ("pretraining", f"2 strategies x {len(args.seeds)} seeds x {args.steps} steps -> {out}",
            f"{time.time() - t0:.1f}s")


def zero_shot_stage(args: QuickstartArguments, texts, out: Path, progress: bool) -> tuple[str, str, str]:
    """Every pretrained model scored zero-shot on minimal pairs (by default pairs made from the training vocabulary,
    offline), mean ± 95% interval over seeds per strategy, beside the same model untrained."""
    from .curriculum.report import t_interval
    from .zero_shot_columns import score_models, zero_shot_suites

    t0 = time.time()
    runs = sorted(p.parent for p in (out / "pretrain" / "runs").rglob("config.json"))
    # runs/<schedule>/<strategy>/lr<LR>_seed<S>: label each model by strategy and seed
    models = {f"{run.parent.name}/{run.name.rsplit('_', 1)[1]}": str(run) for run in runs}
    print(f"\n[zero-shot] scoring {len(models)} pretrained models on minimal pairs ({', '.join(args.zero_shot)})")
    suites, data = zero_shot_suites(args.zero_shot, texts, out / "zero_shot")
    scores = score_models(models, suites, data, out / "zero_shot")
    floor = score_models(dict(list(models.items())[:1]), suites, data, out / "zero_shot" / "untrained", untrained=True)
    rows = []
    for strategy in dict.fromkeys(label.split("/")[0] for label in models):
        seeds = [label for label in models if label.startswith(strategy + "/")]
        cells = [t_interval([scores[label][suite]["accuracy"] for label in seeds]) for suite in suites]
        rows.append((strategy, str(len(seeds)), *(_ci(m, h) for m, h in cells)))
    untrained = next(label for label in floor if label.endswith("-untrained"))
    rows.append(("untrained", "1", *(f"{100 * floor[untrained][suite]['accuracy']:.1f}" for suite in suites)))
    print()
    print(text_table(("model", "seeds", *(f"{suite} %" for suite in suites)), rows))
    print(f"accuracy: the grammatical sentence more probable, ties half (chance 50); mean ± 95% t-interval over "
          f"seeds; per paradigm: {out / 'zero_shot' / 'results.md'}")
    best = ", ".join(f"{row[0]} {row[2]}" for row in rows)
    return ("zero-shot", f"{suites[0]}: {best} -> {out / 'zero_shot'}", f"{time.time() - t0:.1f}s")


def _ci(mean: float, half: float) -> str:
    return f"{100 * mean:.1f}" if half != half else f"{100 * mean:.1f} ± {100 * half:.1f}"  # nan: one seed


def pretrained_folder(pretrain_dir: Path) -> Path | None:
    """The first saved model under the pretrain folder: the curriculum study keeps its runs' models in
    runs/<schedule>/<strategy>/lr<LR>_seed<S>/, so the first in sorted order is a baseline run."""
    found = sorted(p.parent for p in pretrain_dir.rglob("config.json") if (p.parent / "tokenizer.json").is_file())
    return found[0] if found else None


def instruction_stage(out: Path, pretrained: Path, data: str = "sample", steps: int = 40, questions: int = 3,
                      progress: bool = False) -> list[tuple[str, str, str]]:
    """A short instruction tuning of ``pretrained``, answers of the pretrained and the tuned model to a handful of
    sample questions, judged by the local endpoint (skipped, with the reason, when it cannot start)."""
    from hf_leaner.data.instructions import load_instruction_records
    from hf_leaner.evaluation.generate import generate_answers, load_questions
    from hf_leaner.evaluation.judge import format_results, run_judge
    from hf_leaner.llm.connect import connect
    from hf_leaner.train.instruct import InstructArguments, instruct, resolve_source
    from hf_leaner.utils.errors import LeanerDataError
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    rows = []
    t0 = time.time()
    tuned = out / "instruct"
    try:
        load_instruction_records(resolve_source(data), "validation")
    except LeanerDataError as exc:
        print(f"[instruct] {exc}; using the embedded sample's LEANER-Instruct file instead")
        data = "sample"
    print(f"\n[instruct] tuning {pretrained.name} on LEANER-Instruct for {steps} steps (loss on the response only)")
    s = instruct(InstructArguments(model=str(pretrained), output_dir=str(tuned), data=data, max_steps=steps,
                                   progress=progress, quiet=True))
    rows.append(("instruction tuning", f"{s['steps']} steps, val loss {s['eval_loss']:.3f} -> {tuned}",
                 f"{time.time() - t0:.1f}s"))
    t0 = time.time()
    qs = load_questions(data, limit=2)[:questions]  # two per subset, so the table has more than one subset
    files = []
    for name, model in (("pretrained", pretrained), ("instructed", tuned)):
        files.append(out / "answers" / f"{name}.jsonl")
        g = generate_answers(str(model), qs, files[-1], max_new_tokens=48)
        print(f"[generate] {name}: {g['answered']} answers, {g['tokens_per_s']:.0f} tokens/s -> {files[-1]}")
    rows.append(("generation", f"{len(qs)} questions x 2 models -> {out / 'answers'}", f"{time.time() - t0:.1f}s"))
    t0 = time.time()
    print("[judge] starting the local OpenAI-compatible endpoint (SmolLM2-135M-Instruct; its scores test the "
          "plumbing, not the models)")
    with contextlib.ExitStack() as stack:
        try:
            client = stack.enter_context(connect("local", max_concurrency=2, cache_dir=out / "judge" / "llm_cache"))
        except Exception as exc:  # noqa: BLE001 -- no endpoint is a reason to skip the judge, not to fail the job
            print(f"[judge] skipped: no local endpoint could be started ({type(exc).__name__}: {exc}); judge later "
                  f"with `hf-leaner judge --base_url URL --model NAME --answers {' '.join(map(str, files))} "
                  f"--output_dir {out / 'judge'}`")
            rows.append(("judge", "skipped: no endpoint", f"{time.time() - t0:.1f}s"))
            return rows
        results = run_judge(client, files, out / "judge", log=lambda m: print(f"[judge] {m[7:]}"))
    print()
    print(format_results(results))
    sums = ", ".join(f"{m} {r['sum']:.1f}" if r["sum"] is not None else f"{m} -" for m, r in results["all"].items())
    rows.append(("judge", f"sum of 3 criteria (0-15): {sums} -> {out / 'judge'}", f"{time.time() - t0:.1f}s"))
    return rows
