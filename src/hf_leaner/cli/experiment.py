"""The main job and the paper's experiments: ``quickstart``, ``experiment curriculum`` (the fair curriculum study,
EXP3), ``experiment architectures`` (EXP1) and ``experiment instruction`` (EXP2)."""

from __future__ import annotations

from pathlib import Path

from hf_leaner.experiments.architectures_config import ArchitecturesArguments
from hf_leaner.experiments.curriculum.config import StudyArguments
from hf_leaner.experiments.instruction_config import InstructionExperimentArguments
from hf_leaner.experiments.quickstart import QuickstartArguments

from .registry import Command, Group


def run_quickstart(args: QuickstartArguments, progress: bool) -> int:
    from hf_leaner.experiments.quickstart import run_quickstart as quickstart

    quickstart(args, progress=progress)
    return 0


def run_curriculum(args: StudyArguments, progress: bool) -> int:
    from hf_leaner.experiments.curriculum import run_study
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    args.progress = progress
    runs = (len(args.schedules) * len(args.strategies) * len(args.budget_fractions)
            * (len(args.learning_rates) + len(args.seeds) - 1))
    budgets = (f" x budgets {', '.join(map('{:g}'.format, args.budget_fractions))}"
               if len(args.budget_fractions) > 1 else "")
    print(f"curriculum study: {len(args.strategies)} strategies x {len(args.schedules)} LR schedules x "
          f"({len(args.learning_rates)} LRs on seed {args.seeds[0]} + {len(args.seeds) - 1} more seeds){budgets} = "
          f"{runs} runs of up to {args.budget:,} tokens; finished runs in {Path(args.output_dir) / 'runs'} are reused",
          flush=True)
    summary = run_study(args)
    if "shard" in summary:
        i, n = summary["shard"]
        print(f"\nshard {i}/{n}: trained {summary['trained']} runs ({summary['seconds']:.0f}s). When every shard has "
              "run, run the array again if any learning-rate sweep was missing here (the other seeds need the chosen "
              "LR), then the same command without --shard to merge and report.")
        return 0
    print(f"\ntrained {summary['trained']} runs, reused {summary['reused']} ({summary['seconds']:.0f}s)\n")
    print(summary["table"])
    print(f"\n{summary['verdict']}")
    print(f"plot: {summary['png']}; results: {Path(args.output_dir) / 'study.json'}")
    if args.leaner_vs_original:
        from hf_leaner.experiments.leaner_vs_original import format_leaner_table, run_leaner_vs_original
        from hf_leaner.train.pretrain_config import PretrainArguments

        pargs = PretrainArguments(arch=args.arch, size=args.model_size, data=args.data, data_config=args.data_config,
                                  block_size=args.block_size, vocab_size=args.vocab_size,
                                  max_eval_documents=args.max_eval_documents)
        base = next(r for r in summary["rows"] if r["strategy"] == "baseline" and r["schedule"] == args.schedules[0])
        steps = args.budget // (args.batch_size * args.block_size)
        lvo = run_leaner_vs_original(pargs, args.output_dir, steps=steps, seed=args.seeds[0],
                                     batch_size=args.batch_size, lr=base["learning_rate"],
                                     eval_every=max(1, steps // args.evals))
        print("\nLEANER vs ORIGINAL pretraining at an equal token budget\n")
        print(format_leaner_table(lvo))
        print(f"plot: {Path(args.output_dir) / 'leaner_vs_original.png'}")
    return 0


def run_architectures(args: ArchitecturesArguments, progress: bool) -> int:
    from hf_leaner.experiments.architectures import run_architectures as architectures
    from hf_leaner.experiments.architectures_report import format_architectures
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    result = architectures(args)
    print("\nEXP1: each family pretrained on LEANER vs ORIGINAL (equal tokens, same initial weights), beside its "
          "untrained weights\n")
    print(format_architectures(result))
    out = Path(args.output_dir)
    print(f"report: {out / 'report.md'}; plot: {out / 'architectures.png'}; every run: {out / 'architectures.json'}")
    return 0


def run_instruction(args: InstructionExperimentArguments, progress: bool) -> int:
    from hf_leaner.experiments.instruction import format_instruction, run_instruction_experiment
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    result = run_instruction_experiment(args, log=lambda m: print(m, flush=True))
    if not result["table"]:
        print(f"\nEXP2: models and answers written to {args.output_dir}; nothing judged (--judge_base_url none)")
        return 0
    print("\nEXP2: instruction following, {LEANER, ORIGINAL} pretraining x instruction data, LLM-judged\n")
    print(format_instruction(result))
    print(f"plot: {Path(args.output_dir) / 'instruction_following.png'}; results: "
          f"{Path(args.output_dir) / 'results.json'}")
    return 0


COMMANDS = [
    Command("quickstart", "the main job, end to end (CPU; the release's files when online, else the sample)",
            (QuickstartArguments,),
            run_quickstart),
    Group("experiment", "the paper's experiments at CPU scale: curriculum (a fair study), architectures (EXP1), "
          "instruction following (EXP2)", [
              Command("curriculum", "the fair curriculum study: every strategy with its own tuned LR, same tokens, "
                      "3 seeds, against the random-order baseline", (StudyArguments,), run_curriculum),
              Command("architectures", "EXP1: the four families at one size, LEANER vs ORIGINAL vs untrained, over "
                      "seeds: zero-shot grammar, bits per character, LEANER-GLUE", (ArchitecturesArguments,), run_architectures),
              Command("instruction", "EXP2: {LEANER, ORIGINAL} pretraining x instruction data, LLM-judged",
                      (InstructionExperimentArguments,), run_instruction),
          ]),
]
