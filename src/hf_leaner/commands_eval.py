"""The evaluation commands' work: ``eval-glue``, ``push-results``, ``experiment architectures`` (EXP1).

Like :mod:`hf_leaner.commands`, one ``cmd_`` (and ``check_``) function per command; the parser lives in
:mod:`hf_leaner.cli`. Heavy imports happen inside the functions, after the command line was checked.
"""

from __future__ import annotations

from pathlib import Path

from .cli_args import UsageError


def _quiet_libraries() -> None:
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()  # the per-cell "newly initialized head" notes are expected
    transformers.logging.disable_progress_bar()  # one bar over cells instead of one per weight load / map
    datasets.disable_progress_bars()


def check_eval_glue(args) -> None:
    if args.from_scratch not in (None, True) and args.model:
        raise UsageError(f"give MODEL ({args.model}) or --from_scratch CONFIG ({args.from_scratch}), not both")
    if args.model is None and args.from_scratch in (None, True):
        raise UsageError("eval-glue needs MODEL (a pretrain output folder or Hub id) or --from_scratch CONFIG")


def cmd_eval_glue(args) -> int:
    from .evaluation.glue import GlueArguments, run_glue
    from .evaluation.glue_report import format_results

    _quiet_libraries()
    model = args.model if args.from_scratch in (None, True) else args.from_scratch
    gargs = GlueArguments(model=model, from_scratch=args.from_scratch is not None, data=args.data, tasks=args.tasks,
                          output_dir=args.output_dir, preset=args.preset, learning_rates=args.learning_rates,
                          seeds=args.seeds, num_train_epochs=args.num_train_epochs, batch_size=args.batch_size,
                          max_length=args.max_length, max_train_examples=args.max_train_examples,
                          average=args.average or "glue", save_models=args.save_models)
    results = run_glue(gargs)
    print()
    print(format_results(results))
    for task, why in results["missing_train"].items():
        print(f"not fine-tuned: {task}: {why}")
    print(f"results: {Path(args.output_dir) / 'results.json'}; predictions: {Path(args.output_dir) / 'predictions'}")
    return 0


def cmd_push_results(args) -> int:
    from .hub.eval_results import push_results

    print(f"pushed: {push_results(args.run, args.repo, private=args.private)}")
    return 0


def cmd_experiment_architectures(args) -> int:
    from .experiments.architectures import format_architectures, run_architectures

    _quiet_libraries()
    a = args.experiment  # ArchitecturesArguments, built and checked by check_experiment
    result = run_architectures(a)
    print("\nEXP1: architectures at one parameter budget, LEANER vs ORIGINAL (equal tokens) vs scratch\n")
    print(format_architectures(result))
    print(f"plot: {Path(a.output_dir) / 'architectures.png'}; table: {Path(a.output_dir) / 'architectures.md'}")
    return 0
