"""The instruction-following commands' work: ``instruct``, ``generate``, ``judge``, ``experiment instruction``.

Like :mod:`hf_leaner.commands`, one ``cmd_`` (and ``check_``) function per command; the parser lives in
:mod:`hf_leaner.cli`. Heavy imports happen inside the functions, after the command line was checked.
"""

from __future__ import annotations

from pathlib import Path

from .cli_args import UsageError
from .tables import text_table


def _quiet_libraries() -> None:
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    datasets.disable_progress_bars()


# ------------------------------------------------------------------------------------------------ instruct


def check_instruct(args) -> None:
    if args.lora_r == 0 and args.lora_alpha != 16:
        raise UsageError("--lora_alpha only applies with --lora_r R (R > 0)")
    data = args.data
    if data not in ("sample", "sample-original") and (data.startswith((".", "/", "~")) or Path(data).suffix):
        if not Path(data).expanduser().exists():
            raise UsageError(f"--data {data}: no such file or folder")


def cmd_instruct(args) -> int:
    from .train.instruct import InstructArguments, instruct

    _quiet_libraries()
    a = InstructArguments(model=args.model, output_dir=args.output_dir, data=args.data, max_steps=args.max_steps,
                          num_train_epochs=args.num_train_epochs, batch_size=args.batch_size,
                          learning_rate=args.learning_rate, max_length=args.max_length,
                          max_train_examples=args.max_train_examples, seed=args.seed, lora_r=args.lora_r,
                          lora_alpha=args.lora_alpha, curriculum=args.curriculum, progress=args.progress)
    print(f"instruct: tuning {args.model} on {args.data} (completion-only loss)", flush=True)
    s = instruct(a)
    print()
    print(text_table(("", ""), [
        ("model", s["model"]), ("data", f"{s['data']} ({s['train_examples']:,} train records)"),
        ("mode", f"LoRA r={s['lora_r']} (merged)" if s["lora_r"] else "full fine-tuning"),
        ("curriculum", s["curriculum"] or "none"), ("steps", f"{s['steps']:,}"),
        ("train loss", f"{s['train_loss']:.4f}"),
        ("val loss", f"{s['eval_loss']:.4f}" if s["eval_loss"] is not None else "-"),
        ("time", f"{s['seconds']:.0f}s"), ("saved", args.output_dir)]))
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
