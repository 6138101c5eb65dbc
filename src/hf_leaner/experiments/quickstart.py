"""The main job (``hf-leaner quickstart``, ``bash scripts/quickstart.sh``): find the data (a release copy, the
release's files from the Hub, or the embedded sample: ``data.fetch``), publish the LEANER corpora, train a tokenizer,
print LEANER-vs-ORIGINAL statistics, pretrain a tiny model with a curriculum next to its random-order baseline over a
few seeds in worker processes, score every model zero-shot on minimal pairs (made from the training vocabulary,
offline), then a short instruction stage judged by the local LLM endpoint (started in the background at the
beginning) or a capable judge. Entry point: :func:`run_quickstart`. This module imports no torch at the top: the
command line reads ``QuickstartArguments`` before anything heavy loads.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from hf_leaner.data.fetch import AUTO, SAMPLE
from hf_leaner.data.release import CORPORA, SIZES, SPLITS
from hf_leaner.llm.client import public_url
from hf_leaner.llm.connect import check_endpoint
from hf_leaner.models.presets import ARCHITECTURES
from hf_leaner.utils.args import steps as steps_check
from hf_leaner.utils.args import (arg, at_least, csv_list, model_size, nonnegative_int, positive_int, release_dir,
                                  writable_output)
from hf_leaner.utils.errors import MissingSourceError, UsageError
from hf_leaner.utils.tables import text_table

from .strategies import STRATEGIES
from .zero_shot_columns import OWN, ZERO_SHOT_HELP, check_zero_shot

# what the main job shows next to the baseline: the strategy and LR schedule the curriculum study found closest
QUICKSTART_STRATEGY, QUICKSTART_SCHEDULE = "warmup-compression", "wsd"


def auto_or_release_dir(text: str) -> str:
    return text if text in (AUTO, SAMPLE) else release_dir(text)


@dataclass
class QuickstartArguments:
    output_dir: str = arg("outputs/quickstart", "where everything goes", aliases=("--output",), value=writable_output)
    data: str = arg("auto", "a release copy; 'auto': the files the job needs from the Hub dataset "
                    "EmpathYang/TinyHelen (cached), or the embedded sample when offline; 'sample': the sample",
                    aliases=("--data_dir",), value=auto_or_release_dir)
    corpus_size: str = arg("10M", "the 10M or 100M corpus", aliases=("--size",), choices=SIZES)
    split: str = arg("validation", "the split the statistics are measured on", choices=SPLITS)
    vocab_size: int = arg(2000, "tokens the tokenizer may learn",
                          value=at_least(300, "a byte-level BPE holds its 256 byte tokens and special tokens"))
    arch: str = arg("llama", "model family", choices=ARCHITECTURES)
    model_size: str = arg("1M", "non-embedding parameters: 1M, 500K, 14M, ...", value=model_size)
    curriculum: str = arg(QUICKSTART_STRATEGY, "the curriculum strategy shown next to the baseline",
                          choices=[s for s in STRATEGIES if s != "baseline"])
    seeds: list[int] = arg(help="comma-separated", default_factory=lambda: [1, 2, 3], value=csv_list(int), nargs=None)
    steps: int = arg(120, "optimizer steps per pretraining run (8 blocks each; the main job keeps to 2 minutes on two "
                     "quiet cores)", value=steps_check)
    block_size: int = arg(128, "tokens per training block", value=at_least(8, "tokens per training block"))
    skip_instruct: bool = arg(False, "stop after pretraining (no instruction tuning, no judge)")
    zero_shot: list[str] = arg(help=ZERO_SHOT_HELP, default_factory=lambda: [OWN], nargs="+")
    zero_shot_pairs: int = arg(100, "at most N pairs per paradigm of each --zero_shot suite (a seeded subset, "
                                      "said in the output; 0: all)", value=nonnegative_int)
    judge_base_url: str | None = arg(None, "an OpenAI-compatible endpoint (ending in /v1) whose model judges the "
                                     "answers; without it the local 135M endpoint only checks the plumbing")
    judge_model: str | None = arg(None, "the judge's model name (with --judge_base_url)")
    judge_api_key_env: str | None = arg(None, "environment variable holding the judge's key (default "
                                        "HF_LEANER_LLM_API_KEY, then OPENAI_API_KEY)")

    def __post_init__(self):
        check_zero_shot(self.zero_shot)
        if self.judge_base_url:
            check_endpoint(self.judge_base_url, self.judge_model, "--judge_base_url")
        elif self.judge_model:
            raise UsageError("--judge_model needs --judge_base_url (without both, the local endpoint checks plumbing)")


def run_quickstart(args: QuickstartArguments, progress: bool = False) -> list[tuple[str, str, str]]:
    """The whole main job; returns the summary rows (step, result, time) it also prints."""
    from hf_leaner.data.fetch import main_job_files, resolve_release
    from hf_leaner.models.build import make_config

    # the model size can only be fully checked by building its config: do it before anything is written
    make_config(args.arch, args.model_size, vocab_size=args.vocab_size, max_length=args.block_size)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    data_dir, why = resolve_release(args.data, main_job_files(args.corpus_size))
    print(f"data: {data_dir} ({why})")
    with contextlib.ExitStack() as stack:
        # the local judge starts now, in the background: its minute of start-up overlaps the stages before it
        judge_server = None if args.skip_instruct or args.judge_base_url else launch_local_judge(stack)
        return _stages(args, data_dir, out, progress, judge_server)


def launch_local_judge(stack: contextlib.ExitStack):
    """The local endpoint launched without waiting (stopped when ``stack`` closes), or the reason it could not be."""
    from hf_leaner.llm.server import LocalLLMServer

    try:
        server = LocalLLMServer(threads=1)  # it shares the cores with the training workers
        stack.callback(server.stop)
        return server.launch()
    except Exception as exc:  # noqa: BLE001 -- no endpoint is a reason to skip the judge, not to fail the job
        return f"{type(exc).__name__}: {exc}"


def _stages(args: QuickstartArguments, data_dir: Path, out: Path, progress: bool, judge_server) -> list:
    from hf_leaner.data import stats
    from hf_leaner.data.corpora import load_leaner
    from hf_leaner.data.publish import publish_corpus
    from hf_leaner.data.release import NATURAL_GENRES
    from hf_leaner.models.tokenizer import train_tokenizer
    from hf_leaner.sample_data import SAMPLE_DIR

    summary = [("data", str(data_dir), "")]
    stages = 4 + (args.zero_shot != ["none"]) + (not args.skip_instruct)
    print(f"[1/{stages}] publishing the LEANER corpora from {data_dir} to {out / 'datasets'}")
    for name in CORPORA:
        t0 = time.time()
        try:
            published = publish_corpus(name, out / "datasets", data_dir=data_dir, on_corrupt="warn", progress=False)
        except MissingSourceError as exc:  # a partial release copy (no instruction file, say): the rest goes on
            print(f"  {name}: not published: {exc}")
            summary.append((f"publish {name}", "skipped: no source files in this copy", f"{time.time() - t0:.1f}s"))
            continue
        built = [r for r in published.results if r.status != "skipped"]
        rows = sum(sum(r.splits.values()) for r in built)
        summary.append((f"publish {name}", f"{len(built)} configs, {rows:,} rows", f"{time.time() - t0:.1f}s"))

    print(f"[2/{stages}] training a byte-level BPE tokenizer of up to {args.vocab_size:,} tokens on the LEANER "
          "training text")
    t0 = time.time()
    train = load_leaner("leaner-pretrain", f"leaner-{args.corpus_size}-all", data_dir=data_dir, split="train")
    tokenizer = train_tokenizer(iter(train["text"]), "clm", vocab_size=args.vocab_size)
    tokenizer.save_pretrained(out / "tokenizer")
    if len(tokenizer) < args.vocab_size:
        print(f"  learned {len(tokenizer):,} tokens: asked for {args.vocab_size:,}, the corpus has no more pairs to merge")
    summary.append(("tokenizer", f"{len(tokenizer):,} tokens (asked for {args.vocab_size:,}) -> {out / 'tokenizer'}",
                    f"{time.time() - t0:.1f}s"))

    print(f"[3/{stages}] LEANER vs ORIGINAL statistics on the same documents ({args.corpus_size} {args.split})")
    t0 = time.time()
    rows = stats.release_statistics(data_dir, args.corpus_size, args.split, NATURAL_GENRES, tokenizer, progress=False)
    (out / "statistics.json").write_text(stats.to_json(rows))
    summary.append(("statistics", f"{len(rows)} rows -> {out / 'statistics.json'}", f"{time.time() - t0:.1f}s"))
    print()
    print(stats.format_table(rows))

    summary.append(pretraining_stage(args, data_dir, out / "pretrain", progress, f"[4/{stages}]"))
    if args.zero_shot != ["none"]:
        summary.append(zero_shot_stage(args, train["text"], out, progress, f"[5/{stages}]"))
    if not args.skip_instruct:
        model = pretrained_folder(out / "pretrain")
        if model is None:
            print("[instruct] skipped: no saved pretrained model under " + str(out / "pretrain"))
        else:
            print(f"\n[{stages}/{stages}] instruction tuning, answers, the judge")
            summary += instruction_stage(out, model, data=str(data_dir),
                                         progress=progress, judge=(args.judge_base_url, args.judge_model,
                                                                   args.judge_api_key_env), local=judge_server)
    print()
    print(text_table(("step", "result", "time"), summary))
    if data_dir.resolve() == SAMPLE_DIR.resolve():
        words = len({w for text in train["text"] for w in re.findall(r"[a-z]+", text.lower())})
        print(f"\nThis ran on the embedded sample: its LEANER training text has {words:,} distinct words, so the "
              f"tokenizer learned {len(tokenizer):,} of {args.vocab_size:,} tokens and the models nearly memorise "
              "it. These numbers show that the pipeline works, not what the method does: run online (--data auto "
              "fetches the release's files) or with --data PATH to a release copy.")
    return summary


def pretraining_stage(args: QuickstartArguments, data_dir, out: Path, progress: bool,
                      stage: str = "[pretrain]") -> tuple[str, str, str]:
    """The chosen strategy next to the random baseline, same tokens, same LR schedule, a few seeds; says plainly
    whether it wins. Returns the summary row."""
    from .curriculum import StudyArguments, compare_finals, run_study

    t0 = time.time()
    budget = args.steps * 8 * args.block_size
    print(f"\n{stage} pretraining a tiny {args.arch} ({args.model_size}): {args.curriculum} ("
          f"{STRATEGIES[args.curriculum].what}) next to a random-order baseline; {budget:,} tokens each, "
          f"{QUICKSTART_SCHEDULE} LR schedule, seeds {','.join(map(str, args.seeds))}")
    study = StudyArguments(data=str(data_dir), data_config=f"leaner-{args.corpus_size}-all", output_dir=str(out),
                           strategies=("baseline", args.curriculum), schedules=(QUICKSTART_SCHEDULE,),
                           seeds=tuple(args.seeds), learning_rates=(4e-3,), budget=budget, arch=args.arch,
                           model_size=args.model_size, block_size=args.block_size, batch_size=8,
                           vocab_size=args.vocab_size, progress=progress,
                           # a few evaluations on a small validation slice: on real data, ten evaluations of the
                           # study's default slice cost more than the run they judged
                           evals=min(5, args.steps), eval_chars_per_genre=8_000, heldout_chars=16_000,
                           save_models=not args.skip_instruct or args.zero_shot != ["none"],  # later stages read them
                           zero_shot=["none"])  # scored by the main job's own stage, beside the untrained model
    summary = run_study(study)
    print()
    print(summary["table"])
    print(f"\n{compare_finals(summary, args.curriculum, QUICKSTART_SCHEDULE)}")
    print(f"loss curves: {summary['png']} (the full study: hf-leaner experiment curriculum)")
    return ("pretraining", f"2 strategies x {len(args.seeds)} seeds x {args.steps} steps -> {out}",
            f"{time.time() - t0:.1f}s")


def zero_shot_stage(args: QuickstartArguments, texts, out: Path, progress: bool,
                    stage: str = "[zero-shot]") -> tuple[str, str, str]:
    """Every pretrained model scored zero-shot on minimal pairs (by default pairs made from the training vocabulary,
    offline), mean ± 95% interval over seeds per strategy, beside the same model untrained."""
    from .curriculum.report import t_interval
    from .zero_shot_columns import score_models, zero_shot_suites

    t0 = time.time()
    runs = sorted(p.parent for p in (out / "pretrain" / "runs").rglob("config.json"))
    # runs/<schedule>/<strategy>/lr<LR>_seed<S>: label each model by strategy and seed
    models = {f"{run.parent.name}/{run.name.rsplit('_', 1)[1]}": str(run) for run in runs}
    print(f"\n{stage} zero-shot: scoring {len(models)} pretrained models on minimal pairs ({', '.join(args.zero_shot)})")
    suites, data = zero_shot_suites(args.zero_shot, texts, out / "zero_shot")
    cap = args.zero_shot_pairs or None
    scores = score_models(models, suites, data, out / "zero_shot", cap)
    floor = score_models(dict(list(models.items())[:1]), suites, data, out / "zero_shot" / "untrained", cap,
                         untrained=True)
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
          f"seeds" + (f"; at most {cap} pairs per paradigm (a seeded subset)" if cap else "")
          + f"; per paradigm: {out / 'zero_shot' / 'results.md'}")
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
                      progress: bool = False, judge: tuple = (None, None, None),
                      local=None) -> list[tuple[str, str, str]]:
    """A short instruction tuning of ``pretrained``, answers of the pretrained and the tuned model to a handful of
    sample questions, then the judge: a capable one (``judge`` = base URL, model, key variable) compares the two;
    without one, the local 135M endpoint only checks that judging works end to end (one question, no scores shown:
    its ratings follow the order of the answers, not their quality). Skipped, with the reason, when no endpoint."""
    from hf_leaner.data.instructions import load_instruction_records
    from hf_leaner.evaluation.generate import generate_answers, load_questions
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
    print(f"[instruct] tuning {pretrained.name} on LEANER-Instruct for {steps} steps (loss on the response only)")
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
    rows.append(judge_stage(out, files, judge, local))
    return rows


def judge_stage(out: Path, files: list[Path], judge: tuple, local=None) -> tuple[str, str, str]:
    """``local``: a launched ``LocalLLMServer`` (or the reason none could be launched) for the plumbing check;
    ``None`` starts one here."""
    from hf_leaner.evaluation.judge import format_results, run_judge
    from hf_leaner.llm.connect import connect

    t0 = time.time()
    base_url, model, key_env = judge
    capable = base_url is not None
    later = (f"`hf-leaner judge --base_url URL --model NAME --answers {' '.join(map(str, files))} --output_dir "
             f"{out / 'judge'}`")
    if capable:
        print(f"[judge] {model} at {public_url(base_url)} compares the pretrained and the instructed answers")
    else:
        print("[judge] plumbing check: the local endpoint (SmolLM2-135M-Instruct) judges one question, in one order; "
              "a 135M judge "
              "rates answers by their order, not their quality, so no score is shown (for the comparison: "
              "--judge_base_url URL --judge_model NAME)")
    with contextlib.ExitStack() as stack:
        try:
            if isinstance(local, str):
                raise RuntimeError(local)
            if local is not None and not capable:
                local.wait_ready()
                base_url, model = local.base_url, local.model
            client = stack.enter_context(connect(base_url or "local", model, api_key_env=key_env, max_concurrency=2,
                                                 cache_dir=out / "judge" / "llm_cache"))
        except Exception as exc:  # noqa: BLE001 -- no endpoint is a reason to skip the judge, not to fail the job
            what = f"{public_url(base_url)} could not be reached" if capable else "no local endpoint could be started"
            print(f"[judge] skipped: {what} ({type(exc).__name__}: {exc}); judge later with " + later)
            return ("judge", "skipped: no endpoint", f"{time.time() - t0:.1f}s")
        if not capable:  # one question's answers, in both orders: enough to prove the path works
            files = [_first_answer(f, out / "judge" / "plumbing" / f.name) for f in files]
        # the plumbing check asks in one order only: each request of a 135M judge on one thread takes ~5 s, and
        # the stage may take at most a tenth of the main job for a check that shows no score
        results = run_judge(client, files, out / "judge", log=lambda m: print(f"[judge] {m[7:]}"),
                            orders=2 if capable else 1)
    if not capable:
        r = results["all"]
        replies = sum(v["scored"] for v in r.values())
        return ("judge", f"plumbing check (local 135M): {replies}/{sum(v['questions'] for v in r.values())} "
                f"judgements parsed; for a comparison give --judge_base_url", f"{time.time() - t0:.1f}s")
    print()
    print(format_results(results))
    sums = ", ".join(f"{m} {r['sum']:.1f}" if r["sum"] is not None else f"{m} -" for m, r in results["all"].items())
    return ("judge", f"{model}: sum of 3 criteria (0-15): {sums} -> {out / 'judge'}", f"{time.time() - t0:.1f}s")


def _first_answer(path: Path, to: Path) -> Path:
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(path.read_text().splitlines()[0] + "\n")
    return to
