"""eval-glue's fine-tuning vs the plain recipe, side by side in one run: wall time and metric.

    .venv/bin/python benchmarks/bench_glue.py --model /work/runs9/llama1M --data /work/shared/tinyhelen --task rte

Ours: ``run_cell`` (dynamic padding, length-grouped batches, length-sorted prediction). Plain: what
``run_glue`` with the paper's flags does, a ``Trainer`` over examples statically padded to 256 tokens
in random order. Same model, tokenizer, seed, learning rate, batch size and epochs; each seed runs
both ways, alternating, so machine load hits them alike. The metric should agree within seed noise.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import torch
from transformers import Trainer, TrainingArguments, default_data_collator
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from hf_leaner.evaluation.glue import GlueArguments, run_cell
from hf_leaner.evaluation.glue_data import encode, labelled_splits, load_classifier, load_task, load_tokenizer
from hf_leaner.evaluation.glue_metrics import REGRESSION, task_metrics


def plain(args: GlueArguments, task: str, lr: float, seed: int, splits, tokenizer, pad_to: int = 256) -> dict:
    train = splits["train"]
    num_labels = 1 if task in REGRESSION else train.features["label"].num_classes
    model = load_classifier(args.model, task, num_labels, tokenizer, args.from_scratch, seed)
    with tempfile.TemporaryDirectory() as tmp:
        targs = TrainingArguments(output_dir=tmp, learning_rate=lr, num_train_epochs=args.epochs(task), seed=seed,
                                  per_device_train_batch_size=args.batch_size, per_device_eval_batch_size=max(64, args.batch_size),
                                  warmup_steps=args.warmup_ratio, lr_scheduler_type=args.lr_scheduler_type,
                                  weight_decay=args.weight_decay, save_strategy="no", eval_strategy="no",
                                  logging_strategy="no", report_to=[], disable_tqdm=True,
                                  use_cpu=not torch.cuda.is_available())
        trainer = Trainer(model=model, args=targs, train_dataset=encode(train, tokenizer, pad_to, static=True),
                          data_collator=default_data_collator)
        for cb in (PrinterCallback, ProgressCallback):
            trainer.remove_callback(cb)
        trainer.train()
        metrics = {}
        for split in labelled_splits(splits):
            logits = trainer.predict(encode(splits[split], tokenizer, pad_to, static=True)).predictions
            pred = logits[:, 0] if task in REGRESSION else logits.argmax(-1)
            metrics[split] = task_metrics(task, list(splits[split]["label"]), pred)
    return {"metrics": metrics}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a pretrain output folder")
    p.add_argument("--data", default="sample")
    p.add_argument("--task", default="rte")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--learning_rate", "--learning-rate", type=float, default=1e-3)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--batch_size", "--batch-size", type=int, default=32)
    p.add_argument("--max_train_examples", "--max-train-examples", type=int)
    a = p.parse_args()
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    args = GlueArguments(model=a.model, data=a.data, tasks=[a.task], num_train_epochs=a.epochs, batch_size=a.batch_size,
                         max_length=256, max_train_examples=a.max_train_examples, output_dir=tempfile.mkdtemp())
    tokenizer = load_tokenizer(a.model)
    splits = load_task(a.task, a.data)
    if a.max_train_examples:
        splits["train"] = splits["train"].shuffle(seed=0).select(range(min(a.max_train_examples, len(splits["train"]))))
    times, scores = {"eval-glue": [], "plain Trainer, pad to 256": []}, {"eval-glue": [], "plain Trainer, pad to 256": []}
    for seed in [int(s) for s in a.seeds.split(",")]:
        for name, fn in (("eval-glue", run_cell), ("plain Trainer, pad to 256", plain)):
            t0 = time.perf_counter()
            rec = fn(args, a.task, a.learning_rate, seed, splits, tokenizer)
            times[name].append(time.perf_counter() - t0)
            scores[name].append(next(iter(rec["metrics"]["validation"].values())))
    metric = next(iter(task_metrics(a.task, [0, 1], [0, 1])))
    print(f"{a.task}: {len(splits['train'])} train examples, {a.epochs:g} epoch(s), batch {a.batch_size}, "
          f"lr {a.learning_rate:g}, seeds {a.seeds}; model {a.model}")
    for name in times:
        print(f"  {name:<26} wall {np.mean(times[name]):7.1f}s per run   validation {metric} "
              f"{100 * np.mean(scores[name]):.1f} ± {100 * np.std(scores[name], ddof=1) if len(scores[name]) > 1 else 0:.1f}")
    print(f"  wall ratio plain / eval-glue: {np.mean(times['plain Trainer, pad to 256']) / np.mean(times['eval-glue']):.2f}x")


if __name__ == "__main__":
    main()
