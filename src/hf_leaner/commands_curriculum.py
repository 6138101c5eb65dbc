"""The curriculum commands' work: ``experiment curriculum`` (the fair study) and its flag checks.

Like :mod:`hf_leaner.commands`, the parser lives in :mod:`hf_leaner.cli`; heavy imports happen inside the
functions, after the command line was checked.
"""

from __future__ import annotations

from pathlib import Path

# what the quickstart shows next to the baseline: the strategy and LR schedule the curriculum study found best
QUICKSTART_STRATEGY, QUICKSTART_SCHEDULE = "warmup-compression", "wsd"


def experiment_arguments(which: str):
    """The arguments dataclass of ``experiment WHICH`` (each in a module without torch)."""
    if which == "curriculum":
        from .experiments.curriculum.config import StudyArguments

        return StudyArguments
    if which == "architectures":
        from .experiments.architectures_config import ArchitecturesArguments

        return ArchitecturesArguments
    from .experiments.instruction_config import InstructionExperimentArguments

    return InstructionExperimentArguments


def check_experiment(args) -> None:
    from .commands import check_data_source

    from .utils.args import from_namespace

    args.experiment = from_namespace(experiment_arguments(args.which), args)  # __post_init__ checks it
    check_data_source(args.data, args.data_config)


def cmd_experiment_curriculum(args) -> int:
    from .experiments.curriculum import run_study

    study = args.experiment
    runs = (len(study.schedules) * len(study.strategies) * len(study.budget_fractions)
            * (len(study.learning_rates) + len(study.seeds) - 1))
    print(f"curriculum study: {len(study.strategies)} strategies x {len(study.schedules)} LR schedules x "
          f"({len(study.learning_rates)} LRs on seed {study.seeds[0]} + {len(study.seeds) - 1} more seeds)"
          + (f" x budgets {', '.join(map('{:g}'.format, study.budget_fractions))}" if len(study.budget_fractions) > 1
             else "")
          + f" = {runs} runs of up to {study.budget:,} tokens; finished runs in {Path(study.output_dir) / 'runs'} are "
          "reused", flush=True)
    summary = run_study(study)
    print(f"\ntrained {summary['trained']} runs, reused {summary['reused']} ({summary['seconds']:.0f}s)\n")
    print(summary["table"])
    print(f"\n{summary['verdict']}")
    print(f"plot: {summary['png']}; results: {Path(study.output_dir) / 'study.json'}")
    if study.leaner_vs_original:
        from .experiments.leaner_vs_original import format_leaner_table, run_leaner_vs_original
        from .train.pretrain import PretrainArguments

        pargs = PretrainArguments(arch=study.arch, size=study.model_size, data=study.data, data_config=study.data_config,
                                  block_size=study.block_size, vocab_size=study.vocab_size,
                                  max_eval_documents=study.max_eval_documents)
        base = next(r for r in summary["rows"] if r["strategy"] == "baseline" and r["schedule"] == study.schedules[0])
        steps = study.budget // (study.batch_size * study.block_size)
        lvo = run_leaner_vs_original(pargs, study.output_dir, steps=steps, seed=study.seeds[0],
                                     batch_size=study.batch_size, lr=base["learning_rate"],
                                     eval_every=max(1, steps // study.evals))
        print("\nLEANER vs ORIGINAL pretraining at an equal token budget\n")
        print(format_leaner_table(lvo))
        print(f"plot: {Path(study.output_dir) / 'leaner_vs_original.png'}")
    return 0


def quickstart_curriculum(args, data_dir, out: Path) -> tuple[str, str, str]:
    """The quickstart's pretraining step: the chosen strategy next to the random baseline, same tokens, same LR
    schedule, a few seeds; says plainly whether it wins. Returns the quickstart summary row."""
    import time

    from .experiments.curriculum import StudyArguments, compare_finals, run_study
    from .experiments.strategies import STRATEGIES

    t0 = time.time()
    budget = args.steps * 8 * args.block_size
    print(f"\n[4/4] pretraining a tiny {args.arch} ({args.model_size}): {args.curriculum} ("
          f"{STRATEGIES[args.curriculum].what}) next to a random-order baseline; {budget:,} tokens each, "
          f"{QUICKSTART_SCHEDULE} LR schedule, seeds {','.join(map(str, args.seeds))}")
    # evals: 10, or one per step below 10 steps (the same runs: an evaluation every step either way)
    study = StudyArguments(data=str(data_dir), data_config=f"leaner-{args.corpus_size}-all", output_dir=str(out),
                           strategies=("baseline", args.curriculum), schedules=(QUICKSTART_SCHEDULE,),
                           seeds=tuple(args.seeds), learning_rates=(4e-3,), budget=budget, arch=args.arch,
                           model_size=args.model_size, block_size=args.block_size, batch_size=8,
                           vocab_size=args.vocab_size, evals=min(10, args.steps), progress=args.progress,
                           save_models=not getattr(args, "skip_instruct", False))  # the instruction stage tunes one
    summary = run_study(study)
    print()
    print(summary["table"])
    print(f"\n{compare_finals(summary, args.curriculum, QUICKSTART_SCHEDULE)}")
    print(f"loss curves: {summary['png']} (the full study: hf-leaner experiment curriculum)")
    return ("pretraining", f"2 strategies x {len(args.seeds)} seeds x {args.steps} steps -> {out}",
            f"{time.time() - t0:.1f}s")
