"""The curriculum study's statistics, tables and verdicts: everything ``run_study`` says about its runs.

Statistics (``t_interval``, ``tokens_to_reach``, ``loss_at``, ``versus``) are pure functions of numbers and
curves; ``summarize`` and ``fraction_rows`` turn the study's cells into rows; ``format_table`` and ``verdict``
turn the rows into the text the command prints; ``compare_finals`` is the quickstart's one sentence.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np

from hf_leaner.experiments.curriculum.config import StudyArguments
from hf_leaner.utils.tables import text_table

TARGET_RATIO = 0.7  # the target: the baseline's final loss in at most 70% of its tokens
CHECKPOINTS = (0.25, 0.5, 0.75)  # fractions of the budget where the validation loss is reported


# ---------------------------------------------------------------------------------------------- statistics


def t_interval(values) -> tuple[float, float]:
    """Mean and the half-width of its 95% t-interval (nan with fewer than two values)."""
    from scipy.stats import t

    values = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if len(values) == 0:
        return float("nan"), float("nan")
    if len(values) < 2:
        return float(values[0]), float("nan")
    return float(values.mean()), float(t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))


def pm(pair, digits: int = 4) -> str:
    """``mean ± half``, or ``mean (one seed)`` where no interval exists: never an interval of one sample."""
    mean, half = pair
    return f"{mean:.{digits}f}" + (f" ± {half:.{digits}f}" if math.isfinite(half) else " (one seed)")


def tokens_to_reach(curve: list[tuple[int, float]], target: float) -> float | None:
    """Tokens at which a validation curve first reaches ``target``, linear between evaluations."""
    previous = None
    for tokens, loss in curve:
        if loss <= target + 1e-12:
            if previous is None or previous[1] == loss:
                return float(tokens)
            t0, l0 = previous
            return float(t0 + (tokens - t0) * (l0 - target) / (l0 - loss))
        previous = (tokens, loss)
    return None


def loss_at(curve: list[tuple[int, float]], tokens: float) -> float:
    xs, ys = zip(*curve)
    return float(np.interp(tokens, xs, ys)) if xs[0] <= tokens <= xs[-1] else float("nan")



def versus(final: tuple[float, float], other: tuple[float, float]) -> str:
    """A final loss against another, seed intervals included: lower, higher, or the same within them."""
    (m, h), (om, oh) = final, other
    if not math.isfinite(h + oh):
        return "one seed"
    return "lower" if m + h < om - oh else "higher" if m - h > om + oh else "same (inside the intervals)"


def paired_difference(mine: dict, theirs: dict) -> tuple[float, float]:
    """Mean and 95% half-width of ``mine[seed] - theirs[seed]`` over the seeds both have: runs of one seed start
    from the same weights, so the pairing removes the spread the initialisation adds to both."""
    return t_interval([value - theirs[seed] for seed, value in mine.items() if seed in theirs])


def sign_of(difference: tuple[float, float]) -> str:
    """higher, lower, or the same: whether a difference's interval excludes zero."""
    mean, half = difference
    if not math.isfinite(half):
        return "one seed"
    return "higher" if mean - half > 0 else "lower" if mean + half < 0 else "same (inside the interval)"


# ---------------------------------------------------------------------------------------------- rows


def summarize(study: StudyArguments, cells: dict) -> dict:
    baselines = {s: t_interval([r["final_loss"] for r in cells[s, "baseline"]["runs"]]) for s in study.schedules}
    best_schedule = min(baselines, key=lambda s: baselines[s][0])
    target = baselines[best_schedule][0]
    rows = []
    for (schedule, strategy), cell in cells.items():
        runs = cell["runs"]
        reach = [tokens_to_reach(r["curve"], target) for r in runs]
        reached = [x for x in reach if x is not None]
        final = t_interval([r["final_loss"] for r in runs])
        tokens = t_interval(reached) if len(reached) == len(runs) else (float("nan"), float("nan"))
        base_final = baselines[schedule]
        row = {"schedule": schedule, "strategy": strategy, "learning_rate": cell["lr"], "sweep": cell["sweep"],
               "seeds": len(runs), "final": final, "reached": len(reached),
               "tokens_to_target": tokens, "tokens_each": reach,
               "ratio": (tokens[0] / study.budget, tokens[1] / study.budget) if reached else (float("nan"),) * 2,
               **{f"val@{c:.0%}": t_interval([loss_at(r["curve"], c * study.budget) for r in runs])
                  for c in CHECKPOINTS},
               "seconds": sum(r["seconds"] for r in runs)}
        # a win is outside the seed interval: every seed reaches the target, the interval's top within the target
        row["meets_target"] = bool(len(reached) == len(runs) and math.isfinite(tokens[1])
                                   and (tokens[0] + tokens[1]) <= TARGET_RATIO * study.budget)
        row["beats_baseline_final"] = strategy != "baseline" and versus(final, base_final) == "lower"
        if "glue" in cell:
            row["glue"] = cell["glue"]
        if cell.get("zero_shot"):
            row["zero_shot"] = cell["zero_shot"]
        rows.append(row)
    return {"rows": rows, "target": target, "target_schedule": best_schedule, "budget": study.budget,
            "settings": {k: v for k, v in asdict(study).items() if k != "progress"}}


def fraction_rows(summary: dict, cells: dict) -> list[dict]:
    """Every (schedule, strategy, budget fraction): its final loss against the target (the tuned baseline's final
    loss at the full budget) and against its schedule's baseline at the full budget and at the same fraction."""
    finals = {key: t_interval([r["final_loss"] for r in cell["runs"]]) for key, cell in cells.items()}
    rows = []
    for (schedule, strategy, fraction), cell in cells.items():
        final = finals[schedule, strategy, fraction]
        rows.append({"schedule": schedule, "strategy": strategy, "fraction": fraction,
                     "tokens": round(fraction * summary["budget"]), "learning_rate": cell["lr"],
                     "sweep": cell["sweep"], "seeds": len(cell["runs"]), "final": final,
                     "vs_baseline_full": versus(final, finals[schedule, "baseline", 1.0]),
                     "vs_baseline_same": versus(final, finals[schedule, "baseline", fraction]),
                     # reached outside the seed interval: the interval's top at or below the target
                     "reaches_target": bool(math.isfinite(final[1]) and final[0] + final[1] <= summary["target"])})
        if "glue" in cell:  # higher is better: "higher" here is the strategy's win
            rows[-1].update(glue=cell["glue"], glue_vs_baseline_full=versus(cell["glue"],
                                                                            cells[schedule, "baseline", 1.0]["glue"]))
        if cell.get("zero_shot"):  # accuracy, higher is better; against the baseline's full budget, paired by seed
            base = cells[schedule, "baseline", 1.0]["zero_shot_by_seed"]
            difference = {s: paired_difference(mine, base[s]) for s, mine in cell["zero_shot_by_seed"].items()}
            rows[-1].update(zero_shot=cell["zero_shot"], zero_shot_difference=difference,
                            zero_shot_vs_baseline_full={s: sign_of(d) for s, d in difference.items()})
    return rows


NEAR_FREQUENCY_ONLY = 0.05  # a run that ends within 5% of the frequency-only loss has learned little beyond it


def near_frequency_only(cells: dict, reference: float) -> list[dict]:
    """Every run (any cell, any seed) whose final validation loss is within ``NEAR_FREQUENCY_ONLY`` of the
    frequency-only reference: the runs whose seed, not their strategy, may decide a comparison."""
    return [{"schedule": schedule, "strategy": strategy, "fraction": fraction, "seed": r["settings"]["seed"],
             "final_loss": r["final_loss"]}
            for (schedule, strategy, fraction), cell in cells.items() for r in cell["runs"]
            if r["final_loss"] >= (1 - NEAR_FREQUENCY_ONLY) * reference]


def zero_shot_suites_of(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(s for r in rows for s in r.get("zero_shot", {})))


# ---------------------------------------------------------------------------------------------- tables


def format_table(summary: dict) -> str:
    def ci(pair, digits=3):
        mean, half = pair
        if not math.isfinite(mean):
            return "-"
        return f"{mean:.{digits}f}" + (f" ± {half:.{digits}f}" if math.isfinite(half) else "")

    head = ["schedule", "strategy", "LR", *[f"val@{c:.0%}" for c in CHECKPOINTS], "final val", "tokens to target (M)",
            "ratio", "wins"]
    glue = any("glue" in r for r in summary["rows"])
    head += ["GLUE avg"] if glue else []
    suites = zero_shot_suites_of(summary["rows"])
    head += [f"{s} %" for s in suites]
    body = []
    for r in summary["rows"]:
        tokens = (ci((r["tokens_to_target"][0] / 1e6, r["tokens_to_target"][1] / 1e6), 2)
                  if r["reached"] == r["seeds"] else f"{r['reached']}/{r['seeds']} seeds reach")
        win = "yes" if r["meets_target"] else ("lower loss" if r["beats_baseline_final"] else "no")
        body.append([r["schedule"], r["strategy"], f"{r['learning_rate']:g}", *[ci(r[f"val@{c:.0%}"]) for c in CHECKPOINTS],
                     ci(r["final"]), tokens, ci(r["ratio"], 2), "-" if r["strategy"] == "baseline" else win]
                    + ([ci(r["glue"])] if glue else []) + [_pct(r["zero_shot"][s], ci) for s in suites])
    text = (text_table(head, body, numbers_right=True) +
            f"\nmean ± 95% t-interval over seeds; target = {baseline_name(summary)}'s final validation loss "
            f"({summary['target']:.4f}, {summary['target_schedule']} schedule); budget {summary['budget']:,} tokens "
            f"per run; wins = reaches the target in <= {TARGET_RATIO:.0%} of the tokens, interval included."
            + (f" {', '.join(suites)} %: zero-shot minimal-pair accuracy of the final models (ties half, chance 50)."
               if suites else ""))
    if summary.get("fraction_rows"):
        text += "\n\n" + format_fraction_table(summary, ci)
    return text


def format_fraction_table(summary: dict, ci) -> str:
    rows = summary["fraction_rows"]
    glue = any("glue" in r for r in rows)
    head = ["schedule", "strategy", "budget", "LR", "final val", "vs baseline (full budget)",
            "vs baseline (same budget)", "reaches target"]
    head += ["GLUE avg", "GLUE vs baseline (full budget)"] if glue else []
    suites = zero_shot_suites_of(rows)
    head += [h for s in suites for h in (f"{s} %", f"{s} minus baseline (full budget)")]

    def full(r):  # the row the others are judged by
        return r["strategy"] == "baseline" and r["fraction"] == 1

    body = [[r["schedule"], r["strategy"], f"{r['fraction']:.0%} ({r['tokens']:,})", f"{r['learning_rate']:g}",
             ci(r["final"]), "-" if full(r) else r["vs_baseline_full"],
             "-" if r["strategy"] == "baseline" else r["vs_baseline_same"], "yes" if r["reaches_target"] else "no"]
            + ([ci(r["glue"]), "-" if full(r) else r["glue_vs_baseline_full"]] if glue else [])
            + [c for s in suites for c in (_pct(r["zero_shot"][s], ci),
                                           "-" if full(r) else _difference_cell(r, s))]
            for r in rows]
    return (text_table(head, body, numbers_right=True) +
            "\neach run at its share of the budget with its whole LR schedule and its own LR (same grid, chosen on the "
            f"held-out slice); reaches target = final loss + 95% half-width <= {summary['target']:.4f}"
            + ("; GLUE: higher is better, a win only outside the intervals" if glue else "")
            + ("; zero-shot vs baseline: the difference in points, paired by seed (a seed's runs start from the same "
               "weights), a win only where its interval excludes zero." if suites else "."))


def baseline_name(summary: dict) -> str:
    """'the tuned baseline' only when its learning rate was chosen from a grid of several."""
    grid = summary.get("settings", {}).get("learning_rates") or ()
    return "the tuned baseline" if len(grid) > 1 else f"the baseline (one LR, {grid[0] if grid else '?'}, not tuned)"


def _pct(pair, ci) -> str:
    return ci((100 * pair[0], 100 * pair[1]), 1)


# ---------------------------------------------------------------------------------------------- verdicts


def fraction_verdict(summary: dict) -> str | None:
    """The fair test of the target: trained on at most 70% of the tokens, does a strategy end at the tuned
    baseline's full-budget loss (interval included), and does the baseline at the same share not?"""
    rows = [r for r in summary.get("fraction_rows", []) if r["fraction"] <= TARGET_RATIO]
    others = [r for r in rows if r["strategy"] != "baseline"]
    if not others:
        return None
    base = {(r["schedule"], r["fraction"]): r for r in rows if r["strategy"] == "baseline"}
    target = summary["target"]

    def said(r):
        return f"{r['strategy']} ({r['schedule']}, {r['fraction']:.0%} of the tokens) at {pm(r['final'])}"

    winners = [r for r in others if r["reaches_target"]]
    if not winners:
        best = min(others, key=lambda r: r["final"][0])
        b = base[best["schedule"], best["fraction"]]
        return (f"fair test: trained on <= {TARGET_RATIO:.0%} of the tokens (whole schedule, own LR), no strategy "
                f"reaches {baseline_name(summary)}'s full-budget loss {target:.4f} outside the seed interval; "
                f"the best is "
                f"{said(best)}, "
                f"the baseline at that budget {pm(b['final'])}")
    parts = []
    for r in winners:
        b = base[r["schedule"], r["fraction"]]
        parts.append(said(r) + (f", but the baseline at that budget reaches it too ({pm(b['final'])}): the "
                                "budget, not the order" if b["reaches_target"] else
                                f"; the baseline at that budget: {pm(b['final'])} "
                                f"({r['vs_baseline_same']} for the strategy)"))
    return f"fair test: {baseline_name(summary)}'s full-budget loss {target:.4f} is reached by " + "; ".join(parts)


def verdict(summary: dict) -> str:
    fair = fraction_verdict(summary)
    crossing = verdict_by_crossing(summary)
    text = crossing if fair is None else f"{fair}\n(where the full-budget curves cross it: {crossing})"
    for extra in (glue_verdict(summary), zero_shot_verdict(summary), frequency_only_verdict(summary)):
        text = text if extra is None else f"{text}\n{extra}"
    return text


def zero_shot_verdict(summary: dict) -> str | None:
    """The grammar view of "fewer steps": each strategy on <= 70% of the tokens against the baseline on all of them,
    by zero-shot accuracy per suite (higher is better), intervals included; and the baseline's own 70% against its
    100%, which says whether the measure tells the budgets apart at all."""
    rows = [r for r in summary.get("fraction_rows", []) if r.get("zero_shot")]
    short = [r for r in rows if r["fraction"] <= TARGET_RATIO]
    if not short:
        return None
    base = {(r["schedule"], s): v for r in rows if r["strategy"] == "baseline" and r["fraction"] == 1
            for s, v in r["zero_shot"].items()}
    said = {"higher": "WINS (the interval above zero)", "lower": "loses (the interval below zero)",
            "one seed": "no verdict (one seed)"}
    lines = [f"  {r['strategy']} ({r['schedule']}, {r['fraction']:.0%}) " + "; ".join(
        f"{s} {_points(v)} vs {_points(base[r['schedule'], s])}, difference "
        f"{_points(r['zero_shot_difference'][s], signed=True)}: "
        + (_budget_shows(r["zero_shot_vs_baseline_full"][s]) if r["strategy"] == "baseline"
           else said.get(r["zero_shot_vs_baseline_full"][s], "no win (the interval holds zero)"))
        for s, v in r["zero_shot"].items()) for r in sorted(short, key=lambda r: r["strategy"] != "baseline")]
    # one line per strategy, indented: the report page nests them under the first
    return "\n".join(["zero-shot grammar (each at <= 70% of the tokens vs the baseline at 100%, accuracy %, difference "
                      "paired by seed):", *lines])


def frequency_only_verdict(summary: dict) -> str | None:
    """Names the runs that stayed near the frequency-only loss: a seed that never left that plateau moves a mean
    and widens an interval more than any strategy does, so a reader should know which they are."""
    near = summary.get("near_frequency_only")
    if not near:
        return None
    runs = "; ".join(f"{n['strategy']} ({n['schedule']}, {n['fraction']:.0%}) seed {n['seed']}: {n['final_loss']:.3f}"
                     for n in near)
    return (f"frequency-only reference {summary['frequency_only_loss']:.3f} nats/token: {len(near)} run(s) ended within "
            f"{NEAR_FREQUENCY_ONLY:.0%} of it, having learned little beyond how often each token occurs - {runs}")


def _budget_shows(outcome: str) -> str:
    if outcome == "lower":
        return "the measure tells the budgets apart (lower with fewer tokens)"
    if outcome == "higher":
        return "higher with fewer tokens (the interval above zero)"
    return "no verdict (one seed)" if outcome == "one seed" else \
        "the measure does not tell the budgets apart (the interval holds zero)"


def _difference_cell(row: dict, suite: str) -> str:
    """``+1.2 ± 0.8``, marked ``higher`` or ``lower`` only where the interval excludes zero."""
    word = row["zero_shot_vs_baseline_full"][suite]
    return _points(row["zero_shot_difference"][suite], signed=True) + (f" {word}" if word in ("higher", "lower") else "")


def _points(pair, signed: bool = False) -> str:
    """A share in points, ``mean ± half``; ``signed`` for a difference (``+1.2 ± 0.8``)."""
    mean, half = round(100 * pair[0], 1) + 0.0, 100 * pair[1]  # + 0.0: no "-0.0"
    return (f"{mean:+.1f}" if signed else f"{mean:.1f}") + (f" ± {half:.1f}" if math.isfinite(half) else " (one seed)")


def glue_verdict(summary: dict) -> str | None:
    """The paper's downstream view: each strategy on <= 70% of the tokens against the baseline on all of them,
    by the LEANER-GLUE average (higher is better), intervals included."""
    rows = [r for r in summary.get("fraction_rows", []) if "glue" in r]
    base = {r["schedule"]: r["glue"] for r in rows if r["strategy"] == "baseline" and r["fraction"] == 1}
    short = [r for r in rows if r["strategy"] != "baseline" and r["fraction"] <= TARGET_RATIO]
    if not short:
        return None
    said = {"higher": "WINS (higher, outside the intervals)", "lower": "loses (lower, outside the intervals)"}
    return "GLUE (the paper's view): " + "; ".join(
        f"{r['strategy']} ({r['schedule']}, {r['fraction']:.0%} of the tokens) "
        f"{pm(r['glue'])} vs the baseline's full budget {pm(base[r['schedule']])}: "
        + said.get(r["glue_vs_baseline_full"], f"no win ({r['glue_vs_baseline_full']})") for r in short)


def verdict_by_crossing(summary: dict) -> str:
    winners = [r for r in summary["rows"] if r["meets_target"]]
    if winners:
        return "target met: " + "; ".join(f"{r['strategy']} ({r['schedule']}) reaches the baseline's final loss in "
                                           f"{r['ratio'][0]:.2f} ± {r['ratio'][1]:.2f} of the tokens" for r in winners)
    best = min((r for r in summary["rows"] if r["strategy"] != "baseline"), key=lambda r: r["final"][0], default=None)
    if best is None:
        return "only the baseline was run"
    return (f"no strategy reaches {baseline_name(summary)}'s final loss in <= {TARGET_RATIO:.0%} of the tokens "
            f"outside the "
            f"seed interval; the best final loss is {best['strategy']} ({best['schedule']}) at {pm(best['final'])}"
            f" vs target {summary['target']:.4f}")


def compare_finals(summary: dict, strategy: str, schedule: str) -> str:
    """One plain sentence: does ``strategy`` end below the baseline (same schedule), outside the seed interval?"""
    rows = {(r["schedule"], r["strategy"]): r for r in summary["rows"]}
    (m, h), (bm, bh) = rows[schedule, strategy]["final"], rows[schedule, "baseline"]["final"]
    said = f"{strategy}: final validation loss {pm((m, h))} vs the baseline's {pm((bm, bh))}"
    outcome = versus((m, h), (bm, bh))
    if outcome == "one seed":
        return f"{said}: one seed, no interval; give several seeds to decide"
    if outcome == "lower":
        return f"{said}: it WINS (lower, outside the seed intervals)"
    if outcome == "higher":
        return f"{said}: it LOSES (higher, outside the seed intervals)"
    return f"{said}: no win - the difference ({m - bm:+.4f}) is inside the seed intervals"

