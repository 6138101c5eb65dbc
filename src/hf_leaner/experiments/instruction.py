"""EXP2 at CPU scale: does a simpler language environment help instruction following?

{LEANER, ORIGINAL} pretraining x {LEANER, ORIGINAL} instruction tuning: the same tiny model is pretrained
on each corpus (same steps, one shared tokenizer), each is tuned on each instruction set, all four answer
the same LEANER-Eval questions, and one LLM judges the four answers to a question together (two orders).
Per seed; with several seeds the table gives the mean and a 95% t-interval over seeds.

Data: LEANER-Instruct is the release's ``instruction0000.jsonl`` when ``--data`` has it, else the embedded
sample's (written by us in the release's shape); ORIGINAL is ``--original_instructions`` (alpaca-cleaned in
the paper; any local file or datasets id), by default the sample's alpaca-shaped twin of the same records.
"""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

from hf_leaner.experiments.instruction_config import PAPER_SCALE, InstructionExperimentArguments  # noqa: F401
from hf_leaner.utils.parallel import run_parallel

VARIANTS = ("leaner", "original")


def _leaner_source(a: InstructionExperimentArguments) -> str:
    from hf_leaner.utils.errors import LeanerDataError
    from hf_leaner.data.instructions import load_instruction_records
    from hf_leaner.train.instruct import resolve_source

    if a.leaner_instructions:
        return a.leaner_instructions
    try:
        load_instruction_records(resolve_source(a.data), "validation")
        return a.data
    except LeanerDataError:
        return "sample"


def _pretrain_args(a: InstructionExperimentArguments, variant: str):
    from hf_leaner.train.pretrain import PretrainArguments

    return PretrainArguments(arch=a.arch, size=a.model_size, data=a.data, on_corrupt=a.on_corrupt,
                             block_size=a.block_size, vocab_size=a.vocab_size, max_eval_documents=50,
                             data_config=f"{variant}-{a.corpus_size}-all")


def shared_tokenizer(a: InstructionExperimentArguments, out: Path) -> Path:
    """One tokenizer trained on both training texts (so the two models read the same tokens), saved once."""
    from datasets import concatenate_datasets

    from hf_leaner.models import OBJECTIVE
    from hf_leaner.models.tokenizer import train_tokenizer
    from hf_leaner.train.pretrain import load_corpus

    folder = out / "tokenizer"
    if not (folder / "tokenizer.json").is_file():
        both = concatenate_datasets([load_corpus(_pretrain_args(a, v))["train"] for v in VARIANTS])
        train_tokenizer(iter(both["text"]), OBJECTIVE[a.arch], vocab_size=a.vocab_size).save_pretrained(folder)
    return folder


def pretrain_one(run: tuple) -> Path:
    """One (seed, corpus) pretraining run, skipped when its model is saved; a module-level function, so a worker
    process can run it."""
    import torch
    from transformers import AutoTokenizer
    from transformers.trainer_callback import PrinterCallback

    from hf_leaner.experiments.leaner_vs_original import _config
    from hf_leaner.train.pretrain import build_pretraining, load_corpus

    a, out, seed, variant = run
    folder = out / f"seed{seed}" / f"pretrained-{variant}"
    if not (folder / "config.json").is_file():  # a rerun reuses what is trained
        args = _config(folder, a.steps, seed, a.batch_size, 3e-3, max(10, a.steps // 4), pacing="none")
        args.use_cpu = not torch.cuda.is_available()  # --scale paper belongs on a GPU
        pargs = _pretrain_args(a, variant)
        trainer = build_pretraining(pargs, args, corpus=load_corpus(pargs),
                                    tokenizer=AutoTokenizer.from_pretrained(out / "tokenizer"))
        trainer.remove_callback(PrinterCallback)
        trainer.train()
        trainer.save_model(str(folder))
    return folder


def tune_one(run: tuple) -> Path:
    """One (seed, pretraining corpus, instruction set) tuning run, skipped when done."""
    from hf_leaner.train.instruct import InstructArguments, instruct

    a, out, seed, pre, inst, source = run
    tuned = out / f"seed{seed}" / f"pre-{pre}_inst-{inst}"
    if not (tuned / "hf_leaner_instruct.json").is_file():
        instruct(InstructArguments(model=str(out / f"seed{seed}" / f"pretrained-{pre}"), output_dir=str(tuned),
                                   data=source, max_steps=a.instruct_steps, batch_size=a.batch_size, seed=seed,
                                   quiet=True))
    return tuned


def run_instruction_experiment(a: InstructionExperimentArguments, log=print) -> dict:
    from hf_leaner.evaluation.generate import generate_answers, load_questions
    from hf_leaner.evaluation.judge import run_judge
    from hf_leaner.llm import LLMClient, LocalLLMServer

    out = Path(a.output_dir)
    sources = {"leaner": _leaner_source(a), "original": a.original_instructions}
    questions = load_questions(a.data if (Path(a.data) / "data" / "leaner" / "eval").is_dir() else "sample",
                               limit=a.questions_per_subset)
    per_seed = {}
    server = LocalLLMServer(threads=1) if a.judge_base_url == "local" else None  # beside the training workers
    with contextlib.ExitStack() as stack:
        if server:  # started now, in the background: its start-up overlaps the training below
            log("EXP2: starting the local judge endpoint in the background")
            stack.callback(server.stop)
            server.launch()
        shared_tokenizer(a, out)
        # every (seed, corpus) pretraining, then every (seed, corpus, instruction set) tuning: independent runs,
        # in worker processes when there are several cores
        runs = [(a, out, seed, v) for seed in a.seeds for v in VARIANTS]
        log(f"EXP2: pretraining {len(runs)} models on LEANER and ORIGINAL ({a.steps} steps each, {a.workers} at once)")
        for (_, _, seed, v), folder in run_parallel(runs, pretrain_one, a.workers):
            log(f"EXP2 seed {seed}: pretrained on {v.upper()} -> {folder}")
        runs = [(a, out, seed, p, i, sources[i]) for seed in a.seeds for p in VARIANTS for i in VARIANTS]
        log(f"EXP2: instruction tuning {len(runs)} models ({a.instruct_steps} steps each)")
        for (_, _, seed, p, i, _), tuned in run_parallel(runs, tune_one, a.workers):
            log(f"EXP2 seed {seed}: tuned pre-{p}_inst-{i} on {sources[i]}")
        if server:
            server.wait_ready()
        base_url = server.base_url if server else a.judge_base_url
        judge_model = a.judge_model or (server.model if server else None)
        for seed in a.seeds:
            root = out / f"seed{seed}"
            files = []
            for p in VARIANTS:
                for i in VARIANTS:
                    files.append(root / "answers" / f"pre-{p}_inst-{i}.jsonl")
                    generate_answers(str(root / f"pre-{p}_inst-{i}"), questions, files[-1],
                                     max_new_tokens=a.max_new_tokens)
            if a.judge_base_url == "none":
                log(f"EXP2 seed {seed}: answers in {root / 'answers'}; not judged (--judge_base_url none): "
                    f"hf-leaner judge --base_url URL --model NAME --answers {' '.join(map(str, files))} "
                    f"--output_dir {root / 'judge'}")
                continue
            log(f"EXP2 seed {seed}: judging {len(questions)} questions x 4 models with {judge_model}")
            client = LLMClient(base_url, judge_model, max_concurrency=a.judge_concurrency,
                               cache_dir=out / "llm_cache")
            try:
                per_seed[seed] = run_judge(client, files, root / "judge", seed=seed, log=log)
            finally:
                client.close()
    result = aggregate(per_seed)
    result.update(sources=sources, questions=len(questions), arguments=a.__dict__)
    (out / "results.json").write_text(json.dumps(result, indent=1))
    if result["table"]:
        plot_instruction(result, out / "instruction_following.png")
    return result


def _interval(values: list[float]) -> tuple[float, float | None]:
    """Mean and the half-width of a 95% t-interval (None for one value)."""
    from scipy import stats

    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return mean, stats.t.ppf(0.975, len(values) - 1) * sd / math.sqrt(len(values))


def aggregate(per_seed: dict) -> dict:
    cells = {}
    for seed, res in per_seed.items():
        for subset, block in [("all", res["all"]), *res["subsets"].items()]:
            for model, r in block.items():
                cell = cells.setdefault(subset, {}).setdefault(model, {"sum": [], "grammar": [], "coherence": [],
                                                                        "specificity": [], "failure_rate": [],
                                                                        "order_agreement": []})
                for k in cell:
                    if r.get(k) is not None:
                        cell[k].append(r[k])
    table = {s: {m: {k: _interval(v) if v else (None, None) for k, v in c.items()} for m, c in by.items()}
             for s, by in cells.items()}
    return {"seeds": list(per_seed), "table": table}


def format_instruction(result: dict) -> str:
    from hf_leaner.utils.tables import text_table

    def cell(pair):
        mean, half = pair
        return "-" if mean is None else (f"{mean:.2f}" + (f" ± {half:.2f}" if half is not None else ""))

    rows = [(s, m, cell(r["grammar"]), cell(r["coherence"]), cell(r["specificity"]), cell(r["sum"]),
             cell(r["failure_rate"]), cell(r["order_agreement"]))
            for s, by in result["table"].items() for m, r in by.items()]
    return text_table(("questions", "model", "grammar", "coherence", "specificity", "sum", "failure rate",
                       "order agreement"), rows) + (f"\n{len(result['seeds'])} seed(s); ± is a 95% t-interval over "
                                                   "seeds. Instruction data: " + ", ".join(
                                                       f"{k}={v}" for k, v in result["sources"].items()))


def plot_instruction(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    subsets = list(result["table"])
    models = list(result["table"]["all"])
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * len(subsets), 3.6))
    width = 0.8 / max(1, len(models))
    for k, m in enumerate(models):
        means = [(result["table"][s].get(m, {}).get("sum") or (None, None))[0] or 0 for s in subsets]
        errs = [(result["table"][s].get(m, {}).get("sum") or (None, None))[1] or 0 for s in subsets]
        ax.bar([i + k * width for i in range(len(subsets))], means, width, yerr=errs, label=m, capsize=2)
    ax.set_xticks([i + width * (len(models) - 1) / 2 for i in range(len(subsets))], subsets)
    ax.set_ylabel("judge sum (0-15)")
    ax.set_ylim(0, 15)
    ax.set_title("EXP2: instruction following by pretraining x instruction data")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
