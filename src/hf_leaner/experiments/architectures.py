"""The paper's architectures experiment (EXP1): does LEANER text teach each family more than the original text?

    hf-leaner experiment architectures --size 100K --steps 60 --block-size 64 --seeds 1,2 --output outputs/exp1
    hf-leaner experiment architectures --data ../shared/tinyhelen --size 1M --steps 800 --zero_shot ../shared \
        --zero_shot_pairs 100 --glue_tasks none --output exp1                                  # hours, 2 CPU cores

For each family (LLaMA, BERT, XLNet, Mamba2) at one non-embedding size and each seed, one model is pretrained on
LEANER and one on the ORIGINAL text of the same documents: the same initial weights (the seed's), the same tokenizer
(one per family, trained on both texts), the same steps x batch x block tokens. The seed's untrained weights are
saved beside them: the floor both arms are read against. Every model is then measured three ways: zero-shot
minimal pairs (``--zero_shot``: BLiMP, Zorro, own), bits per character on both validation texts, and LEANER-GLUE
(``--glue_tasks``). Pretraining, scoring and GLUE cells are skipped when already done, so a rerun (or a stopped run
started again) does only what is missing. Output: ``report.md`` (protocol, tables, PNG, verdicts),
``architectures.json`` (every run) and ``architectures.md`` (the table).
"""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
from pathlib import Path

from transformers.trainer_callback import PrinterCallback

from hf_leaner.curriculum.trainer import CurriculumConfig, CurriculumTrainer
from hf_leaner.data.glue_tasks import DEFAULT_TASKS
from hf_leaner.evaluation.glue import GlueArguments, run_glue
from hf_leaner.experiments.architectures_config import ArchitecturesArguments
from hf_leaner.experiments.architectures_report import write_report
from hf_leaner.experiments.zero_shot_columns import OWN
from hf_leaner.models import OBJECTIVE
from hf_leaner.train.pretrain import PretrainArguments, load_corpus, pretrain
from hf_leaner.utils.io import write_atomic
from hf_leaner.utils.parallel import run_parallel

VARIANTS = ("leaner", "original")  # the trained arms; "untrained" is each seed's initial weights


class QuietTrainer(CurriculumTrainer):
    """The runs print one line each from this module, not the Trainer's log dicts: several share one console."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remove_callback(PrinterCallback)


def run_dir(out: Path, arch: str, variant: str, seed: int) -> Path:
    return out / arch / variant / f"seed{seed}"


def _tokenizer(out: Path, arch: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(out / arch / "tokenizer")


def _data_config(a: ArchitecturesArguments, variant: str) -> str:
    """The LEANER or ORIGINAL side of ``a.data_config`` (same size and genre)."""
    return f"{variant}-{a.data_config.split('-', 1)[1]}"


def _corpus(a: ArchitecturesArguments, variant: str):
    return load_corpus(PretrainArguments(data=a.data, data_config=_data_config(a, variant), on_corrupt=a.on_corrupt))


def _done(folder: Path) -> bool:
    return (folder / "hf_leaner_summary.json").is_file()


def _train_in_worker(run: tuple) -> dict:
    a, arch, variant, seed, _ = run
    folder = run_dir(Path(a.output_dir), arch, variant, seed)
    corpus = None if _done(folder) else _corpus(a, variant)  # no corpus to load when it is done
    return _train_and_measure(run, corpus)


def _train_and_measure(run: tuple, corpus) -> dict:
    """Pretrain one arm (unless done), then its bits per character on both validation texts (unless done)."""
    a, arch, variant, seed, pieces = run
    out = Path(a.output_dir)
    folder = run_dir(out, arch, variant, seed)
    if _done(folder):
        summary = json.loads((folder / "hf_leaner_summary.json").read_text())
    else:
        pargs = PretrainArguments(arch=arch, size=a.model_size, data=a.data, data_config=_data_config(a, variant),
                                  on_corrupt=a.on_corrupt, vocab_size=a.vocab_size, block_size=a.block_size,
                                  max_eval_documents=50)
        args = CurriculumConfig(output_dir=str(folder), max_steps=a.steps, per_device_train_batch_size=a.batch_size,
                                learning_rate=a.learning_rate, lr_scheduler_type="cosine",
                                warmup_steps=max(1, a.steps // 20), weight_decay=0.01, pacing="none",
                                difficulty="random", save_strategy="no", report_to=[], seed=seed, disable_tqdm=True,
                                logging_steps=a.steps)  # one log line per run
        summary = pretrain(pargs, args, trainer_cls=QuietTrainer, corpus=corpus, tokenizer=_tokenizer(out, arch))
        summary.pop("trainer")
    return {"summary": summary, "bits_per_char": measure_bits_per_char(folder, pieces)}


def measure_bits_per_char(folder: Path, pieces: dict[str, list[str]]) -> dict:
    """``{corpus: bits_per_char(...)}`` of the model in ``folder``, kept in ``bits_per_char.json`` for reruns."""
    from hf_leaner.evaluation.bits_per_char import bits_per_char
    from transformers import AutoConfig

    from hf_leaner.evaluation.readings import objective_of, reading_of
    from hf_leaner.evaluation.sentence_scores import SentenceScorer

    path = folder / "bits_per_char.json"
    reading = reading_of(objective_of(AutoConfig.from_pretrained(folder)))  # the scorer's defaults, below
    key = hashlib.sha256(json.dumps([reading, pieces], sort_keys=True).encode()).hexdigest()
    if path.is_file() and (kept := json.loads(path.read_text())).get("key") == key:
        return kept["corpora"]
    scorer = SentenceScorer.from_pretrained(str(folder))  # on CUDA when there is one
    corpora = {name: bits_per_char(scorer, texts) for name, texts in pieces.items()}
    write_atomic(path, json.dumps({"key": key, "corpora": corpora}, indent=1))
    return corpora


def save_untrained(out: Path, arch: str, seed: int) -> Path:
    """The seed's random weights in the trained arms' config, built as pretraining builds them, with the tokenizer."""
    folder = run_dir(out, arch, "untrained", seed)
    if (folder / "config.json").is_file():
        return folder
    from transformers import AutoConfig

    from hf_leaner.models import build_model

    temporary = folder.with_name(folder.name + ".partial")
    build_model(AutoConfig.from_pretrained(run_dir(out, arch, "leaner", seed)), seed=seed).save_pretrained(temporary)
    _tokenizer(out, arch).save_pretrained(temporary)
    temporary.rename(folder)
    return folder


def run_architectures(a: ArchitecturesArguments, progress=print) -> dict:
    from datasets import concatenate_datasets

    from hf_leaner.evaluation.bits_per_char import text_pieces
    from hf_leaner.evaluation.glue_data import load_task
    from hf_leaner.models.tokenizer import train_tokenizer

    out = Path(a.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    corpora = {v: _corpus(a, v) for v in VARIANTS}
    pieces = {v: text_pieces(corpora[v]["validation"], a.bpc_chars_per_genre) for v in VARIANTS}
    tasks = a.glue_tasks if a.glue_tasks is not None else [
        t for t in DEFAULT_TASKS if (d := load_task(t, a.data)) is not None and "train" in d]
    for arch in a.families:
        tok_dir = out / arch / "tokenizer"
        if not (tok_dir / "tokenizer.json").is_file():
            progress(f"EXP1: training {arch}'s tokenizer on both corpora")
            both = concatenate_datasets([corpora[v]["train"] for v in VARIANTS])
            train_tokenizer(iter(both["text"]), OBJECTIVE[arch], vocab_size=a.vocab_size,
                            model_max_length=max(a.block_size, 1024)).save_pretrained(tok_dir)
    # every (family, seed, arm) is independent: worker processes when there are several cores
    runs = [(a, arch, variant, seed, pieces) for arch in a.families for seed in a.seeds for variant in VARIANTS]
    progress(f"EXP1: {len(runs)} pretraining runs ({len(a.families)} families x {len(a.seeds)} seeds x 2 corpora), "
             f"{a.workers} at a time")
    finished = (run_parallel(runs, _train_in_worker, a.workers) if a.workers > 1 else
                ((run, _train_and_measure(run, corpora[run[2]])) for run in runs))
    records = []
    for (_, arch, variant, seed, _), measured in finished:
        summary, bpc = measured["summary"], measured["bits_per_char"]
        records.append({"arch": arch, "variant": variant, "seed": seed,
                        "folder": str(run_dir(out, arch, variant, seed)),
                        "non_embedding_parameters": summary["non_embedding_parameters"],
                        "tokens": summary["tokens_seen"], "seconds": summary.get("seconds"),
                        "val_loss": summary["eval"].get("eval_loss"), "bits_per_char": bpc})
        progress(f"EXP1: {arch} seed {seed} on {variant.upper()}: bits per character "
                 + ", ".join(f"{bpc[v]['bits_per_char']:.3f} on {v.upper()}" for v in VARIANTS))
    for arch in a.families:
        for seed in a.seeds:
            records.append({"arch": arch, "variant": "untrained", "seed": seed, "tokens": 0,
                            "folder": str(save_untrained(out, arch, seed))})
    order = {(arch, variant, seed): i for i, (_, arch, variant, seed, _) in enumerate(runs)}
    records.sort(key=lambda r: (a.families.index(r["arch"]), r["variant"] == "untrained", r["seed"],
                                order.get((r["arch"], r["variant"], r["seed"]), 0)))
    suites = _zero_shot(a, records, corpora, out, progress)
    _glue(a, records, tasks, out, progress)
    result = {"runs": records, "tasks": tasks, "zero_shot_suites": suites, "settings": a.__dict__,
              "command": "hf-leaner " + " ".join(shlex.quote(x) for x in sys.argv[1:]),
              "chars_per_token": _chars_per_token(records)}
    write_atomic(out / "architectures.json", json.dumps(result, indent=1))
    write_report(result, out)
    return result


def _chars_per_token(records: list[dict]) -> dict:
    """Characters per token of each family's tokenizer on each validation text (what equal tokens hold)."""
    found = {}
    for r in records:
        for corpus, m in (r.get("bits_per_char") or {}).items():
            found.setdefault(r["arch"], {})[corpus] = m["chars"] / m["tokens"]
    return found


def _zero_shot(a: ArchitecturesArguments, records: list[dict], corpora: dict, out: Path, progress) -> list[str]:
    """Minimal-pair accuracy of every model, trained and untrained; ``own`` pairs use only the words both arms
    were trained on, so neither corpus is favoured by the test's vocabulary."""
    from hf_leaner.evaluation.pair_templates import generate_minimal_pairs, vocabulary_from_texts

    from .zero_shot_columns import score_models, zero_shot_suites

    if a.zero_shot == ["none"]:
        return []
    vocabulary = None
    if OWN in a.zero_shot:
        counts = [vocabulary_from_texts(corpora[v]["train"]["text"]) for v in VARIANTS]
        vocabulary = {w: n for w, n in counts[0].items() if w in counts[1]}
        if not generate_minimal_pairs(vocabulary, 1)[0]:  # the embedded sample's two sides share too few words
            progress(f"EXP1: own pairs: the {len(vocabulary)} words both arms saw fill no paradigm; using the LEANER "
                     "vocabulary (favours the LEANER arm)")
            vocabulary = counts[0]
    suites, data = zero_shot_suites(a.zero_shot, None, out / "zero_shot", vocabulary=vocabulary)
    progress(f"EXP1: zero-shot {', '.join(suites)} on {len(records)} models")
    models = {f"{r['arch']}/{r['variant']}/{r['seed']}": r["folder"] for r in records}
    scores = score_models(models, suites, data, out / "zero_shot", a.zero_shot_pairs, workers=a.workers)
    for r in records:
        r["zero_shot"] = scores[f"{r['arch']}/{r['variant']}/{r['seed']}"]
    return suites


def _glue(a: ArchitecturesArguments, records: list[dict], tasks: list[str], out: Path, progress) -> None:
    """The LEANER-GLUE average of every model (its cells resume); ``--glue_tasks none`` leaves it out."""
    if not tasks:
        return
    for r in records:
        progress(f"EXP1: LEANER-GLUE of {r['arch']} / {r['variant']} / seed {r['seed']}")
        glue = run_glue(GlueArguments(model=r["folder"], data=a.data, tasks=tasks, preset=a.glue_preset,
                                      seeds=a.glue_seeds, num_train_epochs=a.glue_epochs,
                                      max_train_examples=a.glue_max_train_examples, workers=a.workers,
                                      output_dir=str(out / "glue" / f"{r['arch']}-{r['variant']}-seed{r['seed']}")))
        average = glue["average"].get("validation") or {}
        r["glue"] = {"tasks": average.get("tasks", {}), "average": average.get("best"),
                     "definition": glue["average"]["definition"]}
