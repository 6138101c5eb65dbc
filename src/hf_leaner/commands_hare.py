"""The HARE commands' work (``decontaminate``, ...); parsers live in :mod:`hf_leaner.cli`."""

from __future__ import annotations

from pathlib import Path

from .cli_args import UsageError


def check_decontaminate(args) -> None:
    if args.threshold >= 1:
        raise UsageError(f"--threshold {args.threshold} must be below 1 (it is the share of an item's n-grams)")
    if args.min_words > args.n:
        raise UsageError(f"--min_words {args.min_words} is above --n {args.n}: short items would never be checked")
    _check_benchmarks([*args.benchmark, *args.control])


def _check_benchmarks(specs) -> None:
    for spec in specs:
        p = Path(spec).expanduser()
        if (spec.startswith((".", "/", "~")) or p.suffix in (".jsonl", ".json", ".zst")) and not p.exists():
            raise UsageError(f"--benchmark {spec}: no such file or folder")


def cmd_decontaminate(args) -> int:
    from .hare.decontaminate import build_index, decontaminate, format_report

    index = build_index(args.benchmark, n=args.n, threshold=args.threshold, min_words=args.min_words,
                        controls=args.control, split=args.benchmark_split, fields=args.benchmark_fields)
    print(f"decontaminate: indexed {len(index.segments):,} benchmark segments ({len(index.hashes):,} n-grams)")
    report = decontaminate(args.files, index, args.output_dir, text_column=args.text_column,
                           shard_size=args.shard_size)
    print()
    print(format_report(report))
    out = Path(args.output_dir)
    print(f"kept: {out / 'kept.jsonl'}; removed: {out / 'removed.jsonl'}; report: {out / 'report.json'}")
    return 0


def check_leakage_probe(args) -> None:
    if not 0 < args.prompt_fraction < 1:
        raise UsageError(f"--prompt_fraction {args.prompt_fraction} must be between 0 and 1")
    _check_benchmarks([*args.benchmark, *(args.paraphrases or [])])


def cmd_leakage_probe(args) -> int:
    import json

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .hare.benchmarks_io import load_segments
    from .hare.leakage import format_probe, leakage_probe

    items = [s.text for spec in args.benchmark for s in load_segments(spec, args.benchmark_split,
                                                                      args.benchmark_fields)][:args.max_items]
    paraphrases = None
    if args.paraphrases:
        paraphrases = [s.text for spec in args.paraphrases for s in load_segments(spec, args.benchmark_split,
                                                                                  args.benchmark_fields)]
        paraphrases = paraphrases[:len(items)]
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model)
    result = leakage_probe(model, tokenizer, items, paraphrases, args.prompt_fraction, args.continuation_tokens)
    result["model"] = args.model
    print(format_probe(result))
    if args.output_json:
        Path(args.output_json).write_text(json.dumps(result, indent=2))
    return 0


def cmd_filter_quality(args) -> int:
    from .hare.quality import format_quality, quality_filter

    overrides = {"gopher_quality": {"min_doc_words": args.min_doc_words or None}} if args.min_doc_words is not None else {}
    report = quality_filter(args.files, args.output_dir, names=tuple(args.filters), overrides=overrides,
                            text_column=args.text_column)
    print(format_quality(report))
    out = Path(args.output_dir)
    print(f"kept: {out / 'kept.jsonl'}; dropped: {out / 'dropped.jsonl'}; report: {out / 'report.json'}")
    return 0


def cmd_diversity_sample(args) -> int:
    from .hare.diversity import diversity_sample, format_diversity

    report = diversity_sample(args.files, args.output_dir, args.n_samples, clusters=args.clusters, seed=args.seed,
                              text_column=args.text_column, progress=args.progress)
    print(format_diversity(report))
    out = Path(args.output_dir)
    print(f"sampled: {out / 'sampled.jsonl'}; dropped: {out / 'dropped.jsonl'}; report: {out / 'report.json'}")
    return 0


def _with_client(args, work):
    """Run ``work(client)`` against --base_url, or against the local endpoint started for the run."""
    import contextlib

    from .llm import LLMClient, LocalLLMServer

    if bool(args.base_url) != bool(args.model) and args.base_url:
        raise UsageError("--base_url needs --model (the model name the endpoint serves)")
    with (contextlib.nullcontext() if args.base_url else LocalLLMServer()) as server:
        base_url, model = (args.base_url, args.model) if args.base_url else (server.base_url, server.model)
        client = LLMClient(base_url, model, api_key_env=args.api_key_env, max_concurrency=args.concurrency,
                           timeout_s=args.timeout_s, cache_dir=Path(args.output_dir) / "llm_cache")
        try:
            return work(client)
        finally:
            client.close()


def _params(args) -> dict:
    return {"max_tokens": args.max_tokens} if args.max_tokens else {}


def cmd_make_glue(args) -> int:
    from .hare.benchmarks import make_glue
    from .utils.tables import text_table

    report = _with_client(args, lambda c: make_glue(args.files, c, args.output_dir, args.max_examples,
                                                           _params(args)))
    rows = [[name, t["examples"], t["judged"], t["kept"], "-" if t["label_survival_rate"] is None else
             f"{t['label_survival_rate']:.1%}", f"{t['drop_rate']:.1%}", t["failures"]]
            for name, t in report["tasks"].items()]
    print(text_table(["file", "examples", "judged", "kept", "label survival", "drop rate", "failed"], rows,
                     numbers_right=True))
    s = report["llm"]
    print(f"requests sent {s['requests']}, from cache {s['cache_hits']}, retries {s['retries']}, "
          f"failures {s['failures']}; kept: {args.output_dir}/<file>.jsonl, dropped: {args.output_dir}/dropped.jsonl")
    return 0


def cmd_make_eval(args) -> int:
    from .hare.benchmarks import make_eval

    report = _with_client(args, lambda c: make_eval(args.seeds, c, args.output_dir, args.n_questions, args.reference,
                                                    shots=args.shots, near_duplicate=args.near_duplicate,
                                                    seed=args.seed, params=_params(args)))
    print(f"asked {report['requested']}: failed {report['failed']}, empty {report['empty']}, exact duplicates "
          f"{report['exact_duplicates']}, near duplicates {report['near_duplicates']}; kept {report['kept']}")
    print("buckets (highest cosine to the reference, x10): " + ", ".join(f"{k} {v}" for k, v in report["buckets"].items()))
    s = report["llm"]
    print(f"requests sent {s['requests']}, from cache {s['cache_hits']}; files in {args.output_dir}")
    return 0
