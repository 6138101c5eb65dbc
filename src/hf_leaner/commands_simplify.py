"""The ``simplify`` command's work (the parser is ``add_simplify`` in :mod:`hf_leaner.cli`)."""

from __future__ import annotations

import time
from pathlib import Path

from .cli_args import UsageError


def check_simplify(args) -> None:
    if args.backend == "openai" and not (args.base_url and args.model):
        raise UsageError("--backend openai needs --base-url URL (ending in /v1) and --model NAME")
    if args.backend == "transformers" and not args.model:
        raise UsageError("--backend transformers needs --model, a local model folder")
    if args.backend == "transformers" and not Path(args.model).is_dir():
        raise UsageError(f"--model {args.model}: no such folder (the transformers backend loads a local folder)")
    if args.backend == "lexical" and (args.base_url or args.model):
        raise UsageError("--base-url/--model do not apply to --backend lexical (the offline simplifier)")
    if args.backend == "lexical" and args.prompt != "full":
        raise UsageError("--prompt applies to the LLM backends (openai, transformers), not to --backend lexical")
    if args.base_url and not args.base_url.rstrip("/").endswith("/v1"):
        raise UsageError(f"--base-url {args.base_url}: an OpenAI-compatible base URL ends in /v1")


def _quiet_datatrove() -> None:
    """datatrove logs each step's stats to stderr (loguru); they stay in OUT/.simplify/logs/*/stats.json, and
    this command prints one line per phase and a table instead."""
    from loguru import logger

    logger.disable("datatrove")


def cmd_simplify(args) -> int:
    from .simplify.pipeline import SimplifyConfig, run_simplify
    from .simplify.validate import ValidationConfig
    from .utils.tables import text_table

    kwargs = {}
    if args.backend == "openai":
        kwargs = dict(base_url=args.base_url, model=args.model, max_concurrency=args.concurrency,
                      max_tokens=args.max_tokens, max_retries=args.max_retries, timeout_s=args.timeout,
                      cache_dir=str(Path(args.output_dir) / ".simplify" / "llm-cache"), prompt_style=args.prompt)
    elif args.backend == "transformers":
        kwargs = dict(model_path=str(Path(args.model).resolve()), max_new_tokens=args.max_tokens,
                      prompt_style=args.prompt)
    cfg = SimplifyConfig(data_dir=args.data, output_dir=args.output_dir, size=args.corpus_size, split=args.split,
                         genres=tuple(args.genres), limit=args.limit, backend=args.backend, backend_kwargs=kwargs,
                         workers=args.workers, meaning_check=not args.no_meaning_check, chunk_budget=args.chunk_tokens,
                         max_attempts=args.max_attempts,
                         validation=ValidationConfig(min_core_share=args.min_core_share))
    _quiet_datatrove()
    print(f"[1/2] simplifying {', '.join(cfg.genres)} ({cfg.size} {cfg.split}) with the {args.backend} backend, "
          f"{cfg.workers} worker(s)")
    t0 = time.time()
    counts = run_simplify(cfg)
    took = time.time() - t0
    out = Path(args.output_dir)
    print(f"[2/2] wrote {out / 'data' / 'leaner'} and {out / 'failures.jsonl'} in {took:.1f}s")
    rows = [[g, c.get("ok", 0), c.get("failed", 0)] for g, c in sorted(counts.items())]
    total = [sum(r[1] for r in rows), sum(r[2] for r in rows)]
    rows.append(["all", *total])
    print(text_table(["genre", "rewritten", "failed"], rows, numbers_right=True))
    done = sum(total)
    print(f"{done / took:.2f} documents/s; failure reasons in {out / 'failures.jsonl'}" if done else
          "no documents")
    return 0
