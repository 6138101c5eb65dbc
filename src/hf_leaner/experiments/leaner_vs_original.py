"""LEANER vs ORIGINAL pretraining at an equal token budget, and the pieces experiments share (a run's
config, a compact progress bar). The curriculum study lives in :mod:`hf_leaner.experiments.curriculum`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from tqdm.auto import tqdm
from transformers import TrainerCallback
from transformers.trainer_callback import PrinterCallback

from hf_leaner.curriculum import CurriculumConfig
from hf_leaner.models import OBJECTIVE
from hf_leaner.utils.tables import text_table
from hf_leaner.train.plots import plot_curves
from hf_leaner.train.pretrain import (PretrainArguments, build_pretraining, load_corpus, pack_eval_sets,
                                       tokenize_documents)


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


def run_leaner_vs_original(pargs: PretrainArguments, output_dir: str | Path, steps: int = 300, seed: int = 42,
                           batch_size: int = 16, lr: float = 3e-3, eval_every: int = 20) -> dict:
    """Same model, same token budget, trained on LEANER or on ORIGINAL text; each evaluated on both validation sets
    with one shared tokenizer (trained on both training texts), so per-token losses compare."""
    from datasets import concatenate_datasets

    from hf_leaner.models.tokenizer import train_tokenizer

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


def format_leaner_table(result: dict) -> str:
    body = [[f"trained on {k.upper()}", f"{v['leaner']:.3f}", f"{v['original']:.3f}"] for k, v in result["loss"].items()]
    return text_table(["model", "val loss on LEANER", "val loss on ORIGINAL"], body, numbers_right=True) + \
        f"\n{result['tokens']:,} training tokens each; one shared tokenizer; loss in nats/token."

