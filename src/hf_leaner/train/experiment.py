"""The paper's curriculum experiment (EXP3) at a scale a CPU runs in minutes, and LEANER vs ORIGINAL.

Every strategy trains the same model (same preset, seed, initialisation, learning-rate schedule and
number of steps) on the same packed data; only the order in which the data is admitted differs.
CLIMB's lesson applies: each curriculum is judged against the full-random baseline of equal budget.

Reported: validation loss at fixed fractions of the run, and the steps each strategy needs to reach
the baseline's final validation loss (ratio < 1 = the curriculum saves steps; the paper reports ~0.8
for its LM-loss curriculum at 14M parameters and 100M tokens).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm.auto import tqdm
from transformers import TrainerCallback
from transformers.trainer_callback import PrinterCallback

from hf_leaner.curriculum import CurriculumConfig
from hf_leaner.models import OBJECTIVE
from hf_leaner.tables import text_table
from hf_leaner.train.plots import plot_curves
from hf_leaner.train.pretrain import (PretrainArguments, build_pretraining, load_corpus, pack_eval_sets,
                                       tokenize_documents)


@dataclass(frozen=True)
class Strategy:
    name: str
    difficulty: str = "random"
    pacing: str = "none"


STRATEGIES = {
    "baseline (full random)": Strategy("baseline (full random)"),
    "iterative / random": Strategy("iterative / random", "random", "iterative"),
    "iterative / sentence length": Strategy("iterative / sentence length", "sentence_length", "iterative"),
    "iterative / self-loss": Strategy("iterative / self-loss", "self_loss", "iterative"),
    "iterative / LM-loss": Strategy("iterative / LM-loss", "lm_loss", "iterative"),
    "linear / sentence length": Strategy("linear / sentence length", "sentence_length", "linear"),
    "root / unigram perplexity": Strategy("root / unigram perplexity", "unigram_perplexity", "root"),
}
QUICK = ("baseline (full random)", "iterative / sentence length")


def _config(output_dir: Path, steps: int, seed: int, batch_size: int, lr: float, eval_every: int, **curriculum):
    return CurriculumConfig(
        output_dir=str(output_dir), max_steps=steps, per_device_train_batch_size=batch_size, learning_rate=lr,
        lr_scheduler_type="cosine", warmup_steps=max(1, steps // 20), weight_decay=0.01, eval_strategy="steps",
        eval_steps=eval_every, logging_steps=eval_every, save_strategy="no", report_to=[], seed=seed,
        per_device_eval_batch_size=32, disable_tqdm=True, use_cpu=True, **curriculum)


class RunProgress(TrainerCallback):
    """One compact progress bar per run (step, eval loss, data in use) instead of a log dict per evaluation."""

    def __init__(self, name: str):
        self.name, self.bar, self.post = name, None, {}

    def on_train_begin(self, args, state, control, **kwargs):
        self.bar = tqdm(total=args.max_steps, desc=f"{self.name:<28}", unit="step", leave=True, initial=state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "eval_loss" in logs:
            self.post["val"] = f"{logs['eval_loss']:.3f}"
        if "curriculum/fraction" in logs:
            self.post["data"] = f"{logs['curriculum/fraction']:.0%}"
        if self.bar is not None:
            self.bar.set_postfix(self.post, refresh=False)

    def on_train_end(self, args, state, control, **kwargs):
        self.bar.close()


def _quiet(trainer, name: str):
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(RunProgress(name))
    return trainer


def _eval_curve(log_history) -> list[tuple[int, float]]:
    return [(h["step"], h["eval_loss"]) for h in log_history if "eval_loss" in h and "epoch" in h]


def steps_to_reach(curve: list[tuple[int, float]], target: float) -> int | None:
    return next((s for s, v in curve if v <= target + 1e-9), None)


def run_curriculum_experiment(pargs: PretrainArguments, output_dir: str | Path, steps: int = 300, seed: int = 42,
                              batch_size: int = 16, lr: float = 3e-3, eval_every: int = 20,
                              strategies: tuple[str, ...] = tuple(STRATEGIES), patience: int = 1,
                              threshold: float = 0.0, start_fraction: float = 0.05) -> dict:
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus(pargs)
    tokenizer = None
    curves, finals, seconds, fractions = {}, {}, {}, {}
    baseline_dir = None
    for name in strategies:
        strat = STRATEGIES[name]
        run_dir = out / strat.name.replace(" / ", "-").replace(" ", "_").replace("(", "").replace(")", "")
        extra = {}
        if strat.difficulty == "lm_loss":  # the reference LM: the baseline trained on the same data
            if baseline_dir is None:
                raise ValueError("the LM-loss strategy needs the baseline to run first (it is the reference model)")
            extra["reference_model"] = str(baseline_dir)
        args = _config(run_dir, steps, seed, batch_size, lr, eval_every, difficulty=strat.difficulty, pacing=strat.pacing,
                       patience=patience, threshold=threshold, start_fraction=start_fraction, **extra)
        t0 = time.time()
        trainer = _quiet(build_pretraining(pargs, args, corpus=corpus, tokenizer=tokenizer), name)
        tokenizer = trainer.processing_class  # one tokenizer for every strategy
        trainer.train()
        curves[name] = _eval_curve(trainer.state.log_history)
        fractions[name] = [(0, trainer.curriculum_status(0)["curriculum/fraction"])] + [
            (h["step"], h["curriculum/fraction"]) for h in trainer.state.log_history if "curriculum/fraction" in h]
        finals[name] = curves[name][-1][1] if curves[name] else float("nan")
        seconds[name] = time.time() - t0
        if strat.pacing == "none":
            trainer.save_model(str(run_dir))
            baseline_dir = run_dir
    base = strategies[0]
    target = finals[base]
    base_steps = steps_to_reach(curves[base], target)
    checkpoints = sorted({max(eval_every, round(steps * f / eval_every) * eval_every) for f in (0.25, 0.5, 0.75, 1.0)})
    rows = []
    for name in strategies:
        at = dict(curves[name])
        reach = steps_to_reach(curves[name], target)
        rows.append({"strategy": name, **{f"loss@{c}": at.get(c) for c in checkpoints},
                     "steps_to_baseline_loss": reach,
                     "ratio": (reach / base_steps) if reach and base_steps else None,
                     "seconds": round(seconds[name], 1)})
    plot_curves(curves, out / "curriculum_curves.png", f"{pargs.arch} {pargs.size}: validation loss by strategy",
                reference=target, fractions=fractions)
    result = {"rows": rows, "curves": curves, "fractions": fractions, "baseline_final_loss": target, "checkpoints": checkpoints,
              "steps": steps, "tokens_per_step": batch_size * pargs.block_size}
    (out / "curriculum_results.json").write_text(json.dumps(result, indent=1))
    return result


def run_leaner_vs_original(pargs: PretrainArguments, output_dir: str | Path, steps: int = 300, seed: int = 42,
                           batch_size: int = 16, lr: float = 3e-3, eval_every: int = 20) -> dict:
    """Same model, same token budget, trained on LEANER or on ORIGINAL text; each evaluated on both validation sets
    with one shared tokenizer (trained on both training texts), so per-token losses compare."""
    from datasets import concatenate_datasets

    from hf_leaner.tokenizer import train_tokenizer

    out = Path(output_dir)
    size_genre = pargs.data_config.split("-", 1)[1]  # e.g. 10M-all
    corpora = {v: load_corpus(replace(pargs, data_config=f"{v}-{size_genre}")) for v in ("leaner", "original")}
    both = concatenate_datasets([corpora[v]["train"] for v in corpora])
    objective = OBJECTIVE[pargs.arch]
    tokenizer = train_tokenizer(iter(both[pargs.text_column]), objective, vocab_size=pargs.vocab_size)
    eval_sets = {}  # each corpus' validation set, tokenized and packed once for both models
    for name, corpus in corpora.items():
        sets = pack_eval_sets(tokenize_documents(corpus[pargs.eval_split], tokenizer, pargs.text_column), tokenizer,
                              objective, pargs)
        eval_sets[name] = sets if len(sets) > 1 else next(iter(sets.values()))
    table, curves = {}, {}
    for trained_on, corpus in corpora.items():
        args = _config(out / f"trained_on_{trained_on}", steps, seed, batch_size, lr, eval_every, pacing="none")
        trainer = _quiet(build_pretraining(pargs, args, corpus=corpus, tokenizer=tokenizer), f"trained on {trained_on}")
        trainer.train()
        curves[f"trained on {trained_on.upper()} (eval {trained_on})"] = _eval_curve(trainer.state.log_history)
        table[trained_on] = {name: trainer.evaluate(eval_dataset=sets)["eval_loss"] for name, sets in eval_sets.items()}
    plot_curves(curves, out / "leaner_vs_original.png", f"{pargs.arch} {pargs.size}: equal token budget")
    result = {"loss": table, "steps": steps, "tokens": steps * batch_size * pargs.block_size}
    (out / "leaner_vs_original.json").write_text(json.dumps(result, indent=1))
    return result


def format_curriculum_table(result: dict) -> str:
    cps = result["checkpoints"]
    head = ["strategy"] + [f"val@{c}" for c in cps] + ["steps to baseline loss", "ratio", "time"]
    body = []
    for r in result["rows"]:
        body.append([r["strategy"]] + [f"{r[f'loss@{c}']:.3f}" if r[f"loss@{c}"] is not None else "-" for c in cps]
                    + [str(r["steps_to_baseline_loss"] or f"not in {result['steps']}"),
                       f"{r['ratio']:.2f}" if r["ratio"] else "-", f"{r['seconds']:.0f}s"])
    return text_table(head, body, numbers_right=True) + (f"\nbaseline final validation loss {result['baseline_final_loss']:.3f} nats/token; "
                                 f"{result['tokens_per_step']:,} tokens per step.")


def format_leaner_table(result: dict) -> str:
    body = [[f"trained on {k.upper()}", f"{v['leaner']:.3f}", f"{v['original']:.3f}"] for k, v in result["loss"].items()]
    return text_table(["model", "val loss on LEANER", "val loss on ORIGINAL"], body, numbers_right=True) + \
        f"\n{result['tokens']:,} training tokens each; one shared tokenizer; loss in nats/token."

