"""EXP1's report: ``report.md`` (protocol, tables, PNG, verdicts), ``architectures.md`` and ``architectures.png``.

Every number is a mean over seeds with the half-width of its 95% t-interval; LEANER is compared with ORIGINAL by
the difference of the two arms *paired by seed* (they start from the same weights), and a trained model with its
seed's untrained weights. A verdict is only said outside the intervals.
"""

from __future__ import annotations

import math
from pathlib import Path

from hf_leaner.experiments.curriculum.report import paired_difference, sign_of, t_interval
from hf_leaner.experiments.curriculum.report import pm as seed_interval
from hf_leaner.utils.io import write_atomic
from hf_leaner.utils.tables import markdown_table, text_table

ARMS = ("leaner", "original", "untrained")
ARM_NAMES = {"leaner": "LEANER", "original": "ORIGINAL", "untrained": "untrained"}
SUITE_NAMES = {"blimp": "BLiMP", "zorro": "Zorro", "own": "own pairs"}


def metric(run: dict, name: str) -> float | None:
    """``zs:SUITE:accuracy``, ``zs:SUITE:leaner`` (x100), ``bpc:CORPUS`` or ``glue`` (x100) of one run."""
    kind, *rest = name.split(":")
    if kind == "zs":
        value = (run.get("zero_shot") or {}).get(rest[0], {}).get(rest[1])
    elif kind == "bpc":
        value = ((run.get("bits_per_char") or {}).get(rest[0]) or {}).get("bits_per_char")
    else:
        value = (run.get("glue") or {}).get("average")
    return None if value is None else value if kind == "bpc" else 100 * value


def runs_of(result: dict, arch: str, arm: str) -> list[dict]:
    return sorted((r for r in result["runs"] if r["arch"] == arch and r["variant"] == arm), key=lambda r: r["seed"])


def interval(result: dict, arch: str, arm: str, name: str) -> tuple[float, float]:
    return t_interval([metric(r, name) for r in runs_of(result, arch, arm)])


def paired(result: dict, arch: str, name: str, arm: str = "leaner", other: str = "original") -> tuple[float, float]:
    """Mean and 95% half-width of ``arm - other`` over the seeds both have."""
    mine, theirs = ({r["seed"]: metric(r, name) for r in runs_of(result, arch, a) if metric(r, name) is not None}
                    for a in (arm, other))
    return paired_difference(mine, theirs)


def pm(pair: tuple[float, float], digits: int = 1) -> str:
    return "-" if not math.isfinite(pair[0]) else seed_interval(pair, digits)


def direction(pair: tuple[float, float], higher_is_better: bool = True) -> str:
    """A LEANER - ORIGINAL difference in words: better or worse only where its interval excludes zero."""
    better, worse = ("LEANER better", "LEANER worse") if higher_is_better else ("LEANER worse", "LEANER better")
    return {"higher": better, "lower": worse, "one seed": "no verdict (one seed)"}.get(sign_of(pair), "no difference")


def families(result: dict) -> list[str]:
    return list(dict.fromkeys(r["arch"] for r in result["runs"]))


def verdicts(result: dict) -> dict[str, dict]:
    """Per family: the paired LEANER - ORIGINAL difference on each suite, its word, and the family's word (better
    on some suite and worse on none: better; the reverse: worse; both: mixed; neither: no difference)."""
    out = {}
    for arch in families(result):
        by_suite = {s: paired(result, arch, f"zs:{s}:accuracy") for s in result["zero_shot_suites"]}
        words = {s: direction(d) for s, d in by_suite.items()}
        better, worse = "LEANER better" in words.values(), "LEANER worse" in words.values()
        overall = ("mixed" if better and worse else "LEANER better" if better else "LEANER worse" if worse
                   else "no verdict (one seed)" if any(w.startswith("no verdict") for w in words.values())
                   else "no difference")
        out[arch] = {"differences": by_suite, "words": words, "overall": overall}
    return out


def above_floor(result: dict, arch: str, arm: str, name: str) -> bool:
    """The trained arm's interval lies wholly above its seeds' untrained weights' interval."""
    (m, h), (um, uh) = interval(result, arch, arm, name), interval(result, arch, "untrained", name)
    return math.isfinite(h + uh) and m - h > um + uh


def floor_sentence(result: dict) -> str:
    cleared = [f"{arch} {ARM_NAMES[arm]} on {SUITE_NAMES.get(s, s)}" for arch in families(result)
               for arm in ("leaner", "original") for s in result["zero_shot_suites"]
               if above_floor(result, arch, arm, f"zs:{s}:accuracy")]
    tokens = max((r["tokens"] for r in result["runs"]), default=0)
    if not cleared:
        return (f"At {tokens:,} tokens per run no trained model beats its untrained weights outside the seed "
                "intervals: this budget is too small for the measure to move.")
    return (f"At {tokens:,} tokens per run these beat their untrained weights outside the seed intervals: "
            + "; ".join(cleared) + ".")


def verdict_lines(result: dict) -> list[str]:
    lines = []
    for arch, v in verdicts(result).items():
        parts = [f"{SUITE_NAMES.get(s, s)} {pm(d)} points ({v['words'][s]})" for s, d in v["differences"].items()]
        lines.append(f"**{arch}: {v['overall']}** — LEANER minus ORIGINAL, paired by seed: " + "; ".join(parts) + ".")
    return lines


def phenomenon_differences(result: dict) -> list[list[str]]:
    """Per family and suite, the phenomena whose LEANER - ORIGINAL difference (paired by seed) excludes zero. With
    about 13 phenomena per suite a few such rows are expected by chance alone: read them as where to look."""
    rows = []
    for arch in families(result):
        for suite in result["zero_shot_suites"]:
            pairs = {arm: {r["seed"]: ((r.get("zero_shot") or {}).get(suite) or {}).get("phenomena", {})
                           for r in runs_of(result, arch, arm)} for arm in ("leaner", "original")}
            names = sorted({p for by_seed in pairs["leaner"].values() for p in by_seed})
            for name in names:
                mine, theirs = ({seed: 100 * by_name[name] for seed, by_name in pairs[arm].items()
                                 if by_name.get(name) is not None} for arm in ("leaner", "original"))
                mean, half = paired_difference(mine, theirs)
                if sign_of((mean, half)) in ("higher", "lower"):
                    rows.append([arch, SUITE_NAMES.get(suite, suite), name, pm((mean, half)),
                                 "LEANER" if mean > 0 else "ORIGINAL"])
    return rows


def zero_shot_table(result: dict) -> tuple[list[str], list[list[str]]]:
    suites = result["zero_shot_suites"]
    head = ["family", "trained on", "seeds"] + [h for s in suites for h in (SUITE_NAMES.get(s, s),
                                                                             f"{SUITE_NAMES.get(s, s)} LEANER view")]
    body = [[arch, ARM_NAMES[arm], str(len(runs_of(result, arch, arm)))]
            + [pm(interval(result, arch, arm, f"zs:{s}:{k}")) for s in suites for k in ("accuracy", "leaner")]
            for arch in families(result) for arm in ARMS if runs_of(result, arch, arm)]
    return head, body


def bits_table(result: dict) -> tuple[list[str], list[list[str]]]:
    head = ["family", "trained on", "bits/char on LEANER text", "bits/char on ORIGINAL text"]
    body = [[arch + (" (pseudo)" if _pseudo(result, arch) else ""), ARM_NAMES[arm]]
            + [pm(interval(result, arch, arm, f"bpc:{c}"), 3) for c in ("leaner", "original")]
            for arch in families(result) for arm in ("leaner", "original")]
    return head, body


def glue_table(result: dict) -> tuple[list[str], list[list[str]]]:
    head = ["family", "trained on", "LEANER-GLUE average", "above the untrained floor"]
    body = [[arch, ARM_NAMES[arm], pm(interval(result, arch, arm, "glue")),
             "-" if arm == "untrained" else "yes" if above_floor(result, arch, arm, "glue") else "no"]
            for arch in families(result) for arm in ARMS]
    return head, body


def _pseudo(result: dict, arch: str) -> bool:
    return any((m or {}).get("pseudo") for r in runs_of(result, arch, "leaner")
               for m in (r.get("bits_per_char") or {}).values())


def format_architectures(result: dict) -> str:
    """The console summary: the zero-shot and bits-per-character tables and the verdicts."""
    parts = []
    if result["zero_shot_suites"]:
        parts.append(text_table(*zero_shot_table(result), numbers_right=True))
    parts.append(text_table(*bits_table(result), numbers_right=True))
    if result["tasks"]:
        parts.append(text_table(*glue_table(result), numbers_right=True))
    parts.append("mean ± 95% interval over seeds (points for accuracy)")
    if result["zero_shot_suites"]:
        parts += [line.replace("**", "") for line in verdict_lines(result)] + [floor_sentence(result)]
    return "\n\n".join(parts)


def protocol(result: dict) -> list[str]:
    s, runs = result["settings"], [r for r in result["runs"] if r["variant"] != "untrained"]
    sizes = {arch: runs_of(result, arch, "leaner")[0]["non_embedding_parameters"] for arch in families(result)}
    cpt = result.get("chars_per_token", {})
    return [
        f"- **Models**: {', '.join(f'{a} ({n:,} non-embedding parameters)' for a, n in sizes.items())}; "
        f"preset size {s['model_size']}.",
        f"- **Data**: `{s['data']}`, config `{s['data_config']}` (LEANER) and its ORIGINAL twin: the same documents, "
        "rewritten or not. Each arm trains on its own corpus's train split in random order, all of it available.",
        f"- **Held equal**: tokens per run ({s['steps']} steps x {s['batch_size']} blocks x {s['block_size']} tokens = "
        f"{runs[0]['tokens']:,}), the tokenizer (one byte-level BPE of {s['vocab_size']:,} tokens per family, trained "
        "on both corpora's training text together), the initial weights (seed S builds the same model for both "
        f"arms), the optimizer (AdamW, peak LR {s['learning_rate']:g}, cosine decay, 5% warm-up), seeds "
        f"{', '.join(map(str, s['seeds']))}.",
        "- **Not equal**: the text those tokens hold. Characters per token on the validation text: "
        + "; ".join(f"{a} {c.get('leaner', float('nan')):.2f} (LEANER) / {c.get('original', float('nan')):.2f} "
                    "(ORIGINAL)" for a, c in cpt.items()) + ".",
        "- **Untrained**: each seed's initial weights, the floor both arms start from.",
        f"- **Zero-shot**: {', '.join(SUITE_NAMES.get(x, x) for x in result['zero_shot_suites']) or 'none'}"
        + (f", at most {s['zero_shot_pairs']} pairs per paradigm (a seeded subset, the same for every model)"
           if s.get("zero_shot_pairs") else ", every pair")
        + "; a pair is right when the grammatical sentence gets the higher log-probability under the family's own "
        "objective (causal; XLNet read left to right; BERT pseudo-log-likelihood); mean over paradigms, ties half. "
        "LEANER view: only pairs whose every word is among the 2,000 most common English words.",
        f"- **Bits per character**: the first {s['bpc_chars_per_genre']:,} characters of each genre of each corpus's "
        "validation split, in pieces of at most 300 characters, each scored from a document start; the same pieces "
        "for every model. BERT's is a pseudo-log-likelihood (compare its arms, not it with other families).",
        f"- **LEANER-GLUE**: {', '.join(result['tasks'])}, preset {s['glue_preset']}." if result["tasks"] else
        "- **LEANER-GLUE**: not run (`--glue_tasks none`).",
        "- **Intervals**: mean ± half-width of the 95% t-interval over seeds; LEANER vs ORIGINAL is the difference "
        "paired by seed; a verdict is said only when its interval excludes zero.",
    ]


def write_report(result: dict, out: Path) -> None:
    plot_architectures(result, out / "architectures.png")
    write_atomic(out / "architectures.md", format_architectures(result) + "\n")
    lines = ["# EXP1: does LEANER text teach tiny models more than the original text?", "",
             f"Made with `{result['command']}`.", "", "## Protocol", "", *protocol(result), ""]
    if result["zero_shot_suites"]:
        lines += ["## Verdicts", "", *[f"- {v}" for v in verdict_lines(result)], "", floor_sentence(result), "",
                  "## Zero-shot grammar (accuracy %, mean ± 95% interval over seeds)", "",
                  markdown_table(*zero_shot_table(result)), ""]
        phenomena = phenomenon_differences(result)
        lines += ["## Phenomena where the arms differ outside the seed interval", "",
                  "LEANER minus ORIGINAL accuracy in points, paired by seed. With about a dozen phenomena per suite, "
                  "some rows are expected by chance alone (no correction for the number of comparisons).", "",
                  markdown_table(["family", "suite", "phenomenon", "LEANER - ORIGINAL", "higher"], phenomena)
                  if phenomena else "None.", ""]
    lines += ["![EXP1](architectures.png)", "", "## Bits per character (lower is better)", "",
              markdown_table(*bits_table(result)), ""]
    if result["tasks"]:
        lines += ["## LEANER-GLUE (validation, x100)", "", markdown_table(*glue_table(result)), ""]
    lines += ["## Every run", "", markdown_table(
        ["family", "trained on", "seed", "tokens", "val loss (nats/token, own corpus)", "bits/char LEANER",
         "bits/char ORIGINAL", *[SUITE_NAMES.get(x, x) for x in result["zero_shot_suites"]], "seconds"],
        [[r["arch"], ARM_NAMES[r["variant"]], r["seed"], f"{r['tokens']:,}", _f(r.get("val_loss"), 3),
          _f(metric(r, "bpc:leaner"), 3), _f(metric(r, "bpc:original"), 3),
          *[_f(metric(r, f"zs:{x}:accuracy"), 1) for x in result["zero_shot_suites"]], _f(r.get("seconds"), 0)]
         for r in result["runs"]]), ""]
    write_atomic(out / "report.md", "\n".join(lines))


def _f(x, digits: int) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def plot_architectures(result: dict, path: Path) -> Path:
    """One panel per zero-shot suite (the three arms per family) and per validation text (bits per character)."""
    from hf_leaner.train.plots import plt

    panels = [(f"zs:{s}:accuracy", f"{SUITE_NAMES.get(s, s)} accuracy %", ARMS) for s in result["zero_shot_suites"]]
    panels += [(f"bpc:{c}", f"bits/char on {ARM_NAMES[c]} validation text", ("leaner", "original"))
               for c in ("leaner", "original")]
    if result["tasks"]:
        panels.append(("glue", "LEANER-GLUE average", ARMS))
    archs = families(result)
    cols = 2
    fig, axes = plt.subplots((len(panels) + 1) // cols, cols, figsize=(10, 3.2 * ((len(panels) + 1) // cols)),
                             squeeze=False)
    colors = {"leaner": "tab:green", "original": "tab:blue", "untrained": "tab:gray"}
    for ax, (name, title, arms) in zip(axes.flat, panels):
        width = 0.8 / len(arms)
        for i, arm in enumerate(arms):
            pairs = [interval(result, a, arm, name) for a in archs]
            means = [m if math.isfinite(m) else 0 for m, _ in pairs]
            halves = [h if math.isfinite(h) else 0 for _, h in pairs]
            ax.bar([x + i * width for x in range(len(archs))], means, width, yerr=halves, capsize=3,
                   color=colors[arm], label=ARM_NAMES[arm])
        ax.set_xticks([x + width * (len(arms) - 1) / 2 for x in range(len(archs))], archs)
        ax.set_title(title, fontsize=10)
        spans = [(m - (h if math.isfinite(h) else 0), m + (h if math.isfinite(h) else 0))
                 for a in archs for arm in arms for m, h in [interval(result, a, arm, name)] if math.isfinite(m)]
        if spans:  # the bars' region, not zero to the top: the differences are a few points
            low, high = min(s[0] for s in spans), max(s[1] for s in spans)
            pad = 0.1 * (high - low) + 1e-3
            ax.set_ylim(max(0.0, low - pad), min(100.0, high + pad) if name.startswith("zs:") else high + pad)
        if name.startswith("zs:"):
            ax.axhline(50, color="black", linewidth=0.6, linestyle=":")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("EXP1: LEANER vs ORIGINAL pretraining, mean ± 95% interval over seeds", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
