"""The instruction-following commands' work: ``instruct``, ``generate``, ``judge``, ``experiment instruction``.

Like :mod:`hf_leaner.commands`, one ``cmd_`` (and ``check_``) function per command; the parser lives in
:mod:`hf_leaner.cli`. Heavy imports happen inside the functions, after the command line was checked.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .cli_args import UsageError
from .utils.tables import text_table


def _quiet_libraries() -> None:
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    datasets.disable_progress_bars()


# ------------------------------------------------------------------------------------------------ instruct


def check_instruct(args) -> None:
    from .train.instruct_config import InstructArguments
    from .utils.args import from_namespace

    args.instruct = from_namespace(InstructArguments, args)  # __post_init__: the flags checked together


def cmd_instruct(args) -> int:
    from .train.instruct import instruct

    _quiet_libraries()
    a = args.instruct
    print(f"instruct: tuning {a.model} on {a.data} (completion-only loss)", flush=True)
    s = instruct(a)
    print()
    print(text_table(("", ""), [
        ("model", s["model"]), ("data", f"{s['data']} ({s['train_examples']:,} train records)"),
        ("mode", f"LoRA r={s['lora_r']} (merged)" if s["lora_r"] else "full fine-tuning"),
        ("curriculum", s["curriculum"] or "none"), ("steps", f"{s['steps']:,}"),
        ("train loss", f"{s['train_loss']:.4f}"),
        ("val loss", f"{s['eval_loss']:.4f}" if s["eval_loss"] is not None else "-"),
        ("time", f"{s['seconds']:.0f}s"), ("saved", a.output_dir)]))
    return 0


# ------------------------------------------------------------------------------------------------ generate


def cmd_generate(args) -> int:
    from .evaluation.generate import generate_answers, load_questions, model_label

    _quiet_libraries()
    questions = load_questions(args.data, args.subsets, limit=args.max_questions)
    print(f"generate: {len(questions)} questions, {len(args.models)} model(s)", flush=True)
    rows = []
    for name in args.models:
        out = Path(args.output_dir) / f"{model_label(name)}.jsonl"
        s = generate_answers(name, questions, out, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
                             do_sample=args.sample, temperature=args.temperature, progress=args.progress)
        print(f"generate: {model_label(name)}: {s['answered']} answered, {s['already_done']} already done, "
              f"{s['tokens_per_s']:.1f} tokens/s", flush=True)
        rows.append((model_label(name), f"{s['answered']:,}", f"{s['already_done']:,}", f"{s['new_tokens']:,}",
                     f"{s['seconds']:.1f}", f"{s['tokens_per_s']:.1f}", str(out)))
    print()
    print(text_table(("model", "answered", "resumed", "new tokens", "seconds", "tokens/s", "answers"), rows))
    return 0


def check_generate(args) -> None:
    if args.temperature != 1.0 and not args.sample:
        raise UsageError("--temperature only applies with --sample (the default is greedy decoding)")
    if args.data != "sample" and not Path(args.data).expanduser().exists():
        raise UsageError(f"--data {args.data}: no such file or folder")
    labels = {}
    from .evaluation.generate import model_label

    for name in args.models:
        if model_label(name) in labels:
            raise UsageError(f"models {labels[model_label(name)]} and {name} would both write "
                             f"{model_label(name)}.jsonl; copy one to a folder of another name")
        labels[model_label(name)] = name


# ------------------------------------------------------------------------------------------------ judge


def check_judge(args) -> None:
    if args.base_url != "local" and not args.base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base_url {args.base_url!r}: give the endpoint's URL (http(s)://HOST/v1) or 'local'")
    if args.base_url != "local" and not args.model:
        raise UsageError("--model is required with --base_url URL (the model name the endpoint serves)")
    if args.push_to_hub and len(args.push_to_hub) != len(args.answers):
        raise UsageError(f"--push_to_hub takes one repo per answers file ({len(args.answers)}), "
                         f"got {len(args.push_to_hub)}")


def make_client(base_url: str, model: str, args, cache_dir: Path):
    from .llm import LLMClient

    return LLMClient(base_url, model, api_key_env=args.api_key_env, max_concurrency=args.concurrency,
                     max_retries=args.max_retries, timeout_s=args.timeout, cache_dir=cache_dir,
                     price_per_1m_input=args.price_per_1m_input, price_per_1m_output=args.price_per_1m_output)


def cmd_judge(args) -> int:
    import contextlib

    from .evaluation.judge import format_results, read_answer_files, run_judge

    out = Path(args.output_dir)
    read_answer_files(args.answers)  # a bad answers file is reported before any endpoint starts
    with contextlib.ExitStack() as stack:
        base_url, model = args.base_url, args.model
        if base_url == "local":
            from .llm import LocalLLMServer

            print("judge: starting the local endpoint (SmolLM2-135M-Instruct; scores from so small a judge are "
                  "plumbing, not findings)", flush=True)
            server = stack.enter_context(LocalLLMServer())
            base_url, model = server.base_url, model or server.model
        client = make_client(base_url, model, args, out / "llm_cache")
        stack.callback(client.close)
        print(f"judge: {model} at {base_url}, {len(args.answers)} answers file(s)", flush=True)
        results = run_judge(client, args.answers, out, seed=args.seed, max_tokens=args.max_tokens,
                            progress=args.progress, log=lambda m: print(m, flush=True))
    print()
    print(format_results(results))
    print(f"\njudgements: {out / 'judgements.jsonl'}; results: {out / 'results.json'}")
    for repo, model_name in zip(args.push_to_hub or [], results["models"]):
        from .hub.eval_results import push_judge_results

        print(f"pushed {model_name}: {push_judge_results(out, model_name, repo)}")
    return 0


# ------------------------------------------------------------------------------------------------ quickstart


def quickstart_instruction(out: Path, pretrained: Path, data: str = "sample", steps: int = 40, questions: int = 3,
                           progress: bool = False) -> list[tuple[str, str, str]]:
    """The main job's last stage: a short instruction tuning of ``pretrained``, answers of the pretrained and the
    tuned model to a handful of sample questions, judged by the local endpoint (skipped, with the reason, when
    it cannot start). Returns rows for the quickstart summary table."""
    import time

    from .evaluation.generate import generate_answers, load_questions
    from .evaluation.judge import format_results, run_judge
    from .train.instruct import InstructArguments, instruct

    from .utils.errors import LeanerDataError
    from .data.instructions import load_instruction_records
    from .train.instruct import resolve_source

    _quiet_libraries()
    rows = []
    t0 = time.time()
    tuned = out / "instruct"
    try:
        load_instruction_records(resolve_source(data), "validation")
    except LeanerDataError as exc:
        print(f"[instruct] {exc}; using the embedded sample's LEANER-Instruct file instead")
        data = "sample"
    print(f"\n[instruct] tuning {pretrained.name} on LEANER-Instruct for {steps} steps (loss on the response only)")
    s = instruct(InstructArguments(model=str(pretrained), output_dir=str(tuned), data=data, max_steps=steps,
                                   progress=progress, quiet=True))
    rows.append(("instruction tuning", f"{s['steps']} steps, val loss {s['eval_loss']:.3f} -> {tuned}",
                 f"{time.time() - t0:.1f}s"))
    t0 = time.time()
    qs = load_questions(data, limit=2)[:questions]  # two per subset, so the table has more than one subset
    files = []
    for name, model in (("pretrained", pretrained), ("instructed", tuned)):
        files.append(out / "answers" / f"{name}.jsonl")
        g = generate_answers(str(model), qs, files[-1], max_new_tokens=48)
        print(f"[generate] {name}: {g['answered']} answers, {g['tokens_per_s']:.0f} tokens/s -> {files[-1]}")
    rows.append(("generation", f"{len(qs)} questions x 2 models -> {out / 'answers'}", f"{time.time() - t0:.1f}s"))
    t0 = time.time()
    from .llm import LLMClient, LocalLLMServer

    print("[judge] starting the local OpenAI-compatible endpoint (SmolLM2-135M-Instruct; its scores test the "
          "plumbing, not the models)")
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(LocalLLMServer())
        except Exception as exc:  # noqa: BLE001 -- no endpoint is a reason to skip the judge, not to fail the job
            print(f"[judge] skipped: no local endpoint could be started ({type(exc).__name__}: {exc}); judge later "
                  f"with `hf-leaner judge --base_url URL --model NAME --answers {' '.join(map(str, files))} "
                  f"--output_dir {out / 'judge'}`")
            rows.append(("judge", "skipped: no endpoint", f"{time.time() - t0:.1f}s"))
            return rows
        client = LLMClient(server.base_url, server.model, max_concurrency=2, cache_dir=out / "judge" / "llm_cache")
        stack.callback(client.close)
        results = run_judge(client, files, out / "judge", log=lambda m: print(f"[judge] {m[7:]}"))
    print()
    print(format_results(results))
    sums = ", ".join(f"{m} {r['sum']:.1f}" if r["sum"] is not None else f"{m} -" for m, r in results["all"].items())
    rows.append(("judge", f"sum of 3 criteria (0-15): {sums} -> {out / 'judge'}", f"{time.time() - t0:.1f}s"))
    return rows


def pretrained_folder(pretrain_dir: Path) -> Path | None:
    """The first saved model under the quickstart's pretrain folder: the curriculum study keeps its runs' models in
    runs/<schedule>/<strategy>/lr<LR>_seed<S>/, so the first in sorted order is a baseline run."""
    found = sorted(p.parent for p in pretrain_dir.rglob("config.json") if (p.parent / "tokenizer.json").is_file())
    return found[0] if found else None


# ------------------------------------------------------------------------------------------------ EXP2


def cmd_experiment_instruction(args) -> int:
    from .experiments.instruction import format_instruction, run_instruction_experiment

    _quiet_libraries()
    a = args.experiment  # InstructionExperimentArguments (--scale paper applied), built and checked by check_experiment
    result = run_instruction_experiment(a, log=lambda m: print(m, flush=True))
    print("\nEXP2: instruction following, {LEANER, ORIGINAL} pretraining x instruction data, LLM-judged\n")
    print(format_instruction(result))
    print(f"plot: {Path(a.output_dir) / 'instruction_following.png'}; results: "
          f"{Path(a.output_dir) / 'results.json'}")
    return 0
