"""LEANER-GLUE fine-tuning: a grid of (task, learning rate, seed) cells, each resumable, then a report.

    >>> from hf_leaner.evaluation import GlueArguments, run_glue
    >>> results = run_glue(GlueArguments(model="outputs/pretrain", tasks=["cola", "rte"], output_dir="glue"))

or ``hf-leaner eval-glue MODEL --data DIR --tasks cola,rte --output_dir OUT`` (``--help`` for the flags).
Each cell fine-tunes a fresh copy of the model with ``Trainer`` and dynamic padding (batches grouped
by length), predicts every labelled split but train, and is written to
``OUT/cells/<task>/lr<lr>_seed<seed>.json`` the moment it finishes, together with the settings it ran
under. A rerun skips every cell whose file holds the same settings, so a killed run loses only the
cell in flight and a finished one reruns in seconds. ``glue_report`` turns the cells into
``results.json``, ``results.md`` and ``predictions/<task>_<split>.jsonl``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from hf_leaner.data.release import LeanerDataError
from hf_leaner.evaluation.glue_data import (TASKS, check_source, encode, labelled_splits, load_classifier, load_task,
                                            load_tokenizer)
from hf_leaner.evaluation.glue_metrics import REGRESSION, task_metrics

# The two published recipes, restated as settings (facts from the TinyHelen scripts and the BabyLM 2025 pipeline).
PRESETS = {
    "cpu": dict(learning_rates=[1e-3], seeds=[1], batch_size=32, max_length=128, epochs={}, num_train_epochs=3.0,
                warmup_ratio=0.06, lr_scheduler_type="linear", weight_decay=0.0, max_train_examples={}),
    "tinyhelen": dict(learning_rates=[1e-3], seeds=[1, 53, 65, 256, 9264], batch_size=256, max_length=256,
                      epochs={"cola": 30, "sst2": 2, "mrpc": 15, "qqp": 3, "stsb": 30, "mnli": 3, "qnli": 3, "rte": 25},
                      num_train_epochs=3.0, warmup_ratio=0.0, lr_scheduler_type="linear", weight_decay=0.0,
                      max_train_examples={}),
    "babylm": dict(learning_rates=[3e-5], seeds=[1], batch_size=32, max_length=256, epochs={}, num_train_epochs=10.0,
                   warmup_ratio=0.06, lr_scheduler_type="cosine", weight_decay=0.01,
                   max_train_examples={"mnli": 10_000, "qqp": 10_000}, average="babylm"),
}


@dataclass
class GlueArguments:
    """What to evaluate (model, data, tasks), the grid (learning rates x seeds) and the fine-tuning recipe.

    Recipe fields left at ``None`` take the preset's value (``cpu`` by default: small enough for a laptop).
    """

    # model and data
    model: str | None = field(default=None, metadata={"help": "pretrain output folder or Hub id"})
    from_scratch: bool = field(default=False, metadata={"help": "same config and tokenizer, random weights"})
    data: str = field(default="sample", metadata={"help": "a TinyHelen release copy (default: the embedded sample)"})
    tasks: list[str] = field(default_factory=lambda: [t for t in TASKS if t != "wnli"])
    output_dir: str = field(default="outputs/eval-glue")
    # grid and recipe
    preset: str = field(default="cpu", metadata={"help": f"one of {', '.join(PRESETS)}"})
    learning_rates: list[float] | None = None
    seeds: list[int] | None = None
    num_train_epochs: float | None = field(default=None, metadata={"help": "every task (default: the preset's per task)"})
    batch_size: int | None = None
    max_length: int | None = None
    warmup_ratio: float | None = None
    lr_scheduler_type: str | None = None
    weight_decay: float | None = None
    max_train_examples: int | None = field(default=None, metadata={"help": "subsample each train split to this"})
    average: str = field(default="glue", metadata={"help": "glue or babylm (the preset may set it)"})
    save_models: bool = field(default=False, metadata={"help": "keep each fine-tuned model under OUT/models/"})
    progress: bool | None = field(default=None, metadata={"help": "a bar (TTY) or a line per cell; None: decide"})

    def __post_init__(self):
        if self.preset not in PRESETS:
            raise LeanerDataError(f"--preset {self.preset!r}: choose one of {', '.join(PRESETS)}")
        if not self.model:
            raise LeanerDataError("give MODEL (a pretrain folder or Hub id) or --from-scratch CONFIG")
        bad = [t for t in self.tasks if t not in TASKS]
        if bad:
            raise LeanerDataError(f"--tasks: unknown {', '.join(bad)}; choose from {', '.join(TASKS)}")
        preset = PRESETS[self.preset]
        for name in ("learning_rates", "seeds", "batch_size", "max_length", "warmup_ratio", "lr_scheduler_type",
                     "weight_decay"):
            if getattr(self, name) is None:
                setattr(self, name, preset[name])
        if self.preset == "babylm" and self.average == "glue":
            self.average = "babylm"

    def epochs(self, task: str) -> float:
        return self.num_train_epochs if self.num_train_epochs is not None else \
            float(PRESETS[self.preset]["epochs"].get(task, PRESETS[self.preset]["num_train_epochs"]))

    def train_limit(self, task: str) -> int | None:
        return self.max_train_examples or PRESETS[self.preset]["max_train_examples"].get(task)

    def cell_settings(self, task: str, lr: float, seed: int) -> dict:
        """Everything a cell's result depends on: a stored cell is reused only when these match."""
        return {"model": self.model, "from_scratch": self.from_scratch, "data": str(self.data), "task": task,
                "learning_rate": lr, "seed": seed, "epochs": self.epochs(task), "batch_size": self.batch_size,
                "max_length": self.max_length, "warmup_ratio": self.warmup_ratio,
                "lr_scheduler_type": self.lr_scheduler_type, "weight_decay": self.weight_decay,
                "max_train_examples": self.train_limit(task)}


def cell_path(out: Path, task: str, lr: float, seed: int) -> Path:
    return out / "cells" / task / f"lr{lr:g}_seed{seed}.json"


def _write_atomic(path: Path, text: str) -> None:
    """Write then rename: a killed process leaves either the old file or the whole new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _predict(trainer: Trainer, ds, task: str) -> np.ndarray:
    """Predictions in the split's order, computed on length-sorted batches (less padding)."""
    order = np.argsort(list(ds["length"]), kind="stable")
    logits = trainer.predict(ds.select(order)).predictions
    logits = logits[0] if isinstance(logits, tuple) else logits
    out = logits[:, 0] if task in REGRESSION else logits.argmax(-1)
    unsorted = np.empty_like(out)
    unsorted[order] = out
    return unsorted


def run_cell(args: GlueArguments, task: str, lr: float, seed: int, splits, tokenizer) -> dict:
    """Fine-tune once and score every labelled split: the cell's record (metrics + per-example predictions)."""
    t0 = time.time()
    train = splits["train"]
    limit = args.train_limit(task)
    if limit and len(train) > limit:  # one fixed subsample for every cell, so seeds differ only in training
        train = train.shuffle(seed=0).select(range(limit))
    num_labels = 1 if task in REGRESSION else train.features["label"].num_classes
    model = load_classifier(args.model, task, num_labels, tokenizer, args.from_scratch, seed)
    with tempfile.TemporaryDirectory() as tmp:
        targs = TrainingArguments(
            output_dir=tmp, learning_rate=lr, num_train_epochs=args.epochs(task), seed=seed,
            per_device_train_batch_size=args.batch_size, per_device_eval_batch_size=max(64, args.batch_size),
            warmup_steps=args.warmup_ratio, lr_scheduler_type=args.lr_scheduler_type, weight_decay=args.weight_decay,
            train_sampling_strategy="group_by_length", save_strategy="no", eval_strategy="no",
            logging_strategy="no", report_to=[], disable_tqdm=True, use_cpu=not torch.cuda.is_available())
        trainer = Trainer(model=model, args=targs, train_dataset=encode(train, tokenizer, args.max_length),
                          data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer)
        for cb in (PrinterCallback, ProgressCallback):
            trainer.remove_callback(cb)
        trainer.train()
        record = {"settings": args.cell_settings(task, lr, seed), "metrics": {}, "predictions": {},
                  "train_examples": len(train)}
        for split in labelled_splits(splits):
            ds = splits[split]
            pred = _predict(trainer, encode(ds, tokenizer, args.max_length), task)
            labels = list(ds["label"])
            record["metrics"][split] = task_metrics(task, labels, pred)
            record["predictions"][split] = {"idx": list(ds["idx"]), "label": labels,
                                            "prediction": [float(p) if task in REGRESSION else int(p) for p in pred]}
    if args.save_models:
        folder = Path(args.output_dir) / "models" / f"{task}-lr{lr:g}-seed{seed}"
        if task not in REGRESSION:  # the card and pipelines show class names, not LABEL_0
            model.config.id2label = dict(enumerate(train.features["label"].names))
            model.config.label2id = {v: k for k, v in model.config.id2label.items()}
        trainer.save_model(str(folder))
        (folder / "hf_leaner_glue.json").write_text(json.dumps(
            {"task": task, "learning_rate": lr, "seed": seed, "metrics": record["metrics"],
             "settings": record["settings"]}, indent=1))
        record["model_dir"] = str(folder)
    record["seconds"] = round(time.time() - t0, 1)
    return record


def _cells(args: GlueArguments):
    return [(t, lr, s) for t in args.tasks for lr in args.learning_rates for s in args.seeds]


def _done(path: Path, settings: dict) -> bool:
    try:
        return json.loads(path.read_text())["settings"] == settings
    except (OSError, ValueError, KeyError):
        return False


def run_glue(args: GlueArguments) -> dict:
    """Run every cell not already done, then write and return the report (see ``glue_report``)."""
    from hf_leaner.evaluation.glue_report import write_report

    check_source(args.model)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval_glue_args.json").write_text(json.dumps(asdict(args), indent=1))
    tokenizer = load_tokenizer(args.model)
    data = {t: load_task(t, args.data) for t in args.tasks}
    runnable = [c for c in _cells(args) if data[c[0]] is not None and "train" in data[c[0]]]
    todo = [c for c in runnable if not _done(cell_path(out, *c), args.cell_settings(*c))]
    tty = sys.stderr.isatty() if args.progress is None else args.progress
    bar = None
    if tty:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(runnable), initial=len(runnable) - len(todo), desc="eval-glue cells", unit="cell")
    elif len(todo) < len(runnable):
        print(f"eval-glue: {len(runnable) - len(todo)} of {len(runnable)} cells already done, skipped", flush=True)
    for i, (task, lr, seed) in enumerate(todo, 1):
        record = run_cell(args, task, lr, seed, data[task], tokenizer)
        _write_atomic(cell_path(out, task, lr, seed), json.dumps(record))
        scores = ", ".join(f"{k} {v:.3f}" for k, v in next(iter(record["metrics"].values()), {}).items())
        if bar is not None:
            bar.set_postfix_str(f"{task} lr={lr:g} seed={seed}: {scores}")
            bar.update(1)
        else:
            print(f"[{len(runnable) - len(todo) + i}/{len(runnable)}] {task} lr={lr:g} seed={seed}: {scores} "
                  f"({record['seconds']:.0f}s)", flush=True)
    if bar is not None:
        bar.close()
    return write_report(args, data)
