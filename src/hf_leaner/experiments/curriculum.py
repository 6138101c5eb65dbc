"""``hf-leaner experiment curriculum``: curriculum strategies against a tuned random baseline, fairly.

Fair means: every strategy and the baseline train the same model on the same documents for the **same
number of training tokens** (a sequence-length warm-up, which feeds shorter blocks early, gets the steps
that make its tokens equal); each gets **its own learning rate** from one grid, chosen on a held-out
slice of the *training* documents (never on the validation set the table reports; the same slice drives
the iterative pacing); both **learning-rate families** are run (cosine decay, and warmup-stable-decay with
an average of the last weight snapshots); and every cell is **several seeds**, reported as mean ± 95%
t-interval.

    for each schedule family, strategy:    LR sweep on the first seed  ->  LR with the lowest held-out loss
                                           the other seeds at that LR
    table: validation loss at fixed token counts, final loss, tokens to reach the tuned baseline's final
           loss (the best baseline over the families), its ratio to the budget; a PNG with interval bands

Under a schedule that decays (cosine, or WSD's last share), a run reaches the baseline's final loss only in
its own decay, so where a full-budget curve crosses that loss cannot show a win at 70% of the tokens. The
fair test of "the same loss with fewer tokens" is ``budget_fractions``: every strategy is also trained at
that share of the budget with its whole schedule (its own LR from the same grid, the same seeds), and its
final loss is compared with the tuned baseline's at the full budget, and with the baseline's at the same share.
With ``glue``, the models of every share are fine-tuned too: the paper's "~20% fewer steps" is this comparison by
LEANER-GLUE average (a curriculum on fewer steps against the baseline on all of them), not by loss.

Each finished run writes ``runs/<family>/<strategy>/lr<LR>_seed<S>.json``; a rerun with the same settings
reuses it instead of training again, so an interrupted study continues where it stopped.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from hf_leaner.experiments.strategies import DEFAULT_STRATEGIES, SCHEDULES, STRATEGIES, Strategy

TARGET_RATIO = 0.7  # the target: the baseline's final loss in at most 70% of its tokens
CHECKPOINTS = (0.25, 0.5, 0.75)  # fractions of the budget where the validation loss is reported


@dataclass
class StudyArguments:
    """The study's settings. The defaults take about an hour on 2 quiet CPU cores: 3 strategies x 2 schedules x
    (3 learning rates + 2 more seeds) = 30 runs of 327,680 tokens (160 steps of 16 x 128) on a LLaMA with
    525K non-embedding parameters ("500K": hidden 128, 2 layers); ``budget``, ``model_size`` and ``strategies``
    scale it up."""

    data: str = "sample"
    data_config: str = "leaner-10M-all"
    output_dir: str = "outputs/curriculum-study"
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES
    schedules: tuple[str, ...] = ("decay", "wsd")
    seeds: tuple[int, ...] = (1, 2, 3)
    learning_rates: tuple[float, ...] = (2e-3, 4e-3, 8e-3)
    budget: int = 327_680  # training tokens per run (160 steps of 16 x 128)
    budget_fractions: tuple[float, ...] = (1.0,)  # also train every strategy at these shares of the budget
    arch: str = "llama"
    model_size: str = "500K"
    block_size: int = 128
    batch_size: int = 16
    vocab_size: int = 2000
    max_train_documents: int | None = None
    max_eval_documents: int = 40  # validation documents per genre ...
    eval_chars_per_genre: int = 24_000  # ... up to this much text per genre (~6K tokens)
    heldout_documents: int = 200  # training documents set aside to choose the learning rate ...
    heldout_chars: int = 48_000  # ... up to this much text
    evals: int = 8  # validation evaluations per run, evenly spaced
    glue: bool = False
    save_models: bool = False  # keep each run's final model in runs/<schedule>/<strategy>/lr<LR>_seed<S>/ (--glue does)
    glue_tasks: tuple[str, ...] = ("rte", "mrpc", "stsb")
    glue_max_train_examples: int = 1000
    progress: bool = False
    extra: dict = field(default_factory=dict)  # CurriculumConfig overrides for every run (tests)

    def __post_init__(self):
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown:
            raise ValueError(f"unknown strategy {', '.join(unknown)}; choose from {', '.join(STRATEGIES)}")
        if "baseline" not in self.strategies:
            self.strategies = ("baseline", *self.strategies)  # every strategy is judged against it
        if not all(0 < f <= 1 for f in self.budget_fractions):
            raise ValueError(f"budget_fractions {self.budget_fractions}: each must be in (0, 1]")
        self.budget_fractions = tuple(sorted(set(self.budget_fractions) | {1.0}, reverse=True))  # the target needs 1
        bad = [s for s in self.schedules if s not in SCHEDULES]
        if bad:
            raise ValueError(f"unknown schedule {', '.join(bad)}; choose from {', '.join(SCHEDULES)}")

    @property
    def tokens_per_step(self) -> int:
        return self.batch_size * self.block_size


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


# ---------------------------------------------------------------------------------------------- data


@dataclass
class StudyData:
    corpus: object  # DatasetDict: train (held-out slice removed), validation
    tokenizer: object
    heldout: object  # packed held-out training documents
    heldout_hashes: set
    train_hashes: set | None  # the training documents kept (None: all)
    corpora: dict = field(default_factory=dict)  # data_config -> corpus, for strategies on another corpus


def prepare_data(study: StudyArguments) -> StudyData:
    from datasets import DatasetDict

    from hf_leaner.models import OBJECTIVE
    from hf_leaner.models.tokenizer import load_tokenizer, train_tokenizer
    from hf_leaner.train.pretrain import PretrainArguments, load_corpus, pack, tokenize_documents

    corpus = load_corpus(PretrainArguments(data=study.data, data_config=study.data_config))
    train = corpus["train"]
    order = np.random.default_rng(0).permutation(len(train))
    # the held-out slice: a seeded draw of training documents, up to heldout_chars of text (long documents
    # make a slice of fixed document count cost more to evaluate than the training it judges)
    chars = np.cumsum([len(t) for t in train.select(order[: study.heldout_documents])["text"]])
    k = min(int(np.searchsorted(chars, study.heldout_chars)) + 1, study.heldout_documents, max(1, len(order) // 10))
    if study.max_train_documents:
        order = order[: study.max_train_documents + k]
    heldout_ds, train = train.select(np.sort(order[:k])), train.select(np.sort(order[k:]))
    tok_dir = Path(study.output_dir) / "tokenizer"
    objective = OBJECTIVE[study.arch]
    if (tok_dir / "tokenizer.json").is_file():  # a resumed study keeps the tokenizer its runs were trained with
        tokenizer = load_tokenizer(str(tok_dir))
    else:
        tokenizer = train_tokenizer(iter(train["text"]), objective, vocab_size=study.vocab_size,
                                    model_max_length=max(study.block_size, 1024))
        tokenizer.save_pretrained(tok_dir)
    heldout = pack(tokenize_documents(heldout_ds, tokenizer, "text"), tokenizer, objective, study.block_size)
    hashes = set(heldout_ds["hash"]) if "hash" in heldout_ds.column_names else set()
    kept = set(train["hash"]) if study.max_train_documents and "hash" in train.column_names else None
    return StudyData(DatasetDict(train=train, validation=validation_subset(corpus["validation"], study)), tokenizer,
                     heldout, hashes, kept)


def validation_subset(validation, study: StudyArguments):
    """The first documents of each genre, up to ``eval_chars_per_genre`` of text (and ``max_eval_documents``)."""
    genres = validation["genre"] if "genre" in validation.column_names else ["all"] * len(validation)
    used, keep = {}, []
    for i, (genre, text) in enumerate(zip(genres, validation["text"])):
        count, chars = used.get(genre, (0, 0))
        if count < study.max_eval_documents and chars < study.eval_chars_per_genre:
            keep.append(i)
            used[genre] = (count + 1, chars + len(text))
    return validation.select(keep)


def corpus_for(study: StudyArguments, data: StudyData, strategy: Strategy):
    """The corpus a strategy trains on: the study's, or (source curriculum) LEANER+ORIGINAL of the same
    documents, without the held-out slice, with the study's own validation split."""
    if strategy.data_config is None:
        return data.corpus
    config = study.data_config.replace("leaner-", f"{strategy.data_config}-", 1)
    if config not in data.corpora:
        from datasets import DatasetDict

        from hf_leaner.train.pretrain import PretrainArguments, load_corpus

        both = load_corpus(PretrainArguments(data=study.data, data_config=config))["train"]
        keep = (lambda h: h not in data.heldout_hashes and (data.train_hashes is None or h in data.train_hashes))
        data.corpora[config] = DatasetDict(train=both.filter(keep, input_columns="hash"),
                                           validation=data.corpus["validation"])
    return data.corpora[config]


# ---------------------------------------------------------------------------------------------- one run


def run_settings(study: StudyArguments, strategy: Strategy, schedule: str, lr: float, seed: int,
                 fraction: float = 1.0) -> dict:
    """Everything a run's result depends on; a stored run is reused only when these match."""
    settings = {"pacing": "none", **SCHEDULES[schedule], **strategy.settings, **study.extra}
    if strategy.seq_len_warmup:
        settings["seq_len_start"] = max(8, study.block_size // 8)
    budget = study.budget if fraction == 1 else round(fraction * study.budget)
    steps = steps_for_budget(study, settings, budget)
    # folded runs of the sorted-sweep sampler are not reused: the folded order now reads shuffled windows
    order = {"folded_order": "difficulty windows, shuffled"} if settings.get("folds") else {}
    share = {"budget_fraction": fraction} if fraction != 1 else {}  # full-budget runs keep their stored settings
    return {**order, **share, "strategy": strategy.name, "schedule": schedule, "learning_rate": lr, "seed": seed,
            "steps": steps,
            "curriculum": settings, "data_config": strategy.data_config, "budget": budget,
            **{k: getattr(study, k) for k in ("data", "data_config", "arch", "model_size", "block_size", "batch_size",
                                              "vocab_size", "max_train_documents", "max_eval_documents",
                                              "eval_chars_per_genre", "heldout_documents", "heldout_chars",
                                              "evals")}}


def steps_for_budget(study: StudyArguments, settings: dict, budget: int | None = None) -> int:
    """Optimizer steps that train ``budget`` tokens (more when a sequence-length warm-up shortens blocks)."""
    budget = budget or study.budget
    steps = max(1, math.ceil(budget / study.tokens_per_step))
    while settings.get("seq_len_start") and cumulative_tokens(study, settings, steps)[-1] < budget:
        steps += max(1, steps // 100)
    return steps


def cumulative_tokens(study: StudyArguments, settings: dict, steps: int) -> np.ndarray:
    """Training tokens after each optimizer step 0..steps (index = step)."""
    from hf_leaner.curriculum.recipes import sequence_length_at

    if settings.get("seq_len_start"):
        lengths = [sequence_length_at(s, steps, settings["seq_len_start"], settings.get("seq_len_end", 0.25),
                                      study.block_size) for s in range(steps)]
    else:
        lengths = [study.block_size] * steps
    return np.concatenate([[0], np.cumsum(lengths) * study.batch_size])


def run_path(study: StudyArguments, schedule: str, strategy: str, lr: float, seed: int, fraction: float = 1.0) -> Path:
    folder = Path(study.output_dir) / "runs" / schedule / strategy
    if fraction != 1:
        folder = folder / f"budget{fraction:g}"
    return folder / f"lr{lr:g}_seed{seed}.json"


def stored_run(path: Path, settings: dict) -> dict | None:
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError:  # a half-written file: train it again
        return None
    return record if record.get("settings") == json.loads(json.dumps(settings)) else None


def train_run(study: StudyArguments, data: StudyData, settings: dict) -> dict:
    from transformers.trainer_callback import PrinterCallback

    from hf_leaner.curriculum import CurriculumConfig
    from hf_leaner.experiments.leaner_vs_original import RunProgress
    from hf_leaner.train.pretrain import PretrainArguments, build_pretraining

    t0 = time.time()
    strategy, steps = STRATEGIES[settings["strategy"]], settings["steps"]
    path = run_path(study, settings["schedule"], strategy.name, settings["learning_rate"], settings["seed"],
                    settings.get("budget_fraction", 1.0))
    eval_steps = max(1, steps // study.evals)
    args = CurriculumConfig(
        output_dir=str(path.with_suffix("")), max_steps=steps, per_device_train_batch_size=study.batch_size,
        learning_rate=settings["learning_rate"], warmup_steps=max(1, steps // 20), weight_decay=0.01,
        eval_strategy="steps", eval_steps=eval_steps, logging_steps=eval_steps, curriculum_eval_steps=eval_steps,
        save_strategy="no", report_to=[], seed=settings["seed"], per_device_eval_batch_size=32, disable_tqdm=True,
        dataloader_pin_memory=False,
        **settings["curriculum"])
    pargs = PretrainArguments(arch=study.arch, size=study.model_size, block_size=study.block_size,
                              vocab_size=study.vocab_size, max_eval_documents=study.max_eval_documents)
    extra = {"curriculum_eval_dataset": data.heldout} if args.pacing == "iterative" else {}
    trainer = build_pretraining(pargs, args, corpus=corpus_for(study, data, strategy), tokenizer=data.tokenizer,
                                **extra)
    trainer.remove_callback(PrinterCallback)
    if study.progress:
        trainer.add_callback(RunProgress(f"{settings['schedule']} {strategy.name} lr={settings['learning_rate']:g} "
                                         f"s{settings['seed']}"))
    trainer.train()
    tokens = cumulative_tokens(study, settings["curriculum"], steps)
    curve = [(int(tokens[h["step"]]), float(h["eval_loss"])) for h in trainer.state.log_history
             if "eval_loss" in h and "epoch" in h and h["step"] < steps]
    final = float(trainer.evaluate()["eval_loss"])  # after weight averaging, when the schedule averages
    curve.append((int(tokens[steps]), final))
    heldout = float(trainer.evaluate(eval_dataset=data.heldout, metric_key_prefix="heldout")["heldout_loss"])
    fractions = [(int(tokens[h["step"]]), h["curriculum/fraction"]) for h in trainer.state.log_history
                 if "curriculum/fraction" in h]
    record = {"settings": settings, "curve": curve, "final_loss": final, "heldout_loss": heldout,
              "fractions": fractions, "tokens": int(tokens[steps]), "seconds": round(time.time() - t0, 1)}
    if study.glue or study.save_models:
        trainer.save_model(str(path.with_suffix("")))
    return record


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


# ---------------------------------------------------------------------------------------------- the study


class Study:
    """Runs (or reuses) every cell; ``trained`` counts the runs this invocation trained."""

    def __init__(self, study: StudyArguments):
        self.args, self.data, self.trained, self.reused = study, None, 0, 0

    def run(self, schedule: str, strategy: str, lr: float, seed: int, fraction: float = 1.0) -> dict:
        settings = run_settings(self.args, STRATEGIES[strategy], schedule, lr, seed, fraction)
        path = run_path(self.args, schedule, strategy, lr, seed, fraction)
        record = stored_run(path, settings)
        if record is not None:
            self.reused += 1
            return record
        if self.data is None:
            self.data = prepare_data(self.args)
        record = train_run(self.args, self.data, settings)
        write_atomic(path, json.dumps(record, indent=1))
        self.trained += 1
        share = f" x{fraction:g}" if fraction != 1 else ""
        print(f"[run {self.trained}] {schedule:<5} {strategy + share:<26} lr={lr:<7g} seed={seed}: val "
              f"{record['final_loss']:.4f}"
              f", held-out {record['heldout_loss']:.4f} ({record['seconds']:.0f}s)", flush=True)
        return record

    def cells(self) -> dict:
        """(schedule, strategy, budget fraction) -> {"lr": chosen LR, "sweep": {lr: held-out loss},
        "runs": [records at that LR]}."""
        a, out = self.args, {}
        for schedule in a.schedules:  # one schedule family complete before the next: a cut-short study says something
            for fraction in a.budget_fractions:  # the full budget first
                for strategy in a.strategies:
                    sweep = {lr: self.run(schedule, strategy, lr, a.seeds[0], fraction) for lr in a.learning_rates}
                    lr = min(sweep, key=lambda x: sweep[x]["heldout_loss"])
                    out[schedule, strategy, fraction] = {"lr": lr, "runs": [sweep[lr]],
                                                         "sweep": {x: r["heldout_loss"] for x, r in sweep.items()}}
                for strategy in a.strategies:
                    cell = out[schedule, strategy, fraction]
                    cell["runs"] += [self.run(schedule, strategy, cell["lr"], s, fraction) for s in a.seeds[1:]]
        return out


def versus(final: tuple[float, float], other: tuple[float, float]) -> str:
    """A final loss against another, seed intervals included: lower, higher, or the same within them."""
    (m, h), (om, oh) = final, other
    if not math.isfinite(h + oh):
        return "one seed"
    return "lower" if m + h < om - oh else "higher" if m - h > om + oh else "same (inside the intervals)"


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
    return rows


def format_table(summary: dict) -> str:
    from hf_leaner.utils.tables import text_table

    def ci(pair, digits=3):
        mean, half = pair
        if not math.isfinite(mean):
            return "-"
        return f"{mean:.{digits}f}" + (f" ± {half:.{digits}f}" if math.isfinite(half) else "")

    head = ["schedule", "strategy", "LR", *[f"val@{c:.0%}" for c in CHECKPOINTS], "final val", "tokens to target (M)",
            "ratio", "wins"]
    glue = any("glue" in r for r in summary["rows"])
    head += ["GLUE avg"] if glue else []
    body = []
    for r in summary["rows"]:
        tokens = (ci((r["tokens_to_target"][0] / 1e6, r["tokens_to_target"][1] / 1e6), 2)
                  if r["reached"] == r["seeds"] else f"{r['reached']}/{r['seeds']} seeds reach")
        win = "yes" if r["meets_target"] else ("lower loss" if r["beats_baseline_final"] else "no")
        body.append([r["schedule"], r["strategy"], f"{r['learning_rate']:g}", *[ci(r[f"val@{c:.0%}"]) for c in CHECKPOINTS],
                     ci(r["final"]), tokens, ci(r["ratio"], 2), "-" if r["strategy"] == "baseline" else win]
                    + ([ci(r["glue"])] if glue else []))
    text = (text_table(head, body, numbers_right=True) +
            f"\nmean ± 95% t-interval over seeds; target = the tuned baseline's final validation loss "
            f"({summary['target']:.4f}, {summary['target_schedule']} schedule); budget {summary['budget']:,} tokens "
            f"per run; wins = reaches the target in <= {TARGET_RATIO:.0%} of the tokens, interval included.")
    if summary.get("fraction_rows"):
        text += "\n\n" + format_fraction_table(summary, ci)
    return text


def format_fraction_table(summary: dict, ci) -> str:
    from hf_leaner.utils.tables import text_table

    rows = summary["fraction_rows"]
    glue = any("glue" in r for r in rows)
    head = ["schedule", "strategy", "budget", "LR", "final val", "vs baseline (full budget)",
            "vs baseline (same budget)", "reaches target"]
    head += ["GLUE avg", "GLUE vs baseline (full budget)"] if glue else []

    def full(r):  # the row the others are judged by
        return r["strategy"] == "baseline" and r["fraction"] == 1

    body = [[r["schedule"], r["strategy"], f"{r['fraction']:.0%} ({r['tokens']:,})", f"{r['learning_rate']:g}",
             ci(r["final"]), "-" if full(r) else r["vs_baseline_full"],
             "-" if r["strategy"] == "baseline" else r["vs_baseline_same"], "yes" if r["reaches_target"] else "no"]
            + ([ci(r["glue"]), "-" if full(r) else r["glue_vs_baseline_full"]] if glue else [])
            for r in rows]
    return (text_table(head, body, numbers_right=True) +
            "\neach run at its share of the budget with its whole LR schedule and its own LR (same grid, chosen on the "
            f"held-out slice); reaches target = final loss + 95% half-width <= {summary['target']:.4f}"
            + ("; GLUE: higher is better, a win only outside the intervals." if glue else "."))


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
        mean, half = r["final"]
        return f"{r['strategy']} ({r['schedule']}, {r['fraction']:.0%} of the tokens) at {mean:.4f} ± {half:.4f}"

    winners = [r for r in others if r["reaches_target"]]
    if not winners:
        best = min(others, key=lambda r: r["final"][0])
        b = base[best["schedule"], best["fraction"]]
        return (f"fair test: trained on <= {TARGET_RATIO:.0%} of the tokens (whole schedule, own LR), no strategy "
                f"reaches the tuned baseline's full-budget loss {target:.4f} outside the seed interval; the best is "
                f"{said(best)}, "
                f"the baseline at that budget {b['final'][0]:.4f} ± {b['final'][1]:.4f}")
    parts = []
    for r in winners:
        b = base[r["schedule"], r["fraction"]]
        parts.append(said(r) + (f", but the baseline at that budget reaches it too ({b['final'][0]:.4f} ± "
                                f"{b['final'][1]:.4f}): the budget, not the order" if b["reaches_target"] else
                                f"; the baseline at that budget: {b['final'][0]:.4f} ± {b['final'][1]:.4f} "
                                f"({r['vs_baseline_same']} for the strategy)"))
    return f"fair test: the tuned baseline's full-budget loss {target:.4f} is reached by " + "; ".join(parts)


def verdict(summary: dict) -> str:
    fair = fraction_verdict(summary)
    crossing = verdict_by_crossing(summary)
    text = crossing if fair is None else f"{fair}\n(where the full-budget curves cross it: {crossing})"
    glue = glue_verdict(summary)
    return text if glue is None else f"{text}\n{glue}"


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
        f"{r['glue'][0]:.4f} ± {r['glue'][1]:.4f} "
        f"vs the baseline's full budget {base[r['schedule']][0]:.4f} ± {base[r['schedule']][1]:.4f}: "
        + said.get(r["glue_vs_baseline_full"], f"no win ({r['glue_vs_baseline_full']})") for r in short)


def verdict_by_crossing(summary: dict) -> str:
    winners = [r for r in summary["rows"] if r["meets_target"]]
    if winners:
        return "target met: " + "; ".join(f"{r['strategy']} ({r['schedule']}) reaches the baseline's final loss in "
                                           f"{r['ratio'][0]:.2f} ± {r['ratio'][1]:.2f} of the tokens" for r in winners)
    best = min((r for r in summary["rows"] if r["strategy"] != "baseline"), key=lambda r: r["final"][0], default=None)
    if best is None:
        return "only the baseline was run"
    mean, half = best["final"]
    return (f"no strategy reaches the tuned baseline's final loss in <= {TARGET_RATIO:.0%} of the tokens outside the "
            f"seed interval; the best final loss is {best['strategy']} ({best['schedule']}) at {mean:.4f}"
            + (f" ± {half:.4f}" if math.isfinite(half) else " (one seed)") + f" vs target {summary['target']:.4f}")


def compare_finals(summary: dict, strategy: str, schedule: str) -> str:
    """One plain sentence: does ``strategy`` end below the baseline (same schedule), outside the seed interval?"""
    rows = {(r["schedule"], r["strategy"]): r for r in summary["rows"]}
    (m, h), (bm, bh) = rows[schedule, strategy]["final"], rows[schedule, "baseline"]["final"]
    said = f"{strategy}: final validation loss {m:.4f} ± {h:.4f} vs the baseline's {bm:.4f} ± {bh:.4f}"
    outcome = versus((m, h), (bm, bh))
    if outcome == "one seed":
        return f"{said}: one seed, no interval; give several seeds to decide"
    if outcome == "lower":
        return f"{said}: it WINS (lower, outside the seed intervals)"
    if outcome == "higher":
        return f"{said}: it LOSES (higher, outside the seed intervals)"
    return f"{said}: no win - the difference ({m - bm:+.4f}) is inside the seed intervals"


def plot(summary: dict, cells: dict, path: Path, smaller: dict | None = None) -> Path:
    """Validation curves with interval bands; runs at smaller budgets (``smaller``) as final points with error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    schedules = list(dict.fromkeys(s for s, _ in cells))
    fig, axes = plt.subplots(1, len(schedules), figsize=(6.5 * len(schedules), 4.5), sharey=True, squeeze=False)
    grid = np.linspace(summary["budget"] * 0.1, summary["budget"], 40)
    for ax, schedule in zip(axes[0], schedules):
        for (s, strategy), cell in cells.items():
            if s != schedule:
                continue
            curves = np.array([[loss_at(r["curve"], x) for x in grid] for r in cell["runs"]])
            stats = [t_interval(col) for col in curves.T]
            mean = np.array([m for m, _ in stats])
            half = np.nan_to_num(np.array([h for _, h in stats]))
            (line,) = ax.plot(grid / 1e6, mean, label=f"{strategy} (lr {cell['lr']:g})")
            ax.fill_between(grid / 1e6, mean - half, mean + half, color=line.get_color(), alpha=0.2)
            for (s2, strategy2, fraction), small in (smaller or {}).items():
                if (s2, strategy2) == (schedule, strategy):
                    m, h = t_interval([r["final_loss"] for r in small["runs"]])
                    ax.errorbar([fraction * summary["budget"] / 1e6], [m], yerr=[np.nan_to_num(h)], fmt="o",
                                color=line.get_color(), capsize=3, ms=4)
        ax.axhline(summary["target"], color="grey", ls="--", lw=1, label="tuned baseline's final loss")
        ax.axvline(TARGET_RATIO * summary["budget"] / 1e6, color="grey", ls=":", lw=1,
                   label=f"{TARGET_RATIO:.0%} of the tokens (the target)")
        ax.set_title(f"{schedule} schedule" + ("; dots: whole runs on a share of the budget" if smaller else ""))
        ax.set_xlabel("training tokens (M)")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("validation loss (nats/token), mean ± 95% CI")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def glue_averages(study: StudyArguments, cells: dict) -> None:
    """LEANER-GLUE average (a reduced grid: one LR, one fine-tuning seed) of each cell's final models, at every
    budget fraction: the paper's claim compares a curriculum on fewer steps with the baseline on all of them."""
    from hf_leaner.evaluation.glue import GlueArguments, run_glue

    for (schedule, strategy, fraction), cell in cells.items():
        scores = []
        for record in cell["runs"]:
            s = record["settings"]
            model = run_path(study, schedule, strategy, s["learning_rate"], s["seed"], fraction).with_suffix("")
            result = run_glue(GlueArguments(model=str(model), data=study.data, tasks=list(study.glue_tasks),
                                            output_dir=str(model / "glue"), learning_rates=[1e-3], seeds=[1],
                                            num_train_epochs=1.0, max_train_examples=study.glue_max_train_examples,
                                            progress=False))
            scores.append(_average_value(result["average"]))
        cell["glue"] = t_interval(scores)


def _average_value(average: dict) -> float:
    value = average.get("value")  # the report's headline: best cells on the validation split
    return float(value) if value is not None else float("nan")


def run_study(study: StudyArguments) -> dict:
    out = Path(study.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    runner = Study(study)
    every = runner.cells()
    cells = {(schedule, strategy): cell for (schedule, strategy, f), cell in every.items() if f == 1}
    smaller = {key: cell for key, cell in every.items() if key[2] != 1}
    if study.glue:
        glue_averages(study, every)  # the full-budget cells are the same objects, so both tables get it
    summary = summarize(study, cells)
    summary["fraction_rows"] = fraction_rows(summary, every) if smaller else []
    summary.update(trained=runner.trained, reused=runner.reused, seconds=round(time.time() - t0, 1),
                   png=str(plot(summary, cells, out / "curriculum_study.png", smaller)))
    summary["table"] = format_table(summary)
    summary["verdict"] = verdict(summary)
    write_atomic(out / "study.json", json.dumps(summary, indent=1, default=float))
    (out / "study.md").write_text(summary["table"] + "\n\n" + summary["verdict"] + "\n")
    return summary
