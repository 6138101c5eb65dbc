"""Benchmark: training throughput of `hf-leaner pretrain`'s loop vs a bare PyTorch loop, per family, on one core,
next to the bound the machine's matmul rate sets.

For each family at ``--size`` (1M by default): the same model, batch and blocks of the embedded sample (or
``--data``), trained ``--steps`` steps (after ``--warmup`` untimed ones) by

* ours: ``CurriculumTrainer`` as ``pretrain`` builds it (``build_pretraining``, all data in random order, no
  evaluation, no saving, logging every 50 steps);
* bare: ``for batch in loader: loss = model(**batch).loss; loss.backward(); opt.step(); opt.zero_grad()`` with
  AdamW, on the same collated batches;
* bound: 6 x (non-embedding + LM-head parameters) FLOPs per token (forward and backward), at the fp32 matmul rate
  measured here on the model's own shapes (hidden x hidden and hidden x 4 hidden, the batch's tokens as rows).

    python benchmarks/bench_throughput.py [--families llama,bert,xlnet,mamba2] [--size 1M] [--steps 30] [--threads 1]

Trials of what could still pay, each against the same bare loop: ``--compile`` (transformers' ``torch_compile``;
the warm-up steps, which include compiling, are timed and reported apart), ``--eval-every N`` (the main job's
per-run evaluation: N steps between evaluations of ``--eval-documents`` validation documents, logging every step),
``--threads N`` (threads per process; compare with N processes of one thread run side by side).
"""

from __future__ import annotations

import argparse
import time

import torch


def matmul_rate(rows: int, hidden: int, repeats: int = 20) -> float:
    """fp32 GFLOP/s of the model's typical matmuls (rows x hidden @ hidden x {hidden, 4 hidden})."""
    a = torch.randn(rows, hidden)
    ws = [torch.randn(hidden, hidden), torch.randn(hidden, 4 * hidden)]
    for w in ws:
        a @ w
    start = time.perf_counter()
    flops = 0
    for _ in range(repeats):
        for w in ws:
            a @ w
            flops += 2 * rows * hidden * w.shape[1]
    return flops / (time.perf_counter() - start) / 1e9


def trained_parameters(model) -> int:
    """Parameters a token's forward and backward multiply through: all but the input embedding table (the LM head
    counts, tied or not)."""
    total = sum(p.numel() for p in model.parameters())
    embed = model.get_input_embeddings().weight
    head = model.get_output_embeddings().weight
    return total - embed.numel() + (head.numel() if head is embed else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default="llama,bert,xlnet,mamba2")
    parser.add_argument("--size", default="1M")
    parser.add_argument("--data", default="sample")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--block-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--compile", action="store_true", help="ours with torch_compile=True")
    parser.add_argument("--eval-every", type=int, default=0, help="ours evaluates every N steps (0: never)")
    parser.add_argument("--eval-documents", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from hf_leaner.curriculum import CurriculumConfig
    from hf_leaner.train.pretrain import PretrainArguments, build_pretraining

    rows = []
    for arch in args.families.split(","):
        pargs = PretrainArguments(arch=arch, size=args.size, data=args.data, block_size=args.block_size,
                                  max_eval_documents=args.eval_documents)
        evaluate = dict(eval_strategy="steps", eval_steps=args.eval_every, logging_steps=1) if args.eval_every else \
            dict(eval_strategy="no", logging_steps=50)
        config = CurriculumConfig(output_dir=f"/tmp/bench_throughput/{arch}", max_steps=args.warmup + args.steps,
                                  per_device_train_batch_size=args.batch_size, learning_rate=3e-3, pacing="none",
                                  difficulty="random", save_strategy="no", report_to=[], disable_tqdm=True,
                                  use_cpu=True, seed=0, dataloader_pin_memory=False, torch_compile=args.compile,
                                  **evaluate)
        trainer = build_pretraining(pargs, config)
        tokens = args.batch_size * args.block_size
        # ours: time the loop from the end of the warm-up steps, by the trainer's own step callback
        marks = {}

        class Clock(__import__("transformers").TrainerCallback):
            def on_train_begin(self, a, state, control, **kw):
                marks["begin"] = time.perf_counter()

            def on_step_end(self, a, state, control, **kw):
                if state.global_step == args.warmup:
                    marks["start"] = time.perf_counter()
                if state.global_step == args.warmup + args.steps:
                    marks["end"] = time.perf_counter()

        trainer.add_callback(Clock())
        trainer.train()
        ours = args.steps * tokens / (marks["end"] - marks["start"])
        warmup_s = marks["start"] - marks["begin"]  # with --compile: compiling is in here
        # bare: the same model class fresh, the same collated batches
        model = type(trainer.model)(trainer.model.config).train()
        loader = trainer.get_train_dataloader()
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
        batches = iter(loader)
        for step in range(args.warmup + args.steps):
            if step == args.warmup:
                start = time.perf_counter()
            try:
                batch = next(batches)
            except StopIteration:
                batches = iter(loader)
                batch = next(batches)
            loss = model(**batch).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        bare = args.steps * tokens / (time.perf_counter() - start)
        hidden = model.config.hidden_size if hasattr(model.config, "hidden_size") else model.config.d_model
        rate = matmul_rate(tokens, hidden)
        bound = rate * 1e9 / (6 * trained_parameters(model))
        rows.append((arch, ours, bare, bound, rate, warmup_s))
        print(f"{arch}: ours {ours:,.0f} tokens/s, bare {bare:,.0f}, bound {bound:,.0f} ({rate:.1f} GFLOP/s); "
              f"{args.warmup} warm-up steps {warmup_s:.1f}s", flush=True)
    trial = ", ".join(t for t in ("torch_compile" if args.compile else "",
                                  f"evaluation every {args.eval_every} steps" if args.eval_every else "") if t)
    print(f"\n{args.size}, batch {args.batch_size} x {args.block_size}, {args.threads} thread(s), {args.steps} timed steps"
          + (f"; ours with {trial}" if trial else ""))
    print(f"{'family':8} {'ours tok/s':>11} {'bare tok/s':>11} {'bound tok/s':>12} {'ours/bare':>10} {'ours/bound':>11} "
          f"{'warm-up s':>10}")
    for arch, ours, bare, bound, _, warmup_s in rows:
        print(f"{arch:8} {ours:11,.0f} {bare:11,.0f} {bound:12,.0f} {ours / bare:10.2f} {ours / bound:11.2f} "
              f"{warmup_s:10.1f}")


if __name__ == "__main__":
    main()
