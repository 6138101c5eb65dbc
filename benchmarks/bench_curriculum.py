"""Benchmark: CurriculumTrainer vs plain transformers.Trainer, same model, data and steps, in this one process.

Reports the wall time per step of each (the median of alternating repeats; curriculum scoring is done
before the timed loop and excluded, as the Trainer's own train_runtime excludes it) and the throughput of
self-loss re-scoring (documents/s through the model, no grad). Then the sampler alone, next to torch's
RandomSampler over the same blocks: its cost per sample over ``--sampler-samples`` positions (a history of 20
stages, as an iterative run that grows 5% at a time has), and a resume's replay cost - the time
``skip_first_batches`` takes to reach the first batch after that many samples, which is what the Trainer
does when it resumes.

    python benchmarks/bench_curriculum.py [--data ../shared/tinyhelen] [--steps 150] [--repeats 3]
    python benchmarks/bench_curriculum.py --only-sampler --sampler-samples 1000000
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from accelerate import skip_first_batches
from torch.utils.data import DataLoader, RandomSampler
from transformers import Trainer, TrainingArguments

from hf_leaner.curriculum import CurriculumConfig
from hf_leaner.train.pretrain import PretrainArguments, build_pretraining


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(repo.parent / "shared" / "tinyhelen"))
    parser.add_argument("--size", default="1M")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--block-size", type=int, default=128)
    parser.add_argument("--sampler-samples", type=int, default=1_000_000)
    parser.add_argument("--only-sampler", action="store_true")
    args = parser.parse_args()
    data = args.data if (Path(args.data) / "data").is_dir() else "sample"
    pargs = PretrainArguments(arch="llama", size=args.size, data=data, block_size=args.block_size, max_eval_documents=50)
    common = dict(max_steps=args.steps, per_device_train_batch_size=args.batch_size, learning_rate=1e-3,
                  report_to=[], save_strategy="no", eval_strategy="no", logging_steps=50, disable_tqdm=True,
                  use_cpu=True, seed=0)
    cur = build_pretraining(pargs, CurriculumConfig(output_dir="/tmp/bench_cur", difficulty="sentence_length",
                                                    pacing="linear", **common))
    tokenizer, train_set = cur.processing_class, cur.train_dataset
    print(f"data: {data} ({train_set.num_documents:,} documents, {len(train_set):,} blocks of {args.block_size}); "
          f"llama {args.size}; {args.steps} steps x {args.batch_size} blocks; torch threads {torch.get_num_threads()}")
    bench_sampler(cur, args.sampler_samples, args.batch_size)
    if args.only_sampler:
        return

    def run_plain():
        model = type(cur.model)(cur.model.config)
        plain = Trainer(model=model, args=TrainingArguments(output_dir="/tmp/bench_plain", **common),
                        train_dataset=train_set, data_collator=cur.data_collator, processing_class=tokenizer)
        return plain.train().metrics["train_runtime"]

    def run_curriculum():
        trainer = build_pretraining(pargs, CurriculumConfig(output_dir="/tmp/bench_cur", difficulty="sentence_length",
                                                            pacing="linear", **common), tokenizer=tokenizer)
        return trainer.train().metrics["train_runtime"]

    run_plain()  # warm-up: allocator, kernels
    plain_times, cur_times = [], []
    for _ in range(args.repeats):
        plain_times.append(run_plain())
        cur_times.append(run_curriculum())
    p, c = statistics.median(plain_times), statistics.median(cur_times)

    docs = cur.curriculum_documents
    t0 = time.perf_counter()
    losses = cur.document_losses(docs, cur.model)
    dt = time.perf_counter() - t0
    n_tokens = sum(len(t) for t in docs.token_ids)
    print()
    print(f"{'trainer':<22}{'s/step (median)':>18}{'runs (s)':>30}")
    print(f"{'transformers.Trainer':<22}{p / args.steps * 1000:>15.1f} ms{str([round(x, 2) for x in plain_times]):>30}")
    print(f"{'CurriculumTrainer':<22}{c / args.steps * 1000:>15.1f} ms{str([round(x, 2) for x in cur_times]):>30}")
    print(f"ratio CurriculumTrainer / Trainer: {c / p:.3f} (target <= 1.03)")
    print(f"self-loss re-scoring: {len(docs):,} documents ({n_tokens:,} tokens) in {dt:.1f}s = "
          f"{len(docs) / dt:,.0f} docs/s, {n_tokens / dt:,.0f} tokens/s; mean loss {losses.mean():.3f}")


def bench_sampler(trainer, num_samples: int, batch_size: int) -> None:
    """Sampler cost per sample and resume replay cost, next to RandomSampler on the same dataset."""
    from hf_leaner.curriculum import CurriculumCallback, CurriculumSampler

    data = trainer.train_dataset
    state = CurriculumCallback()
    ids = trainer.curriculum_train_ids
    rng = np.random.default_rng(0)
    for v in range(20):  # 20 stages, each with a fresh ordering (a re-scored self-loss run)
        state.add_order(rng.permutation(ids))
    state.history = [{"position": v * num_samples // 20, "fraction": 0.05 * (v + 1), "version": v, "stage": v}
                     for v in range(20)]
    ours = CurriculumSampler(data, lambda: state, num_samples, batch_size, seed=0)
    plain = RandomSampler(data, replacement=False, num_samples=num_samples)
    rows = []
    for name, sampler in (("RandomSampler (torch)", plain), ("CurriculumSampler", ours)):
        t0 = time.perf_counter()
        for _ in sampler:
            pass
        per_sample = (time.perf_counter() - t0) / num_samples
        loader = DataLoader(data, batch_size=batch_size, sampler=sampler, collate_fn=trainer.data_collator)
        t0 = time.perf_counter()
        next(iter(skip_first_batches(loader, num_samples // batch_size - 1)))
        rows.append((name, per_sample * 1e6, time.perf_counter() - t0))
    print(f"\nsampler over {num_samples:,} samples ({len(data):,} blocks; ours: 20 stages, 20 orderings)")
    print(f"{'sampler':<24}{'us/sample':>12}{'replay to the last batch (s)':>32}")
    for name, us, replay in rows:
        print(f"{name:<24}{us:>12.2f}{replay:>32.2f}")


if __name__ == "__main__":
    main()
