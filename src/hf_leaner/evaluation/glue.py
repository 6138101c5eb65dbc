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
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from hf_leaner.data.glue_tasks import GLUE_TASKS
# GlueArguments and PRESETS moved to the torch-free glue_config; imported here too, their historic home
from hf_leaner.evaluation.glue_config import PRESETS, GlueArguments, cell_path, id2label  # noqa: F401
from hf_leaner.models.loading import check_model_folder
from hf_leaner.evaluation.glue_data import (check_task, encode, labelled_splits, load_classifier, load_task,
                                            load_tokenizer)
from hf_leaner.evaluation.glue_metrics import task_metrics
from hf_leaner.utils.io import write_atomic
from hf_leaner.utils.parallel import run_parallel

def _predict(trainer: Trainer, ds, task: str) -> np.ndarray:
    """Predictions in the split's order, computed on length-sorted batches (less padding)."""
    order = np.argsort(list(ds["length"]), kind="stable")
    logits = trainer.predict(ds.select(order)).predictions
    logits = logits[0] if isinstance(logits, tuple) else logits
    out = logits[:, 0] if GLUE_TASKS[task].is_regression else logits.argmax(-1)
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
    regression = GLUE_TASKS[task].is_regression
    num_labels = GLUE_TASKS[task].num_labels
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
                                            "prediction": [float(p) if regression else int(p) for p in pred]}
    if args.save_models:
        folder = Path(args.output_dir) / "models" / f"{task}-lr{lr:g}-seed{seed}"
        if not regression:  # the card and pipelines show class names, not LABEL_0
            model.config.id2label = id2label(task)
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


def _write_cell(args: GlueArguments, task: str, lr: float, seed: int, splits, tokenizer) -> dict:
    record = run_cell(args, task, lr, seed, splits, tokenizer)
    write_atomic(cell_path(Path(args.output_dir), task, lr, seed), json.dumps(record))
    return record


def _cell_in_worker(cell: tuple) -> dict:
    args, task, lr, seed = cell
    return _write_cell(args, task, lr, seed, load_task(task, args.data), load_tokenizer(args.model))


def run_glue(args: GlueArguments) -> dict:
    """Run every cell not already done, then write and return the report (see ``glue_report``)."""
    from hf_leaner.evaluation.glue_report import write_report

    check_model_folder(args.model, weights=not args.from_scratch)
    tokenizer = load_tokenizer(args.model)
    data = {t: load_task(t, args.data) for t in args.tasks}
    for task, dsd in data.items():  # every input checked before anything is written
        if dsd is not None:
            check_task(task, args.data, dsd)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval_glue_args.json").write_text(json.dumps(asdict(args), indent=1))
    runnable = [c for c in _cells(args) if data[c[0]] is not None and "train" in data[c[0]]]
    todo = [c for c in runnable if not _done(cell_path(out, *c), args.cell_settings(*c))]
    tty = sys.stderr.isatty() if args.progress is None else args.progress
    bar = None
    if tty:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(runnable), initial=len(runnable) - len(todo), desc="eval-glue cells", unit="cell")
    elif len(todo) < len(runnable):
        print(f"eval-glue: {len(runnable) - len(todo)} of {len(runnable)} cells already done, skipped", flush=True)
    if args.workers > 1 and len(todo) > 1:  # each worker loads the task and tokenizer itself and writes its cell
        finished = (record for _, record in run_parallel([(args, *c) for c in todo], _cell_in_worker, args.workers))
    else:
        finished = (_write_cell(args, *c, data[c[0]], tokenizer) for c in todo)
    for i, record in enumerate(finished, 1):
        task, lr, seed = (record["settings"][k] for k in ("task", "learning_rate", "seed"))
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
