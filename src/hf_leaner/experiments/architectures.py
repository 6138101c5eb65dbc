"""The paper's architectures experiment (EXP1) at CPU scale: four families, LEANER vs ORIGINAL vs scratch, on GLUE.

    hf-leaner experiment architectures --size 100K --steps 60 --block-size 64 --output outputs/exp1   # minutes, CPU
    hf-leaner experiment architectures --data /path/TinyHelen --data-config leaner-100M-all --size 14M \
        --steps 6100 --batch-size 64 --block-size 256 --glue-preset tinyhelen --output exp1-14M          # GPU

For each family (LLaMA, BERT, XLNet, Mamba2) at one non-embedding parameter budget, the same preset is
pretrained once on LEANER and once on the ORIGINAL text of the same documents, for the same number of
steps x batch x block tokens (equal tokens), with one tokenizer per family trained on both texts so
token counts compare; a third model keeps that config with random weights (the from-scratch
baseline). Each of the three is then fine-tuned on every LEANER-GLUE task that has a train split
(``run_glue``: resumable cells). Pretraining is skipped when its folder is complete, so a rerun only
does what is missing. Output: ``architectures.json``, the table (``architectures.md``) and a PNG.
"""

from __future__ import annotations

import json
from pathlib import Path

from hf_leaner.curriculum.trainer import CurriculumConfig
from hf_leaner.data.glue_tasks import DEFAULT_TASKS
from hf_leaner.evaluation.glue import GlueArguments, run_glue
from hf_leaner.experiments.architectures_config import ArchitecturesArguments
from hf_leaner.experiments.zero_shot_columns import OWN
from hf_leaner.models import OBJECTIVE
from hf_leaner.utils.parallel import run_parallel
from hf_leaner.utils.tables import text_table
from hf_leaner.train.pretrain import PretrainArguments, load_corpus, pretrain

VARIANTS = ("leaner", "original", "scratch")


def _tokenizer(out: Path, arch: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(out / arch / "tokenizer")


def _data_config(a: ArchitecturesArguments, variant: str) -> str:
    """The LEANER or ORIGINAL side of ``a.data_config`` (same size and genre)."""
    return f"{variant}-{a.data_config.split('-', 1)[1]}"


def _corpus(a: ArchitecturesArguments, variant: str):
    return load_corpus(PretrainArguments(data=a.data, data_config=_data_config(a, variant), on_corrupt=a.on_corrupt))


def _pretrain_in_worker(run: tuple) -> dict:
    a, arch, variant = run
    if _done(Path(a.output_dir) / arch / variant):  # no corpus to load
        return _pretrain_one(a, arch, variant, None, None)
    return _pretrain_one(a, arch, variant, _corpus(a, variant), _tokenizer(Path(a.output_dir), arch))


def _done(folder: Path) -> bool:
    return (folder / "hf_leaner_summary.json").is_file()


def _pretrain_one(a: ArchitecturesArguments, arch: str, variant: str, corpus, tokenizer) -> dict:
    out = Path(a.output_dir) / arch / variant
    if _done(out):  # done in an earlier run
        return json.loads((out / "hf_leaner_summary.json").read_text())
    pargs = PretrainArguments(arch=arch, size=a.model_size, data=a.data, data_config=_data_config(a, variant),
                              on_corrupt=a.on_corrupt,
                              vocab_size=a.vocab_size, block_size=a.block_size, max_eval_documents=50)
    args = CurriculumConfig(output_dir=str(out), max_steps=a.steps, per_device_train_batch_size=a.batch_size,
                            learning_rate=a.learning_rate, lr_scheduler_type="cosine", warmup_steps=max(1, a.steps // 20),
                            weight_decay=0.01, pacing="none", difficulty="random", save_strategy="no", report_to=[],
                            seed=a.seed, disable_tqdm=True, logging_steps=a.steps)  # one log line per run
    summary = pretrain(pargs, args, corpus=corpus, tokenizer=tokenizer)
    summary.pop("trainer")
    return summary


def run_architectures(a: ArchitecturesArguments, progress=print) -> dict:
    from datasets import concatenate_datasets

    from hf_leaner.evaluation.glue_data import load_task
    from hf_leaner.models.tokenizer import train_tokenizer

    out = Path(a.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    corpora = {v: _corpus(a, v) for v in ("leaner", "original")}
    tasks = a.glue_tasks or [t for t in DEFAULT_TASKS if (d := load_task(t, a.data)) is not None and "train" in d]
    for arch in a.families:
        tok_dir = out / arch / "tokenizer"
        if not (tok_dir / "tokenizer.json").is_file():
            both = concatenate_datasets([corpora[v]["train"] for v in corpora])
            train_tokenizer(iter(both["text"]), OBJECTIVE[arch], vocab_size=a.vocab_size,
                            model_max_length=max(a.block_size, 1024)).save_pretrained(tok_dir)
    # the pretraining runs are independent: in worker processes when there are several cores
    runs = [(a, arch, variant) for arch in a.families for variant in ("leaner", "original")]
    if a.workers > 1:
        finished = run_parallel(runs, _pretrain_in_worker, a.workers)
    else:
        finished = ((run, _pretrain_one(*run, corpora[run[2]], _tokenizer(out, run[1]))) for run in runs)
    summaries = {}
    for (_, arch, variant), summary in finished:
        summaries[arch, variant] = summary
        progress(f"EXP1: pretrained {arch} on {variant.upper()}: validation loss "
                 f"{summary['eval'].get('eval_loss', float('nan')):.3f}")
    rows = {}
    for arch in a.families:
        for variant in VARIANTS:
            folder = out / arch / ("leaner" if variant == "scratch" else variant)
            summary = summaries[arch, "leaner" if variant == "scratch" else variant]
            progress(f"EXP1: LEANER-GLUE of {arch} / {variant}")
            glue = run_glue(GlueArguments(model=str(folder), from_scratch=variant == "scratch", data=a.data, tasks=tasks,
                                          preset=a.glue_preset, seeds=a.glue_seeds, num_train_epochs=a.glue_epochs,
                                          max_train_examples=a.glue_max_train_examples, workers=a.workers,
                                          output_dir=str(out / "glue" / f"{arch}-{variant}")))
            avg = glue["average"].get("validation") or {}
            rows[f"{arch}/{variant}"] = {
                "arch": arch, "variant": variant, "non_embedding_parameters": summary["non_embedding_parameters"],
                "pretrain_tokens": 0 if variant == "scratch" else summary["tokens_seen"],
                "val_loss": None if variant == "scratch" else summary["eval"].get("eval_loss"),
                "tasks": avg.get("tasks", {}), "average": avg.get("best"),
                "average_over_seeds": avg.get("over_seeds")}
    suites = _zero_shot(a, rows, corpora, out)
    result = {"rows": rows, "tasks": tasks, "settings": a.__dict__, "zero_shot_suites": suites,
              "average_definition": glue["average"]["definition"] if rows else None}
    (out / "architectures.json").write_text(json.dumps(result, indent=1))
    (out / "architectures.md").write_text(format_architectures(result) + "\n")
    plot_architectures(result, out / "architectures.png")
    return result


def _zero_shot(a: ArchitecturesArguments, rows: dict, corpora: dict, out: Path) -> list[str]:
    """Minimal-pair accuracy of each pretrained model, and of its config untrained (the scratch row); ``own`` pairs
    use only the words both arms were trained on, so neither corpus is favoured by the test's vocabulary."""
    from hf_leaner.evaluation.pair_templates import generate_minimal_pairs, vocabulary_from_texts

    from .zero_shot_columns import score_models, zero_shot_suites

    if a.zero_shot == ["none"]:
        return []
    vocabulary = None
    if OWN in a.zero_shot:
        counts = [vocabulary_from_texts(corpora[v]["train"]["text"]) for v in ("leaner", "original")]
        vocabulary = {w: n for w, n in counts[0].items() if w in counts[1]}
        if not generate_minimal_pairs(vocabulary, 1)[0]:  # the embedded sample's two sides share too few words
            print(f"EXP1: own pairs: the {len(vocabulary)} words both arms saw fill no paradigm; using the LEANER "
                  "vocabulary (favours the LEANER arm)")
            vocabulary = counts[0]
    suites, data = zero_shot_suites(a.zero_shot, None, out / "zero_shot", vocabulary=vocabulary)
    models = {key: str(out / r["arch"] / r["variant"]) for key, r in rows.items() if r["variant"] != "scratch"}
    scores = score_models(models, suites, data, out / "zero_shot", a.zero_shot_pairs)
    # one untrained model per family: both arms share the family's config and tokenizer, so one floor serves both
    scores.update(score_models({k: p for k, p in models.items() if k.endswith("/leaner")}, suites, data,
                               out / "zero_shot" / "untrained", a.zero_shot_pairs, untrained=True))
    for key, r in rows.items():
        label = f"{r['arch']}/leaner-untrained" if r["variant"] == "scratch" else key
        r["zero_shot"] = {suite: scores[label][suite] for suite in suites}
    return suites


def format_architectures(result: dict) -> str:
    tasks, suites = result["tasks"], result.get("zero_shot_suites", [])
    body = []
    for r in result["rows"].values():
        body.append([r["arch"], r["variant"].upper() if r["variant"] != "scratch" else "scratch",
                     f"{r['non_embedding_parameters']:,}", f"{r['pretrain_tokens']:,}",
                     f"{r['val_loss']:.3f}" if r["val_loss"] is not None else "-"]
                    + [f"{100 * r['tasks'][t]:.1f}" if t in r["tasks"] else "-" for t in tasks]
                    + [f"{100 * r['average']:.1f}" if r["average"] is not None else "-"]
                    + [_pct(r["zero_shot"][s][k]) for s in suites for k in ("accuracy", "leaner")])
    head = (["family", "pretrained on", "non-emb params", "tokens", "val loss"] + tasks + ["average"]
            + [h for s in suites for h in (f"{s} %", f"{s} LEANER view %")])
    return (text_table(head, body, numbers_right=True) + f"\nGLUE validation scores x100; average = "
            f"{result['average_definition']}." + (f" {', '.join(suites)}: zero-shot minimal-pair accuracy (ties half, "
                                                  "chance 50); scratch = the same config untrained." if suites else ""))


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def plot_architectures(result: dict, path: Path) -> Path:
    from hf_leaner.train.plots import plt

    archs = list(dict.fromkeys(r["arch"] for r in result["rows"].values()))
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(VARIANTS)
    for i, variant in enumerate(VARIANTS):
        vals = [100 * (result["rows"].get(f"{a}/{variant}", {}).get("average") or 0) for a in archs]
        ax.bar([x + i * width for x in range(len(archs))], vals, width, label=variant.upper() if variant != "scratch"
               else "from scratch")
    ax.set_xticks([x + width for x in range(len(archs))], archs)
    ax.set_ylabel("LEANER-GLUE validation average (x100)")
    ax.set_title("EXP1: architectures, pretrained on LEANER vs ORIGINAL vs scratch")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
