"""Benchmark: the zero-shot scorer (deduplicated, length-sorted batches) vs a plain loop that runs one forward pass
per sentence, same model and pairs, in this one process, on one core by default.

Reports pairs/s of each, the ratio, and the largest difference between their log-probabilities (they must agree);
the same for a BERT 1M's pseudo-log-likelihood with the prediction head at every position against at the masked
positions only (the scorer's way); then the time of a full BLiMP pass (67,000 pairs) for a LLaMA of each ``--sizes`` (random weights: the time does
not depend on them). A size given in ``--extrapolate`` is timed on ``--extrapolate-pairs`` pairs per paradigm and
scaled to the full suite, and says so.

    python benchmarks/bench_zero_shot.py [--blimp ../shared/blimp] [--pairs 10] [--sizes 1M,14M] [--threads 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from hf_leaner.evaluation.minimal_pairs import load_suite, subset
from hf_leaner.evaluation.sentence_scores import SentenceScorer
from hf_leaner.models import build_model, make_config
from hf_leaner.models.tokenizer import load_tokenizer


def plain_log_probs(model, tokenizer, sentences: list[str]) -> np.ndarray:
    """The obvious loop: one sentence at a time, the start token prepended, no batching and no deduplication."""
    out = []
    with torch.inference_mode():
        for sentence in sentences:
            ids = [tokenizer.eos_token_id] + tokenizer(sentence, add_special_tokens=False)["input_ids"]
            x = torch.tensor([ids])
            lp = model(x).logits[0, :-1].float().log_softmax(-1)
            out.append(lp.gather(-1, x[0, 1:, None]).double().sum().item())
    return np.array(out)


def llama(size: str, tokenizer):
    return build_model(make_config("llama", size, len(tokenizer), 1024, tokenizer), seed=0).eval()


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blimp", default=str(repo.parent / "shared" / "blimp"))
    parser.add_argument("--tokenizer", default=str(repo.parent / "shared" / "tinyhelen" / "tokenizer" / "gpt-2K"))
    parser.add_argument("--pairs", type=int, default=10, help="pairs per paradigm for the side-by-side run")
    parser.add_argument("--sizes", default="1M", help="LLaMA sizes timed on the full BLiMP")
    parser.add_argument("--extrapolate", default="14M", help="sizes timed on a subset and scaled to the full BLiMP")
    parser.add_argument("--extrapolate-pairs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tokenizer = load_tokenizer(args.tokenizer)
    everything = load_suite("blimp", args.blimp)

    pairs = subset(everything, args.pairs)
    sentences = [s for p in pairs for s in (p.good, p.bad)]
    model = llama("1M", tokenizer)
    scorer = SentenceScorer(model, tokenizer, device="cpu")
    start = time.perf_counter()
    ours = scorer.log_probs(sentences)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    plain = plain_log_probs(model, tokenizer, sentences)
    plain_s = time.perf_counter() - start
    print(f"side by side: LLaMA 1M, {len(pairs):,} BLiMP pairs ({args.pairs}/paradigm), {args.threads} thread(s)")
    print(f"  plain loop   {len(pairs) / plain_s:9.1f} pairs/s  ({plain_s:.1f} s)")
    print(f"  our scorer   {len(pairs) / ours_s:9.1f} pairs/s  ({ours_s:.1f} s)   {plain_s / ours_s:.1f}x")
    print(f"  largest |difference| of log-probabilities: {np.abs(ours - plain).max():.2e} nats")
    # the bound: a forward pass costs about 2 x parameters FLOPs per token (embeddings excluded, the LM head in)
    tokens = sum(len(t) + 1 for t in tokenizer(sentences, add_special_tokens=False)["input_ids"])
    flops = 2 * (sum(p.numel() for p in model.parameters()) - model.get_input_embeddings().weight.numel())
    for name, seconds in (("plain loop", plain_s), ("our scorer", ours_s)):
        print(f"  {name}: {tokens / seconds:,.0f} tokens/s = {tokens * flops / seconds / 1e9:.1f} GFLOP/s")
    a = torch.randn(4096, 128)
    w = torch.randn(128, 512)
    start = time.perf_counter()
    for _ in range(20):
        a @ w
    rate = 20 * 2 * 4096 * 128 * 512 / (time.perf_counter() - start) / 1e9
    print(f"  this core's fp32 matmul rate at the model's shapes (4096x128 @ 128x512): {rate:.1f} GFLOP/s")

    bert_side_by_side(pairs, args.threads)

    for size, per_paradigm in [(s, None) for s in args.sizes.split(",") if s] + \
                              [(s, args.extrapolate_pairs) for s in args.extrapolate.split(",") if s]:
        chosen = subset(everything, per_paradigm)
        scorer = SentenceScorer(llama(size, tokenizer), tokenizer, device="cpu")
        start = time.perf_counter()
        scorer.log_probs([s for p in chosen for s in (p.good, p.bad)])
        seconds = time.perf_counter() - start
        full = seconds * len(everything) / len(chosen)
        how = "measured" if per_paradigm is None else f"extrapolated from {len(chosen):,} pairs ({seconds:.1f} s)"
        print(f"full BLiMP ({len(everything):,} pairs), LLaMA {size}: {full:.0f} s = {full / 60:.1f} min, {how}")


def bert_side_by_side(pairs, threads: int) -> None:
    """A masked LM's pseudo-log-likelihood with the prediction head at every position of every masked copy (the
    plain call) and at the masked positions only (the scorer's default), same model, same pairs."""
    from hf_leaner.models.tokenizer import train_tokenizer

    sentences = [s for p in pairs for s in (p.good, p.bad)]
    tokenizer = train_tokenizer(sentences * 4, family="bert", vocab_size=2000)
    model = build_model(make_config("bert", "1M", len(tokenizer), 1024, tokenizer), seed=0).eval()
    timings = {}
    for name, head_apart in (("head at every position", False), ("head at the masked one", True)):
        scorer = SentenceScorer(model, tokenizer, device="cpu")
        if not head_apart:
            scorer._masked_head = None
        start = time.perf_counter()
        timings[name] = (scorer.log_probs(sentences), time.perf_counter() - start)
    print(f"side by side: BERT 1M pseudo-log-likelihood, {len(pairs):,} BLiMP pairs, {threads} thread(s)")
    for name, (_, seconds) in timings.items():
        print(f"  {name:24s} {len(pairs) / seconds:8.1f} pairs/s  ({seconds:.1f} s)")
    (plain, plain_s), (ours, ours_s) = timings.values()
    print(f"  speed-up {plain_s / ours_s:.2f}x; largest |difference| of log-probabilities: "
          f"{np.abs(ours - plain).max():.2e} nats")


if __name__ == "__main__":
    main()
