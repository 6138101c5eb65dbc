"""Training commands: ``pretrain`` (a tiny model, with or without a curriculum) and ``instruct`` (trl's
SFTTrainer, loss on the response only).

``pretrain`` parses its own command line: its flags are ``PretrainArguments`` (checked first, without torch) and
``CurriculumConfig``, i.e. every ``TrainingArguments`` flag, which needs torch to even build the parser.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hf_leaner.data.sources import check_data_source
from hf_leaner.experiments.zero_shot_columns import check_zero_shot
from hf_leaner.train.instruct_config import InstructArguments
from hf_leaner.train.pretrain_config import PretrainArguments
from hf_leaner.train.presets import preset_flags
from hf_leaner.utils.args import block_size, check_apart, vocab_size
from hf_leaner.utils.errors import UsageError
from hf_leaner.utils.tables import text_table

from .parser import LeanerParser
from .registry import Command

# TrainingArguments' output_dir is not ours to give aliases in its metadata: its other spellings are mapped here
OUTPUT_ALIASES = ("--output", "--output-dir")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def pretrain_argv(argv: list[str]) -> list[str]:
    """The preset's flags placed before the user's (which win), ``--output``, and the default output folder; then
    ``PretrainArguments`` checked in the first second (TrainingArguments' flags are checked by the full parser)."""
    argv = ["--output_dir" + a[len(a.split("=", 1)[0]):] if a.split("=", 1)[0] in OUTPUT_ALIASES else a for a in argv]
    if any(a in ("-h", "--help") for a in argv):
        return argv
    light = LeanerParser(PretrainArguments, prog="hf-leaner pretrain", add_help=False)
    known = light.dataclasses_from(light.parse_known_args(argv)[0])[0]
    argv = preset_flags(known.preset, known.data) + argv  # the user's own flags come later and win
    known = light.dataclasses_from(light.parse_known_args(argv)[0])[0]
    check_data_source(known.data, known.data_config)
    check_zero_shot(known.zero_shot)
    check_own_flags(known)
    if not any(a.split("=", 1)[0] in ("--output_dir", "--output-dir") for a in argv):
        argv = argv + ["--output_dir", "outputs/pretrain"]
    check_output(argv, known)
    return argv


def check_own_flags(known: PretrainArguments) -> None:
    """The values the light parser cannot check itself (HfArgumentParser reads the dataclass as it is)."""
    for flag, check, value in (("--vocab_size", vocab_size, known.vocab_size),
                               ("--block_size", block_size, known.block_size)):
        try:
            check(str(value))
        except argparse.ArgumentTypeError as e:
            raise UsageError(f"{flag}: {e}") from None
    folder = Path(known.tokenizer) if known.tokenizer else None
    if folder is not None and folder.exists() and not any((folder / f).is_file() for f in TOKENIZER_FILES):
        raise UsageError(f"--tokenizer {known.tokenizer}: no tokenizer files in that folder (expected "
                         f"{' or '.join(TOKENIZER_FILES)}, as train-tokenizer writes)")


def check_output(argv: list[str], known: PretrainArguments) -> None:
    """A run never writes into its data, nor over a finished model (unless it resumes that run)."""
    values = [a.split("=", 1)[1] if "=" in a else argv[i + 1] for i, a in enumerate(argv)
              if a.split("=", 1)[0] == "--output_dir" and ("=" in a or i + 1 < len(argv))]
    out = Path(values[-1])
    if known.data not in ("sample", None) and Path(known.data).is_dir():
        check_apart(str(out), [known.data])
    resuming = any(a.split("=", 1)[0] in ("--resume_from_checkpoint", "--resume-from-checkpoint") for a in argv)
    finished = [f for f in ("model.safetensors", "pytorch_model.bin", "hf_leaner_summary.json") if (out / f).is_file()]
    if finished and not resuming:
        raise UsageError(f"--output_dir {out}: holds a finished model ({', '.join(finished)}); give a new folder, or "
                         "--resume_from_checkpoint to continue the run that wrote it")


def pretrain_parser() -> LeanerParser:
    from hf_leaner.curriculum import CurriculumConfig

    return LeanerParser((PretrainArguments, CurriculumConfig), prog="hf-leaner pretrain",
                        description="pretrain a tiny model, with or without a curriculum")


def run_pretrain(argv: list[str], progress: bool) -> int:
    """``hf-leaner pretrain [PretrainArguments] [CurriculumConfig / TrainingArguments flags]``."""
    argv = pretrain_argv(argv)
    from hf_leaner.train.pretrain import pretrain

    parser = pretrain_parser()
    unknown = parser.parse_known_args(argv)[1]  # before the dataclasses check their values: a typo is the cause
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    pargs, args = parser.parse_args_into_dataclasses(args=argv, look_for_args_file=False)
    given = {a.split("=", 1)[0].replace("-", "_") for a in argv if a.startswith("--")}
    if not progress and "__disable_tqdm" not in given:
        args.disable_tqdm = True  # in a log: the Trainer prints one line per logging step instead of a bar
    if not progress:  # nor a bar per saved checkpoint or dataset map
        import datasets
        import transformers

        transformers.logging.disable_progress_bar()
        datasets.disable_progress_bars()
    resume = args.resume_from_checkpoint
    summary = pretrain(pargs, args, resume_from_checkpoint=resume if resume not in (None, "False") else None)
    trainer = summary.pop("trainer")
    trainer.accelerator.end_training()  # several processes: tear the process group down cleanly
    if trainer.is_world_process_zero():
        use = summary["data_use"]
        rows = [("model", f"{pargs.arch} {pargs.size} ({summary['non_embedding_parameters']:,} non-embedding params)"),
                ("data", "all documents, random order" if args.pacing == "none" and not args.folds else
                 f"{args.difficulty} / {args.pacing}: {len(use['stages'])} stage(s), {use['final_fraction']:.0%} of "
                 "the documents in use at the end"),
                ("steps / tokens", f"{summary['steps']:,} / {summary['tokens_seen']:,}")]
        rows += [(k.replace("eval_", "val ").replace("_", " "), f"{v:.4f}") for k, v in sorted(summary["eval"].items())]
        rows += [("time", f"{summary['seconds']:.0f}s"), ("saved", args.output_dir),
                 ("loss curve", str(Path(args.output_dir) / "loss_curve.png"))]
        rows += zero_shot_rows(pargs, args.output_dir)
        print()
        print(text_table(("", ""), rows))
        if use["final_fraction"] < 1 - 1e-9:
            print(less_than_all_data(use, summary["tokens_seen"]))
    return 0


def less_than_all_data(use: dict, tokens: int) -> str:
    """The warning for a run that ended before its pacing brought in all the data."""
    drawn = ", ".join(f"{s['share']:.0%} while {s['fraction']:.0%} were in use (stage {s['stage']}, from step {s['step']:,})"
                      for s in use["stages"])
    return (f"warning: the run ended with {use['final_fraction']:.0%} of the documents in use; of its {tokens:,} "
            f"training tokens, {drawn}. To train on all of them: more steps, a shorter curriculum_eval_steps, "
            "--full_data_by F, or --pacing none")


def zero_shot_rows(pargs: PretrainArguments, output_dir: str) -> list[tuple[str, str]]:
    """``--zero_shot``: the saved model scored on minimal pairs (into OUTPUT/zero_shot/, which the card reads)."""
    if list(pargs.zero_shot) == ["none"]:
        return []
    from hf_leaner.experiments.zero_shot_columns import score_models, zero_shot_suites
    from hf_leaner.train.pretrain import load_corpus

    out = Path(output_dir) / "zero_shot"
    texts = (t for t in load_corpus(pargs)[pargs.train_split][pargs.text_column]) if "own" in pargs.zero_shot else None
    suites, data = zero_shot_suites(pargs.zero_shot, texts, out)
    scores = score_models({"model": output_dir}, suites, data, out).get("model", {})

    def pct(x):
        return "-" if x is None else f"{100 * x:.1f}%"

    return [(f"zero-shot {suite}", f"{pct(s['accuracy'])} (LEANER view {pct(s['leaner'])})")
            for suite, s in scores.items()] + [("zero-shot results", str(out / "results.md"))]


def run_instruct(args: InstructArguments, progress: bool) -> int:
    from hf_leaner.train.instruct import instruct
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    args.progress = progress
    print(f"instruct: tuning {args.model} on {args.data} (completion-only loss)", flush=True)
    s = instruct(args)
    print()
    print(text_table(("", ""), [
        ("model", s["model"]), ("data", f"{s['data']} ({s['train_examples']:,} train records)"),
        ("mode", f"LoRA r={s['lora_r']} (merged)" if s["lora_r"] else "full fine-tuning"),
        ("curriculum", s["curriculum"] or "none"), ("steps", f"{s['steps']:,}"),
        ("train loss", f"{s['train_loss']:.4f}"),
        ("val loss", f"{s['eval_loss']:.4f}" if s["eval_loss"] is not None else "-"),
        ("time", f"{s['seconds']:.0f}s"), ("saved", args.output_dir)]))
    return 0


COMMANDS = [
    Command("pretrain", "pretrain a tiny model, with or without a curriculum (--help for all flags)",
            run_argv=run_pretrain),
    Command("instruct", "instruction-tune a causal model (trl SFTTrainer, loss on the response only)",
            (InstructArguments,), run_instruct),
]
