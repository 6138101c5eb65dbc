"""The curriculum commands' work: ``experiment curriculum`` (the fair study) and its flag checks.

Like :mod:`hf_leaner.commands`, the parser lives in :mod:`hf_leaner.cli`; heavy imports happen inside the
functions, after the command line was checked.
"""

from __future__ import annotations

from pathlib import Path

from .cli_args import UsageError

# what the quickstart shows next to the baseline: the strategy and LR schedule the curriculum study found best
QUICKSTART_STRATEGY, QUICKSTART_SCHEDULE = "warmup-compression", "wsd"


def check_experiment(args) -> None:
    from .commands import check_data_source

    if args.model_size is None:
        args.model_size = "500K" if args.which == "curriculum" else "1M"
    if args.which == "curriculum":
        args.seeds = args.seeds or [1, 2, 3]
        if len(set(args.seeds)) != len(args.seeds):
            raise UsageError(f"--seeds {','.join(map(str, args.seeds))}: a seed is repeated")
        if any(f > 1 for f in args.budget_fractions):
            raise UsageError(f"--budget_fractions {','.join(f'{f:g}' for f in args.budget_fractions)}: each share of "
                             "the budget must be at most 1")
        if args.budget * min(args.budget_fractions) < args.batch_size * args.block_size * args.evals:
            share = f" x {min(args.budget_fractions):g}" if min(args.budget_fractions) < 1 else ""
            raise UsageError(f"--budget {args.budget:,}{share}: fewer tokens than {args.evals} evaluations of one step "
                             f"each ({args.batch_size} x {args.block_size} tokens per step)")
    check_data_source(args.data, args.data_config)


def cmd_experiment_curriculum(args) -> int:
    from .experiments.curriculum import StudyArguments, run_study

    study = StudyArguments(data=args.data, data_config=args.data_config, output_dir=args.output_dir,
                           strategies=tuple(args.strategies) if args.strategies else StudyArguments.strategies,
                           schedules=tuple(args.schedules), seeds=tuple(args.seeds),
                           learning_rates=tuple(args.learning_rates), budget=args.budget,
                           budget_fractions=tuple(args.budget_fractions), arch=args.arch,
                           model_size=args.model_size, block_size=args.block_size, batch_size=args.batch_size,
                           vocab_size=args.vocab_size, max_train_documents=args.max_train_documents,
                           max_eval_documents=args.max_eval_documents, heldout_documents=args.heldout_documents,
                           eval_chars_per_genre=args.eval_chars_per_genre,
                           evals=args.evals, glue=args.glue,
                           glue_tasks=tuple(args.glue_tasks) if args.glue_tasks else StudyArguments.glue_tasks,
                           glue_max_train_examples=args.glue_max_train_examples or 1000, progress=args.progress)
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
    if args.leaner_vs_original:
        from .experiments.leaner_vs_original import format_leaner_table, run_leaner_vs_original
        from .train.pretrain import PretrainArguments

        pargs = PretrainArguments(arch=args.arch, size=args.model_size, data=args.data, data_config=args.data_config,
                                  block_size=args.block_size, vocab_size=args.vocab_size,
                                  max_eval_documents=args.max_eval_documents)
        base = next(r for r in summary["rows"] if r["strategy"] == "baseline" and r["schedule"] == study.schedules[0])
        steps = args.budget // (args.batch_size * args.block_size)
        lvo = run_leaner_vs_original(pargs, args.output_dir, steps=steps, seed=study.seeds[0],
                                     batch_size=args.batch_size, lr=base["learning_rate"],
                                     eval_every=max(1, steps // args.evals))
        print("\nLEANER vs ORIGINAL pretraining at an equal token budget\n")
        print(format_leaner_table(lvo))
        print(f"plot: {Path(args.output_dir) / 'leaner_vs_original.png'}")
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
    study = StudyArguments(data=str(data_dir), data_config=f"leaner-{args.corpus_size}-all", output_dir=str(out),
                           strategies=("baseline", args.curriculum), schedules=(QUICKSTART_SCHEDULE,),
                           seeds=tuple(args.seeds), learning_rates=(4e-3,), budget=budget, arch=args.arch,
                           model_size=args.model_size, block_size=args.block_size, batch_size=8,
                           vocab_size=args.vocab_size, evals=10, progress=args.progress,
                           save_models=not getattr(args, "skip_instruct", False))  # the instruction stage tunes one
    summary = run_study(study)
    print()
    print(summary["table"])
    print(f"\n{compare_finals(summary, args.curriculum, QUICKSTART_SCHEDULE)}")
    print(f"loss curves: {summary['png']} (the full study: hf-leaner experiment curriculum)")
    return ("pretraining", f"2 strategies x {len(args.seeds)} seeds x {args.steps} steps -> {out}",
            f"{time.time() - t0:.1f}s")
