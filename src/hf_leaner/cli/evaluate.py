"""Evaluation commands: ``generate`` (answer LEANER-Eval questions), ``judge`` (an LLM scores the answers),
``eval-glue`` (fine-tune and score on LEANER-GLUE) and ``eval-zero-shot`` (minimal pairs: BLiMP, Zorro)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_leaner.evaluation.glue_config import GlueArguments
from hf_leaner.evaluation.zero_shot_config import ZeroShotArguments
from hf_leaner.llm.connect import EndpointArguments
from hf_leaner.utils.args import (arg, existing_file, folder_or_hub_id, nonnegative_float, nonnegative_int,
                                  positive_float, positive_int, repo_id, writable_output)
from hf_leaner.utils.errors import UsageError
from hf_leaner.utils.tables import text_table

from .registry import Command

# ------------------------------------------------------------------------------------------------ generate


@dataclass
class GenerateArguments:
    models: list[str] = arg(None, "model folders (from `instruct`) or Hub ids", positional=True, nargs="+",
                            value=folder_or_hub_id)
    data: str = arg("sample", "'sample', a release copy (data/leaner/eval/*.jsonl) or a .jsonl of {question[, id]} "
                    "records", aliases=("--data_dir",))
    subsets: list[str] | None = arg(None, "eval subsets, e.g. split-0-7 inner_comparison (default: all splits)",
                                    nargs="+")
    max_questions: int | None = arg(None, "the first N questions of each subset", value=positive_int)
    output_dir: str = arg(None, "answers go to OUT/<model>.jsonl", aliases=("--output",), value=writable_output,
                          required=True)
    batch_size: int = arg(16, "questions per batch", value=positive_int)
    max_new_tokens: int = arg(128, "longest answer, in tokens", value=positive_int)
    sample: bool = arg(False, "sample instead of greedy decoding")
    temperature: float = arg(1.0, "with --sample", value=positive_float)

    def __post_init__(self):
        from hf_leaner.evaluation.generate import model_label

        if self.temperature != 1.0 and not self.sample:
            raise UsageError("--temperature only applies with --sample (the default is greedy decoding)")
        if self.data != "sample" and not Path(self.data).expanduser().exists():
            raise UsageError(f"--data {self.data}: no such file or folder")
        labels = {}
        for name in self.models:
            if model_label(name) in labels:
                raise UsageError(f"models {labels[model_label(name)]} and {name} would both write "
                                 f"{model_label(name)}.jsonl; copy one to a folder of another name")
            labels[model_label(name)] = name


def run_generate(args: GenerateArguments, progress: bool) -> int:
    from hf_leaner.evaluation.generate import generate_answers, load_questions, model_label
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    questions = load_questions(args.data, args.subsets, limit=args.max_questions)
    print(f"generate: {len(questions)} questions, {len(args.models)} model(s)", flush=True)
    rows = []
    for name in args.models:
        out = Path(args.output_dir) / f"{model_label(name)}.jsonl"
        s = generate_answers(name, questions, out, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
                             do_sample=args.sample, temperature=args.temperature, progress=progress)
        print(f"generate: {model_label(name)}: {s['answered']} answered, {s['already_done']} already done, "
              f"{s['tokens_per_s']:.1f} tokens/s", flush=True)
        rows.append((model_label(name), f"{s['answered']:,}", f"{s['already_done']:,}", f"{s['new_tokens']:,}",
                     f"{s['seconds']:.1f}", f"{s['tokens_per_s']:.1f}", str(out)))
    print()
    print(text_table(("model", "answered", "resumed", "new tokens", "seconds", "tokens/s", "answers"), rows))
    return 0


# ------------------------------------------------------------------------------------------------ judge


@dataclass
class JudgeArguments:
    answers: list[str] = arg(None, "answers files from `hf-leaner generate`, one per model", nargs="+",
                             value=existing_file, required=True)
    output_dir: str = arg(None, "OUT/judgements.jsonl, OUT/results.json and the reply cache OUT/llm_cache",
                          aliases=("--output",), value=writable_output, required=True)
    max_tokens: int | None = arg(None, "reply budget (default: enough for the JSON of every model)",
                                 value=positive_int)
    seed: int = arg(0, "seeds the shuffled order of the answers", value=nonnegative_int)
    price_per_1m_input: float | None = arg(None, "for the cost column (USD per 1M prompt tokens)",
                                           value=nonnegative_float)
    price_per_1m_output: float | None = arg(None, "for the cost column (USD per 1M reply tokens)",
                                            value=nonnegative_float)
    push_to_hub: list[str] | None = arg(None, "one model repo per answers file: its scores go to "
                                        ".eval_results/leaner-eval.yaml and the card", nargs="+", value=repo_id,
                                        metavar="REPO")

    def __post_init__(self):
        if self.push_to_hub and len(self.push_to_hub) != len(self.answers):
            raise UsageError(f"--push_to_hub takes one repo per answers file ({len(self.answers)}), "
                             f"got {len(self.push_to_hub)}")


def run_judge(args: JudgeArguments, endpoint: EndpointArguments, progress: bool) -> int:
    if endpoint.base_url is None:
        raise UsageError("judge needs --base_url: the endpoint's URL, or 'local' to start the local endpoint")
    from hf_leaner.evaluation.judge import format_results, read_answer_files, run_judge as judge
    from hf_leaner.llm.connect import client_options, connect

    out = Path(args.output_dir)
    read_answer_files(args.answers)  # a bad answers file is reported before any endpoint starts
    if endpoint.base_url == "local":
        print("judge: starting the local endpoint (SmolLM2-135M-Instruct; scores from so small a judge are "
              "plumbing, not findings)", flush=True)
    with connect(endpoint.base_url, endpoint.model, cache_dir=out / "llm_cache", **client_options(endpoint),
                 price_per_1m_input=args.price_per_1m_input, price_per_1m_output=args.price_per_1m_output) as client:
        print(f"judge: {client.model} at {client.endpoint_id}, {len(args.answers)} answers file(s)", flush=True)
        results = judge(client, args.answers, out, seed=args.seed, max_tokens=args.max_tokens, progress=progress,
                        log=lambda m: print(m, flush=True))
    print()
    print(format_results(results))
    print(f"\njudgements: {out / 'judgements.jsonl'}; results: {out / 'results.json'}")
    for repo, model_name in zip(args.push_to_hub or [], results["models"]):
        from hf_leaner.hub.eval_results import push_judge_results

        print(f"pushed {model_name}: {push_judge_results(out, model_name, repo)}")
    return 0


COMMANDS = [
    Command("generate", "answer LEANER-Eval questions with one or more models (JSONL, resumable)",
            (GenerateArguments,), run_generate),
    Command("judge", "judge generated answers with an LLM over any OpenAI-compatible endpoint",
            (JudgeArguments, EndpointArguments), run_judge),
]


# ------------------------------------------------------------------------------------------------ eval-glue


def run_eval_glue(args: GlueArguments, progress: bool) -> int:
    from hf_leaner.evaluation.glue import run_glue
    from hf_leaner.evaluation.glue_report import format_results
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    results = run_glue(args)
    print()
    print(format_results(results))
    for task, why in results["missing_train"].items():
        print(f"not fine-tuned: {task}: {why}")
    print(f"results: {Path(args.output_dir) / 'results.json'}; predictions: {Path(args.output_dir) / 'predictions'}")
    return 0


COMMANDS.append(Command("eval-glue", "fine-tune and score a model on LEANER-GLUE (grid of learning rates x seeds)",
                        (GlueArguments,), run_eval_glue))


# ------------------------------------------------------------------------------------------------ eval-zero-shot


def run_eval_zero_shot(args: ZeroShotArguments, progress: bool) -> int:
    from hf_leaner.evaluation.zero_shot import run_zero_shot
    from hf_leaner.evaluation.zero_shot_report import print_summary
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    results = run_zero_shot(args, progress)
    if args.max_pairs_per_paradigm:
        print(f"a subset: at most {args.max_pairs_per_paradigm} pairs per paradigm (seed {args.seed})")
    print()
    print_summary(results)
    out = Path(args.output_dir)
    print(f"results: {out / 'results.json'}, {out / 'results.md'}, {out / 'zero_shot.png'}; "
          f"predictions: {out / 'predictions'}")
    return 0


COMMANDS.append(Command("eval-zero-shot", "score models zero-shot on minimal pairs (BLiMP, Zorro, your own JSONL): "
                        "the grammatical sentence should be the more probable", (ZeroShotArguments,),
                        run_eval_zero_shot))
