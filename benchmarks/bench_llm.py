"""Benchmark: LLMClient at concurrency 1/4/16 against the local endpoint, next to a plain sequential httpx loop
(the plain alternative), in this one run. Reports requests/s and completion tokens/s of each; every round
asks different prompts (no cache involved), with the same max_tokens.

    python benchmarks/bench_llm.py [--requests 8] [--max-tokens 16] [--base-url URL --model NAME]
Without --base-url it starts `transformers serve` of the local SmolLM2-135M-Instruct (LocalLLMServer).
"""
from __future__ import annotations

import argparse
import contextlib
import time

import httpx

from hf_leaner.llm import LLMClient, LocalLLMServer


def prompts(tag: str, n: int) -> list[list[dict]]:
    return [[{"role": "user", "content": f"Write a short sentence about the number {i} ({tag})."}] for i in range(n)]


def plain_loop(base_url: str, model: str, batch: list[list[dict]], max_tokens: int) -> tuple[int, int]:
    ok = tokens = 0
    with httpx.Client(timeout=300) as http:
        for messages in batch:
            body = http.post(f"{base_url}/chat/completions", json={"model": model, "messages": messages,
                                                                    "max_tokens": max_tokens,
                                                                    "temperature": 0}).json()
            ok += 1
            tokens += body.get("usage", {}).get("completion_tokens", 0)
    return ok, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=8, help="requests per round")
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        if args.base_url:
            base_url, model = args.base_url, args.model
        else:
            start = time.monotonic()
            server = stack.enter_context(LocalLLMServer(log=print))
            base_url, model = server.base_url, server.model
            print(f"server ready in {time.monotonic() - start:.1f} s at {base_url}")
        LLMClient(base_url, model).chat(prompts("warm-up", 1)[0], max_tokens=2)  # first request loads lazily

        rows = []
        start = time.monotonic()
        ok, tokens = plain_loop(base_url, model, prompts("plain", args.requests), args.max_tokens)
        rows.append(("plain httpx loop (sequential)", ok, tokens, time.monotonic() - start))
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            client = LLMClient(base_url, model, max_concurrency=concurrency)
            start = time.monotonic()
            results = client.chat_many(prompts(f"c{concurrency}", args.requests), max_tokens=args.max_tokens,
                                       temperature=0)
            wall = time.monotonic() - start
            rows.append((f"LLMClient concurrency {concurrency}", sum(r.ok for r in results),
                         client.stats["completion_tokens"], wall))

    print(f"\n{args.requests} requests per round, max_tokens={args.max_tokens}")
    print(f"{'round':<32} {'ok':>4} {'wall s':>8} {'req/s':>7} {'tok/s':>7} {'s/req':>7}")
    for name, ok, tokens, wall in rows:
        print(f"{name:<32} {ok:>4} {wall:>8.1f} {ok / wall:>7.2f} {tokens / wall:>7.1f} {wall / max(ok, 1):>7.2f}")


if __name__ == "__main__":
    main()
