"""Running the curriculum study: data preparation, the recipe of one run, its cache, and ``run_study``.

    from hf_leaner.experiments.curriculum import StudyArguments, run_study
    summary = run_study(StudyArguments(strategies=("warmup-compression",), seeds=(1, 2)))

Each finished run writes ``runs/<family>/<strategy>/lr<LR>_seed<S>.json`` (``budget<F>/`` inside for a share of
the budget); a rerun with the same settings reuses it instead of training again, so an interrupted study
continues where it stopped. torch, transformers and datasets are imported inside the functions that train.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hf_leaner.experiments.curriculum.config import StudyArguments
from hf_leaner.experiments.curriculum.glue import glue_averages
from hf_leaner.experiments.curriculum.zero_shot import zero_shot_averages
from hf_leaner.experiments.curriculum.plot import plot, plot_zero_shot
from hf_leaner.experiments.curriculum.report import (format_table, fraction_rows, near_frequency_only, summarize,
                                                     verdict)
from hf_leaner.experiments.strategies import SCHEDULES, STRATEGIES, Strategy
from hf_leaner.utils.io import write_atomic


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



def frequency_only_loss(data: StudyData, sample_documents: int = 20_000) -> float:
    """The validation loss of a model that knows only how often each token occurs: the cross-entropy (nats/token)
    of the validation split's tokens under token frequencies counted on a seeded sample of the training split
    (add-one smoothed). A run that ends near it has learned little beyond frequencies - the plateau a small
    masked LM can sit on for a whole short run, depending on its seed."""
    from hf_leaner.train.pretrain import tokenize_documents

    train = data.corpus["train"]
    sample = train.select(np.sort(np.random.default_rng(0).permutation(len(train))[:sample_documents]))

    def counts(documents) -> np.ndarray:  # tokenized as training tokenizes them
        ids = tokenize_documents(documents, data.tokenizer, "text").token_ids
        return np.bincount(np.concatenate(ids or [np.zeros(0, np.int32)]),
                           minlength=len(data.tokenizer)).astype(np.float64)

    train_counts, validation_counts = counts(sample), counts(data.corpus["validation"])
    ordinary = np.ones(len(train_counts), dtype=bool)
    ordinary[data.tokenizer.all_special_ids] = False  # a model is never asked to predict these
    probability = (train_counts + 1) / (train_counts + 1)[ordinary].sum()
    seen = (validation_counts > 0) & ordinary
    return float(-(validation_counts[seen] * np.log(probability[seen])).sum() / validation_counts[seen].sum())


def frequency_only_reference(study: StudyArguments, data: StudyData | None) -> float:
    """``frequency_only_loss``, computed once per study folder (it reads the corpus) and kept in
    ``frequency_only.json`` with the settings it depends on."""
    path = Path(study.output_dir) / "frequency_only.json"
    key = {k: getattr(study, k) for k in ("data", "data_config", "vocab_size", "max_train_documents",
                                          "max_eval_documents", "eval_chars_per_genre")}
    if (stored := stored_run(path, key)) is not None:
        return stored["loss"]
    loss = frequency_only_loss(data if data is not None else prepare_data(study))
    write_atomic(path, json.dumps({"settings": key, "loss": loss}, indent=1))
    return loss


# ---------------------------------------------------------------------------------------------- one run


def run_settings(study: StudyArguments, strategy: Strategy, schedule: str, lr: float, seed: int,
                 fraction: float = 1.0) -> dict:
    """Everything a run's result depends on; a stored run is reused only when these match."""
    settings = {"pacing": "none", **SCHEDULES[schedule], **strategy.settings, **study.extra}
    if strategy.seq_len_warmup:
        settings["seq_len_start"] = max(8, study.block_size // 8)
    budget = study.budget if fraction == 1 else round(fraction * study.budget)
    steps = steps_for_budget(study, settings, budget)
    if strategy.pacing_evaluations:
        settings["curriculum_eval_steps"] = max(1, steps // strategy.pacing_evaluations)
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
        eval_strategy="steps", eval_steps=eval_steps, logging_steps=eval_steps,
        save_strategy="no", report_to=[], seed=settings["seed"], per_device_eval_batch_size=32, disable_tqdm=True,
        **{"curriculum_eval_steps": eval_steps, **settings["curriculum"]})  # a strategy may evaluate its pacing more often
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
    if study.glue or study.save_models or study.scores_zero_shot:
        trainer.save_model(str(path.with_suffix("")))
    return record



# ---------------------------------------------------------------------------------------------- the study


class Study:
    """Runs (or reuses) every cell; ``trained`` counts the runs this invocation trained. With ``workers > 1`` or a
    ``shard``, the runs go in two waves to worker processes: every learning-rate sweep (first seed), then the other
    seeds at each cell's chosen LR; the records are the files a serial study writes."""

    def __init__(self, study: StudyArguments):
        self.args, self.data, self.trained, self.reused = study, None, 0, 0

    def run(self, schedule: str, strategy: str, lr: float, seed: int, fraction: float = 1.0) -> dict:
        key = (schedule, strategy, lr, seed, fraction)
        record = self.stored(key)
        if record is not None:
            self.reused += 1
            return record
        if self.data is None:
            self.data = prepare_data(self.args)
        record = train_and_write(self.args, self.data, key)
        self.trained += 1
        print(run_line(self.trained, record["settings"], record), flush=True)
        return record

    def stored(self, key: tuple) -> dict | None:
        schedule, strategy, lr, seed, fraction = key
        return stored_run(run_path(self.args, *key), run_settings(self.args, STRATEGIES[strategy], schedule, lr, seed,
                                                                  fraction))

    def train_in_workers(self, keys: list[tuple]) -> None:
        """Train the missing runs among ``keys`` (this shard's share of them) in worker processes."""
        from hf_leaner.utils.parallel import in_shard, run_parallel

        a = self.args
        todo = [k for i, k in enumerate(keys) if in_shard(i, a.shard) and self.stored(k) is None]
        if not todo:
            return
        if not (Path(a.output_dir) / "tokenizer" / "tokenizer.json").is_file():
            prepare_data(a)  # the tokenizer is trained once, here, before the workers read it
        for (_, key), record in run_parallel([(a, k) for k in todo], train_cell, a.workers):
            self.trained += 1
            print(run_line(self.trained, record["settings"], record), flush=True)

    def cells(self) -> dict | None:
        """(schedule, strategy, budget fraction) -> {"lr": chosen LR, "sweep": {lr: held-out loss},
        "runs": [records at that LR]}; None when this shard cannot finish yet (another shard's sweep is missing)."""
        a = self.args
        if a.workers > 1 or a.shard:
            sweeps = [(sc, st, lr, a.seeds[0], f) for sc in a.schedules for f in a.budget_fractions
                      for st in a.strategies for lr in a.learning_rates]
            self.train_in_workers(sweeps)
            if any(self.stored(k) is None for k in sweeps):
                return None
            chosen = {(sc, st, f): min(a.learning_rates, key=lambda lr: self.stored((sc, st, lr, a.seeds[0], f))
                                       ["heldout_loss"]) for sc, st, _, _, f in sweeps}
            self.train_in_workers([(sc, st, lr, seed, f) for (sc, st, f), lr in chosen.items() for seed in a.seeds[1:]])
            if a.shard:
                return None
        trained, self.trained = self.trained, 0
        out = self.serial_cells()
        self.trained, self.reused = self.trained + trained, self.reused - trained
        return out

    def serial_cells(self) -> dict:
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


def run_line(n: int, settings: dict, record: dict) -> str:
    fraction = settings.get("budget_fraction", 1.0)
    share = f" x{fraction:g}" if fraction != 1 else ""
    return (f"[run {n}] {settings['schedule']:<5} {settings['strategy'] + share:<26} lr={settings['learning_rate']:<7g} "
            f"seed={settings['seed']}: val {record['final_loss']:.4f}, held-out {record['heldout_loss']:.4f} "
            f"({record['seconds']:.0f}s)")


_WORKER_DATA: dict[str, StudyData] = {}  # a worker prepares the study's data once, for every run it is given


def train_and_write(study: StudyArguments, data: StudyData, key: tuple) -> dict:
    """Train the run ``key`` = (schedule, strategy, lr, seed, fraction) and write its record (serial or worker)."""
    schedule, strategy, lr, seed, fraction = key
    record = train_run(study, data, run_settings(study, STRATEGIES[strategy], schedule, lr, seed, fraction))
    write_atomic(run_path(study, *key), json.dumps(record, indent=1))
    return record


def train_cell(task: tuple[StudyArguments, tuple]) -> dict:
    """One run in a worker process."""
    study, key = task
    if study.output_dir not in _WORKER_DATA:
        _WORKER_DATA[study.output_dir] = prepare_data(study)
    return train_and_write(study, _WORKER_DATA[study.output_dir], key)


def run_study(study: StudyArguments) -> dict:
    """Run (or reuse) every cell, then write study.json, study.md, report.md and the plot; returns the summary."""
    from hf_leaner.experiments.curriculum.page import write_report_page

    out = Path(study.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    runner = Study(study)
    every = runner.cells()
    if every is None:  # a shard: its runs are on disk; the merge (the same command without --shard) reports
        return {"shard": study.shard, "trained": runner.trained, "seconds": round(time.time() - t0, 1)}
    cells = {(schedule, strategy): cell for (schedule, strategy, f), cell in every.items() if f == 1}
    smaller = {key: cell for key, cell in every.items() if key[2] != 1}
    if study.glue:
        # the full-budget cells are the same objects in ``cells``, so both tables get it
        glue_averages(study, every, lambda *run: run_path(study, *run).with_suffix(""))
    if study.scores_zero_shot:
        zero_shot_averages(study, every, lambda *run: run_path(study, *run).with_suffix(""))
    summary = summarize(study, cells)
    summary["fraction_rows"] = fraction_rows(summary, every) if smaller else []
    summary["frequency_only_loss"] = frequency_only_reference(study, runner.data)
    summary["near_frequency_only"] = near_frequency_only(every, summary["frequency_only_loss"])
    summary.update(trained=runner.trained, reused=runner.reused, seconds=round(time.time() - t0, 1),
                   png=str(plot(summary, cells, out / "curriculum_study.png", smaller)))
    if (zero_shot_png := plot_zero_shot(summary, out / "curriculum_zero_shot.png")) is not None:
        summary["zero_shot_png"] = str(zero_shot_png)
    summary["table"] = format_table(summary)
    summary["verdict"] = verdict(summary)
    write_atomic(out / "study.json", json.dumps(summary, indent=1, default=float))
    write_atomic(out / "study.md", summary["table"] + "\n\n" + summary["verdict"] + "\n")
    write_report_page(study, summary, out)
    return summary
