"""Benchmark: documents/s of the simplification backends on real ORIGINAL documents, in one run.

* lexical: the offline simplifier alone (rewrite of every chunk), then the whole pipeline through the
  datatrove local executor without and with the meaning check (the sentence-embedding model);
* LLM: the ``openai`` backend against a real local ``transformers serve`` process (SmolLM2-135M-Instruct,
  CPU) at client concurrency 1 / 4 / 16 on the same short documents; concurrency 1 is the plain
  one-request-at-a-time baseline. Replies are not cached here (no cache_dir), so every run asks the model.
  The chunking and prompt are the small-model settings (``--chunk-tokens 48 --prompt short``) unless told.

    python benchmarks/bench_simplify.py [--data ../shared/tinyhelen] [--docs 100] [--llm-docs 8] [--skip-llm] [--skip-lexical]
                                        [--chunk-tokens 48] [--prompt short]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def short_documents(data: str, genres: tuple[str, ...], n: int, max_words: int | None = None):
    from hf_leaner.simplify.documents import OriginalReader

    docs = [d for d in OriginalReader(data, genres=genres).documents()
            if max_words is None or len(d.text.split()) <= max_words]
    return docs[:n]


def bench_lexical(data: str, n: int) -> list[tuple[str, float, str]]:
    from hf_leaner.simplify.backends import LexicalBackend, RewriteRequest
    from hf_leaner.simplify.chunking import chunk_document
    from hf_leaner.simplify.pipeline import SimplifyConfig, run_simplify

    rows = []
    docs = short_documents(data, ("wiki", "web"), n)
    t0 = time.perf_counter()
    backend = LexicalBackend()
    load = time.perf_counter() - t0
    requests = [RewriteRequest(c["text"], d.metadata["genre"]) for d in docs
                for c in chunk_document(d.text, d.metadata["genre"]) if c["kind"] == "prose"]
    t0 = time.perf_counter()
    backend.rewrite(requests)
    took = time.perf_counter() - t0
    words = sum(len(d.text.split()) for d in docs)
    rows.append(("lexical simplifier alone", len(docs) / took,
                 f"{len(docs)} docs, {len(requests)} chunks, {words / took:,.0f} words/s; lexicon load {load:.2f}s"))
    for meaning in (False, True):
        out = Path(tempfile.mkdtemp(prefix="bench-simplify-"))
        try:
            cfg = SimplifyConfig(data, str(out), genres=("wiki", "web"), limit=n // 2, meaning_check=meaning)
            t0 = time.perf_counter()
            counts = run_simplify(cfg)
            took = time.perf_counter() - t0
            done = sum(sum(c.values()) for c in counts.values())
            ok = sum(c.get("ok", 0) for c in counts.values())
            rows.append((f"lexical pipeline, meaning check {'on' if meaning else 'off'}", done / took,
                         f"{done} docs in {took:.1f}s (incl. start-up), {ok} passed validation"))
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return rows


def bench_llm(data: str, n: int, concurrencies: list[int], max_tokens: int, chunk_tokens: int | None,
              prompt: str) -> list[tuple[str, float, str]]:
    from hf_leaner.llm import LocalLLMServer
    from hf_leaner.simplify.backends import OpenAIBackend, RewriteRequest
    from hf_leaner.simplify.chunking import chunk_document

    docs = short_documents(data, ("wiki",), n, max_words=120)
    requests = [RewriteRequest(c["text"], "wiki") for d in docs
                for c in chunk_document(d.text, "wiki", budget=chunk_tokens) if c["kind"] == "prose"]
    rows = []
    with LocalLLMServer() as server:
        OpenAIBackend(server.base_url, server.model, max_tokens=8, timeout_s=900).rewrite(requests[:1])  # warm up
        for conc in concurrencies:
            # a long timeout: queued requests wait for the ones ahead of them, and a timeout here would be retried
            backend = OpenAIBackend(server.base_url, server.model, max_concurrency=conc, max_tokens=max_tokens,
                                    timeout_s=900, prompt_style=prompt)
            t0 = time.perf_counter()
            results = backend.rewrite(requests)
            took = time.perf_counter() - t0
            parsed = sum(r.ok for r in results)
            stats = backend.client.stats
            rows.append((f"LLM (SmolLM2-135M, CPU, {prompt} prompt) concurrency {conc}", len(docs) / took,
                         f"{len(docs)} docs, {len(requests)} chunks in {took:.1f}s; {parsed} answers parsed; "
                         f"{stats['completion_tokens'] / took:.1f} generated tokens/s, {stats['retries']} retries"))
    return rows


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(repo.parent / "shared" / "tinyhelen"))
    parser.add_argument("--docs", type=int, default=100, help="documents for the lexical runs")
    parser.add_argument("--llm-docs", type=int, default=8, help="short wiki documents for the LLM runs")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--chunk-tokens", type=int, default=48, help="LLM runs: tokens per chunk (0: per genre)")
    parser.add_argument("--prompt", choices=["full", "short"], default="short", help="LLM runs: prompt style")
    parser.add_argument("--skip-llm", action="store_true")
    parser.add_argument("--skip-lexical", action="store_true")
    args = parser.parse_args()
    from loguru import logger

    logger.disable("datatrove")  # its per-step stats go to the logging folder, not over the table

    rows = [] if args.skip_lexical else bench_lexical(args.data, args.docs)
    if not args.skip_llm:
        rows += bench_llm(args.data, args.llm_docs, args.concurrency, args.max_tokens, args.chunk_tokens or None,
                          args.prompt)
    from hf_leaner.utils.tables import text_table

    print(text_table(["path", "documents/s", "notes"], [(a, f"{b:.3f}", c) for a, b, c in rows]))


if __name__ == "__main__":  # datatrove's local executor and the server need the guard
    main()
