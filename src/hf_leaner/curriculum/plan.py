"""What a run's data schedule does, in words: the sentence a pacing that holds data back prints at the start,
and what the run drew at each stage (the summary's warning when it ended on less than all its data)."""

from __future__ import annotations


def describe_plan(trainer) -> str | None:
    """One sentence saying how the data schedule holds documents back, or None when all are in use throughout."""
    args = trainer.args
    if args.pacing == "none":
        return None
    n = len(trainer.curriculum_train_ids)
    start = f"{args.difficulty} order: training starts on the easiest {args.start_fraction:.0%} of the {n:,} documents"
    if args.pacing != "iterative":
        return (f"curriculum: {start} and the {args.pacing} pacing grows it to {args.max_fraction:.0%} between "
                f"{args.pacing_start:.0%} and {args.pacing_end:.0%} of the run's {args.max_steps:,} steps")
    every = trainer._curriculum_eval_steps
    evaluations = args.max_steps // every
    reach = min(args.max_fraction, args.start_fraction + evaluations * args.increment)
    plan = (f"curriculum: {start} and the iterative pacing adds {args.increment:.0%} whenever its held-out loss "
            f"has not improved by {args.threshold:g} for {args.patience} evaluation(s), evaluated every {every:,} "
            f"steps")
    if args.full_data_by is not None:
        return plan + f"; all of them are in use by {args.full_data_by:.0%} of the run at the latest"
    if args.max_steps_per_stage is None and reach < args.max_fraction - 1e-9:
        plan += (f"; {evaluations} evaluation(s) in {args.max_steps:,} steps can bring in at most {reach:.0%} of "
                 "the documents (evaluate more often with curriculum_eval_steps, or set full_data_by)")
    return plan


def data_use(trainer) -> dict:
    """What the run drew: the fraction of documents in use at its end, and per stage of the schedule the
    fraction in use and the share of the run's samples (so tokens) drawn while it was in force."""
    step, sps = trainer.state.global_step, trainer.samples_per_step
    total = max(step * sps, 1)
    history = trainer.curriculum.history
    stages = []
    for i, entry in enumerate(history):
        begin = min(entry["position"], total)
        end = min(history[i + 1]["position"], total) if i + 1 < len(history) else total
        if end > begin:
            stages.append({"stage": entry["stage"], "fraction": entry["fraction"], "step": entry["step"],
                           "share": (end - begin) / total})
    return {"final_fraction": float(trainer._data_fraction(step)[0]) if history else 1.0, "stages": stages}
