"""HARE's data tools: ``decontaminate`` (n-gram leakage), ``leakage-probe``, ``filter-quality``,
``diversity-sample``, and the benchmark builders ``make-glue`` / ``make-eval`` (through an LLM endpoint)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_leaner.llm.connect import EndpointArguments
from hf_leaner.utils.args import (arg, check_apart, csv_list, existing_file, folder_or_hub_id, nonnegative_float,
                                  nonnegative_int, positive_float, positive_int, writable_output)
from hf_leaner.utils.errors import UsageError
from hf_leaner.utils.tables import text_table

from .registry import Command

QUALITY_FILTERS = ("gopher_quality", "gopher_repetition", "fineweb_quality")


def check_benchmarks(specs) -> None:
    for spec in specs:
        p = Path(spec).expanduser()
        if (spec.startswith((".", "/", "~")) or p.suffix in (".jsonl", ".json", ".zst")) and not p.exists():
            raise UsageError(f"--benchmark {spec}: no such file or folder")


def print_outputs(out: str, **files: str) -> None:
    print("; ".join(f"{what}: {Path(out) / name}" for what, name in files.items()))


# ------------------------------------------------------------------------------------------ decontaminate


@dataclass
class DecontaminateArguments:
    files: list[str] = arg(None, "training data: .jsonl/.json[.zst] records with a text field", positional=True,
                           nargs="+", value=existing_file)
    benchmark: list[str] = arg(None, "LEANER-GLUE / LEANER-Eval .jsonl files, folders of them, saved datasets folders "
                               "or Hub ids", nargs="+", action="extend", metavar="FILE_OR_DATASET", required=True)
    control: list[str] = arg(None, "control benchmarks: documents they alone match are kept and counted as false "
                             "positives", nargs="+", action="extend", metavar="FILE_OR_DATASET")
    benchmark_split: str | None = arg(None, "with a datasets benchmark: its split (default: every split)")
    benchmark_fields: list[str] | None = arg(None, "item fields holding text (default: the GLUE/Eval ones)",
                                             value=csv_list(str), nargs=None)
    text_column: str = arg("text", "the training records' text field")
    n: int = arg(8, "n-gram length (HARE: 4-8 short task data, 10-15 long)", value=positive_int)
    threshold: float = arg(0.5, "drop when more than this share of one item's n-grams is in the document (0: one "
                           "n-gram)", value=nonnegative_float)
    min_words: int = arg(5, "benchmark fields with fewer words are not checked", value=positive_int)
    shard_size: int = arg(10_000, "documents per resumable shard", value=positive_int)
    output_dir: str = arg(None, "kept.jsonl, removed.jsonl and report.json", aliases=("--output",),
                          value=writable_output, required=True)

    def __post_init__(self):
        self.control = self.control or []
        if self.threshold >= 1:
            raise UsageError(f"--threshold {self.threshold} must be below 1 (it is the share of an item's n-grams)")
        if self.min_words > self.n:
            raise UsageError(f"--min_words {self.min_words} is above --n {self.n}: short items would never be checked")
        check_benchmarks([*self.benchmark, *self.control])
        check_apart(self.output_dir, self.files, ("kept.jsonl", "removed.jsonl", "report.json"))


def run_decontaminate(args: DecontaminateArguments, progress: bool) -> int:
    from hf_leaner.hare.decontaminate import build_index, decontaminate, format_report

    index = build_index(args.benchmark, n=args.n, threshold=args.threshold, min_words=args.min_words,
                        controls=args.control, split=args.benchmark_split, fields=args.benchmark_fields)
    print(f"decontaminate: indexed {len(index.segments):,} benchmark segments ({len(index.hashes):,} n-grams)")
    report = decontaminate(args.files, index, args.output_dir, text_column=args.text_column, shard_size=args.shard_size)
    print()
    print(format_report(report))
    print_outputs(args.output_dir, kept="kept.jsonl", removed="removed.jsonl", report="report.json")
    return 0


# ------------------------------------------------------------------------------------------ leakage-probe


@dataclass
class LeakageProbeArguments:
    model: str = arg(None, "a causal LM folder (e.g. from `hf-leaner pretrain`) or Hub id", positional=True,
                     value=folder_or_hub_id)
    benchmark: list[str] = arg(None, "benchmark items, as decontaminate takes them", nargs="+",
                               action="extend", metavar="FILE_OR_DATASET", required=True)
    paraphrases: list[str] | None = arg(None, "the same items reworded, in the same order (default: a fixed offline "
                                        "synonym rewrite)", nargs="+", action="extend", metavar="FILE_OR_DATASET")
    benchmark_split: str | None = arg(None, "with a datasets benchmark: its split")
    benchmark_fields: list[str] | None = arg(None, "item fields holding text (default: the GLUE/Eval ones)",
                                             value=csv_list(str), nargs=None)
    max_items: int = arg(2000, "the first N item fields", value=positive_int)
    prompt_fraction: float = arg(0.5, "share of an item's tokens given as prompt", value=positive_float)
    continuation_tokens: int = arg(12, "tokens the model must continue", value=positive_int)
    output_json: str | None = arg(None, "also write the result to this JSON file", aliases=("--output",))

    def __post_init__(self):
        if not 0 < self.prompt_fraction < 1:
            raise UsageError(f"--prompt_fraction {self.prompt_fraction} must be between 0 and 1")
        if self.output_json and Path(self.output_json).is_dir():
            raise UsageError(f"--output_json {self.output_json}: is a folder; give a file name (e.g. probe.json)")
        check_benchmarks([*self.benchmark, *(self.paraphrases or [])])


def run_leakage_probe(args: LeakageProbeArguments, progress: bool) -> int:
    import json

    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from hf_leaner.evaluation.readings import objective_of
    from hf_leaner.models.loading import check_model_folder
    from hf_leaner.hare.benchmarks_io import load_segments
    from hf_leaner.hare.leakage import format_probe, leakage_probe

    def texts(specs):
        return [s.text for spec in specs for s in load_segments(spec, args.benchmark_split, args.benchmark_fields)]

    check_model_folder(args.model)
    config = AutoConfig.from_pretrained(args.model)
    if objective_of(config) != "causal":  # a masked or permutation LM has no left-to-right continuation to test
        raise UsageError(f"MODEL {args.model}: a {config.model_type} model ({objective_of(config)} LM); the probe "
                         "continues each item left to right, so it takes a causal model (llama, mamba2, any "
                         "...ForCausalLM)")
    items = texts(args.benchmark)[:args.max_items]
    paraphrases = texts(args.paraphrases)[:len(items)] if args.paraphrases else None
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model)
    result = leakage_probe(model, tokenizer, items, paraphrases, args.prompt_fraction, args.continuation_tokens)
    result["model"] = args.model
    print(format_probe(result))
    if args.output_json:
        Path(args.output_json).write_text(json.dumps(result, indent=2))
    return 0


# ---------------------------------------------------------------------------- filter-quality, diversity-sample


@dataclass
class FilterQualityArguments:
    files: list[str] = arg(None, ".jsonl/.json[.zst] records with a text field", positional=True, nargs="+",
                           value=existing_file)
    filters: list[str] = arg(help="comma-separated, in order", default_factory=lambda: list(QUALITY_FILTERS),
                             value=csv_list(str, QUALITY_FILTERS, "filter"), nargs=None)
    min_doc_words: int | None = arg(None, "Gopher quality: fewest words (default 50; 0: no minimum)",
                                    value=nonnegative_int)
    text_column: str = arg("text", "the text field")
    output_dir: str = arg(None, "kept.jsonl, dropped.jsonl and report.json", aliases=("--output",),
                          value=writable_output, required=True)

    def __post_init__(self):
        check_apart(self.output_dir, self.files, ("kept.jsonl", "dropped.jsonl", "report.json"))


def run_filter_quality(args: FilterQualityArguments, progress: bool) -> int:
    from hf_leaner.hare.quality import format_quality, quality_filter

    overrides = ({"gopher_quality": {"min_doc_words": args.min_doc_words or None}}
                 if args.min_doc_words is not None else {})
    report = quality_filter(args.files, args.output_dir, names=tuple(args.filters), overrides=overrides,
                            text_column=args.text_column)
    print(format_quality(report))
    print_outputs(args.output_dir, kept="kept.jsonl", dropped="dropped.jsonl", report="report.json")
    return 0


@dataclass
class DiversitySampleArguments:
    files: list[str] = arg(None, ".jsonl/.json[.zst] records with a text field", positional=True, nargs="+",
                           value=existing_file)
    n_samples: int = arg(None, "documents to keep", value=positive_int, required=True)
    clusters: int = arg(20, "k-means clusters (topics)", value=positive_int)
    seed: int = arg(0, "the k-means and sampling seed", value=nonnegative_int)
    text_column: str = arg("text", "the text field")
    output_dir: str = arg(None, "sampled.jsonl, dropped.jsonl and report.json", aliases=("--output",),
                          value=writable_output, required=True)

    def __post_init__(self):
        check_apart(self.output_dir, self.files, ("sampled.jsonl", "dropped.jsonl", "report.json"))


def run_diversity_sample(args: DiversitySampleArguments, progress: bool) -> int:
    from hf_leaner.hare.diversity import diversity_sample, format_diversity

    report = diversity_sample(args.files, args.output_dir, args.n_samples, clusters=args.clusters, seed=args.seed,
                              text_column=args.text_column, progress=progress)
    print(format_diversity(report))
    print_outputs(args.output_dir, sampled="sampled.jsonl", dropped="dropped.jsonl", report="report.json")
    return 0


# ------------------------------------------------------------------------------------ make-glue, make-eval


@dataclass
class MakeGlueArguments:
    files: list[str] = arg(None, "GLUE-format .jsonl files named <task>_<split>.jsonl", positional=True, nargs="+",
                           value=existing_file)
    max_examples: int | None = arg(None, "the first N examples of each file", value=positive_int)
    max_tokens: int | None = arg(None, "longest reply (default: 96 for rewrites and verdicts)", value=positive_int)
    output_dir: str = arg(None, "results, report and the reply cache (OUT/llm_cache: a rerun resumes, asking "
                          "nothing twice)", aliases=("--output",), value=writable_output, required=True)

    def __post_init__(self):
        check_apart(self.output_dir, self.files, [Path(f).name for f in self.files] + ["dropped.jsonl", "report.json"])
        from hf_leaner.hare.benchmarks import check_glue_files

        check_glue_files(self.files, self.max_examples)  # before any endpoint starts


@dataclass
class MakeEvalArguments:
    seeds: list[str] = arg(None, ".jsonl files of seed questions ('question' field)", positional=True, nargs="+",
                           value=existing_file)
    n_questions: int = arg(None, "questions to ask the model for", value=positive_int, required=True)
    reference: list[str] = arg(None, "questions to bucket similarity against (default: the seeds)", nargs="+",
                               value=existing_file)
    shots: int = arg(4, "seed examples in each request", value=positive_int)
    near_duplicate: float = arg(0.95, "embedding cosine at which two are one", value=positive_float)
    seed: int = arg(0, "sampling seed", value=nonnegative_int)
    max_tokens: int | None = arg(None, "longest reply (default: 48 for questions)", value=positive_int)
    output_dir: str = arg(None, "results, report and the reply cache (OUT/llm_cache: a rerun resumes, asking "
                          "nothing twice)", aliases=("--output",), value=writable_output, required=True)

    def __post_init__(self):
        self.reference = self.reference or []
        from hf_leaner.hare.benchmarks import BUCKETS

        check_apart(self.output_dir, [*self.seeds, *self.reference], [f"{b[0]}.jsonl" for b in BUCKETS] + ["report.json"])
        if not 0 < self.near_duplicate <= 1:
            raise UsageError(f"--near_duplicate {self.near_duplicate}: a cosine similarity, above 0 and at most 1")


def _with_client(endpoint: EndpointArguments, output_dir: str, work):
    from hf_leaner.llm.connect import client_options, connect

    with connect(endpoint.base_url, endpoint.model, cache_dir=Path(output_dir) / "llm_cache",
                 **client_options(endpoint)) as client:
        return work(client)


def run_make_glue(args: MakeGlueArguments, endpoint: EndpointArguments, progress: bool) -> int:
    from hf_leaner.hare.benchmarks import make_glue

    params = {"max_tokens": args.max_tokens} if args.max_tokens else {}
    report = _with_client(endpoint, args.output_dir,
                          lambda c: make_glue(args.files, c, args.output_dir, args.max_examples, params))
    rows = [[name, t["examples"], t["judged"], t["kept"], "-" if t["label_survival_rate"] is None else
             f"{t['label_survival_rate']:.1%}", f"{t['drop_rate']:.1%}", t["failures"]]
            for name, t in report["tasks"].items()]
    print(text_table(["file", "examples", "judged", "kept", "label survival", "drop rate", "failed"], rows,
                     numbers_right=True))
    s = report["llm"]
    print(f"requests sent {s['requests']}, from cache {s['cache_hits']}, retries {s['retries']}, "
          f"failures {s['failures']}; kept: {args.output_dir}/<file>.jsonl, dropped: {args.output_dir}/dropped.jsonl")
    return 0


def run_make_eval(args: MakeEvalArguments, endpoint: EndpointArguments, progress: bool) -> int:
    from hf_leaner.hare.benchmarks import make_eval

    params = {"max_tokens": args.max_tokens} if args.max_tokens else {}
    report = _with_client(endpoint, args.output_dir,
                          lambda c: make_eval(args.seeds, c, args.output_dir, args.n_questions, args.reference,
                                              shots=args.shots, near_duplicate=args.near_duplicate, seed=args.seed,
                                              params=params))
    print(f"asked {report['requested']}: failed {report['failed']}, not questions {report['not_questions']}, exact "
          f"duplicates "
          f"{report['exact_duplicates']}, near duplicates {report['near_duplicates']}; kept {report['kept']}")
    print("buckets (highest cosine to the reference, x10): "
          + ", ".join(f"{k} {v}" for k, v in report["buckets"].items()))
    s = report["llm"]
    print(f"requests sent {s['requests']}, from cache {s['cache_hits']}; files in {args.output_dir}")
    return 0


COMMANDS = [
    Command("decontaminate", "drop training documents that hold benchmark items (HARE's n-gram rule)",
            (DecontaminateArguments,), run_decontaminate),
    Command("leakage-probe", "does a trained model continue benchmark items better than paraphrases?",
            (LeakageProbeArguments,), run_leakage_probe),
    Command("filter-quality", "datatrove's heuristic quality filters (Gopher, FineWeb), thresholds reported",
            (FilterQualityArguments,), run_filter_quality),
    Command("diversity-sample", "sample evenly over embedding clusters (all-MiniLM-L6-v2 + k-means)",
            (DiversitySampleArguments,), run_diversity_sample),
    Command("make-glue", "LEANER-GLUE: rewrite GLUE examples simply, keep those whose label a judge keeps",
            (MakeGlueArguments, EndpointArguments), run_make_glue),
    Command("make-eval", "LEANER-Eval: new simple questions from seeds, de-duplicated and bucketed",
            (MakeEvalArguments, EndpointArguments), run_make_eval),
]
