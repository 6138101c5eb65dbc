"""``simplify``: make a LEANER corpus from ORIGINAL documents (rewrite, validate, write the release layout), with
the offline lexical simplifier or an LLM (any OpenAI-compatible endpoint, or a local transformers model)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hf_leaner.data.release import GENRES, SIZES, SPLITS
from hf_leaner.llm.client import public_url
from hf_leaner.llm.connect import EndpointArguments
from hf_leaner.simplify.backends import BACKENDS
from hf_leaner.utils.args import arg, check_apart, nonnegative_float, positive_int, release_dir, writable_output
from hf_leaner.utils.errors import UsageError
from hf_leaner.utils.tables import text_table

from .registry import Command


@dataclass
class SimplifyArguments:
    data: str = arg(None, "a release copy with data/ori/ inside", aliases=("--data_dir",), value=release_dir,
                    required=True)
    output_dir: str = arg(None, "OUT: writes OUT/data/leaner/... and OUT/failures.jsonl; rerun to resume",
                          aliases=("--output",), value=writable_output, required=True)
    corpus_size: str = arg("10M", "the 10M or 100M corpus", aliases=("--size",), choices=SIZES)
    split: str = arg("validation", "the split to simplify", choices=SPLITS)
    genres: list[str] = arg(help="genres to simplify", default_factory=lambda: ["wiki"], nargs="+", choices=GENRES)
    # choices is the live registry: a backend added with register_backend is listed and accepted
    backend: str = arg("lexical", "rewrite backend, one of %(choices)s (lexical: offline WordNet simplifier; openai: "
                       "any OpenAI-compatible endpoint (--base_url, --model); transformers: a local model folder "
                       "(--model); add one with hf_leaner.simplify.backends.register_backend)",
                       choices=BACKENDS.keys())
    workers: int = arg(1, "datatrove tasks run at once", value=positive_int)
    max_tokens: int = arg(512, "LLM backends: answer length cap per chunk (each answer also gets at most twice its "
                          "chunk)", value=positive_int)
    chunk_tokens: int | None = arg(None, "tokens per chunk, all genres (default: 256-384 per genre; about 96 suited "
                                   "SmolLM2-135M best)", value=positive_int)
    prompt: Literal["full", "short"] = arg("full", "LLM backends: full (every rule, a worked example, a marked "
                                           "answer) or short (one plain request, for small models; our rules are "
                                           "applied to every answer in code either way)")
    limit: int | None = arg(None, "only the first N documents of each genre", value=positive_int)
    max_attempts: int = arg(2, "LLM backends: tries per chunk that fails a check", value=positive_int)
    min_core_share: float = arg(0.75, "a chunk passes with at least this share of words in the 2,000-word core "
                                "list", value=nonnegative_float)
    no_meaning_check: bool = arg(False, "skip the sentence-embedding similarity check")

    def __post_init__(self):
        check_apart(self.output_dir, [self.data])
        if not 0 < self.min_core_share <= 1:
            raise UsageError(f"--min_core_share {self.min_core_share}: a share of words, from 0 to 1")  # OUT/data/leaner/... would replace the release's own files
        if self.backend == "lexical" and self.prompt != "full":
            raise UsageError("--prompt applies to the LLM backends (openai, transformers), not to --backend lexical")


def check_backend(args: SimplifyArguments, endpoint: EndpointArguments) -> None:
    """The backend and the endpoint flags together (two dataclasses, so checked here, still before any work)."""
    if args.backend == "openai" and not (endpoint.base_url and endpoint.model):
        raise UsageError("--backend openai needs --base-url URL (ending in /v1) and --model NAME")
    if args.backend == "transformers" and not endpoint.model:
        raise UsageError("--backend transformers needs --model, a local model folder")
    if args.backend == "transformers" and not Path(endpoint.model).is_dir():
        raise UsageError(f"--model {endpoint.model}: no such folder (the transformers backend loads a local folder)")
    if args.backend == "lexical" and (endpoint.base_url or endpoint.model):
        raise UsageError("--base-url/--model do not apply to --backend lexical (the offline simplifier)")
    if endpoint.base_url and not endpoint.base_url.rstrip("/").endswith("/v1"):
        raise UsageError(f"--base-url {public_url(endpoint.base_url)}: an OpenAI-compatible base URL ends in /v1")


def run_simplify(args: SimplifyArguments, endpoint: EndpointArguments, progress: bool) -> int:
    check_backend(args, endpoint)
    from loguru import logger

    from hf_leaner.simplify.pipeline import SimplifyConfig, run_simplify as simplify
    from hf_leaner.simplify.validate import ValidationConfig

    # datatrove logs each step's stats to stderr; they stay in OUT/.simplify/logs/*/stats.json, and this command
    # prints one line per phase and a table instead
    logger.disable("datatrove")
    kwargs = {}
    if args.backend == "openai":
        kwargs = dict(base_url=endpoint.base_url, model=endpoint.model, max_concurrency=endpoint.concurrency,
                      max_tokens=args.max_tokens, max_retries=endpoint.max_retries, timeout_s=endpoint.timeout,
                      cache_dir=str(Path(args.output_dir) / ".simplify" / "llm-cache"), prompt_style=args.prompt)
    elif args.backend == "transformers":
        kwargs = dict(model_path=str(Path(endpoint.model).resolve()), max_new_tokens=args.max_tokens,
                      prompt_style=args.prompt)
    cfg = SimplifyConfig(data_dir=args.data, output_dir=args.output_dir, size=args.corpus_size, split=args.split,
                         genres=tuple(args.genres), limit=args.limit, backend=args.backend, backend_kwargs=kwargs,
                         workers=args.workers, meaning_check=not args.no_meaning_check, chunk_budget=args.chunk_tokens,
                         max_attempts=args.max_attempts, validation=ValidationConfig(min_core_share=args.min_core_share))
    print(f"[1/2] simplifying {', '.join(cfg.genres)} ({cfg.size} {cfg.split}) with the {args.backend} backend, "
          f"{cfg.workers} worker(s)")
    t0 = time.time()
    counts = simplify(cfg)
    took = time.time() - t0
    out = Path(args.output_dir)
    print(f"[2/2] wrote {out / 'data' / 'leaner'} and {out / 'failures.jsonl'} in {took:.1f}s")
    rows = [[g, c.get("ok", 0), c.get("failed", 0)] for g, c in sorted(counts.items())]
    total = [sum(r[1] for r in rows), sum(r[2] for r in rows)]
    rows.append(["all", *total])
    print(text_table(["genre", "rewritten", "failed"], rows, numbers_right=True))
    done = sum(total)
    print(f"{done / took:.2f} documents/s; failure reasons in {out / 'failures.jsonl'}" if done else "no documents")
    faults = sum('"retried_next_run": true' in line for line in (out / "failures.jsonl").read_text().splitlines())
    if faults:
        print(f"{faults} document(s) failed because the endpoint gave no answer; run the same command again to ask "
              "for them (finished documents are kept)")
    return 0


COMMANDS = [Command("simplify", "make a LEANER corpus from ORIGINAL documents (rewrite, validate, release layout)",
                    (SimplifyArguments, EndpointArguments), run_simplify)]
