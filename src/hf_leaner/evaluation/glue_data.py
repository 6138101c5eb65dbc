"""LEANER-GLUE tasks as tokenized datasets, and the model to fine-tune on them.

``load_task(task, data)`` reads one task's splits from a release copy (``data/leaner/glue/``);
``encode(ds, tokenizer, task, max_length)`` tokenizes with the tokenizer's own pair encoding;
``load_classifier(source, ...)`` returns a sequence classifier for a folder written by
``hf-leaner pretrain``, a Hub id, or (``from_scratch``) the same config with random weights.

Pair tasks use the tokenizer's template when it has a separator (BERT ``[CLS] A [SEP] B [SEP]``,
XLNet ``A <sep> B <sep> <cls>``); a causal tokenizer has none, so the two texts are joined with its
EOS token. Nothing is padded here: the collator pads each batch to its longest row (dynamic padding).
"""

from __future__ import annotations

from pathlib import Path

import torch
from datasets import Dataset, DatasetDict
from transformers import AutoConfig, AutoModelForSequenceClassification, PreTrainedTokenizerBase

import hf_leaner.models.mamba2_classifier  # noqa: F401  (registers the Mamba2 head with the Auto classes)
from hf_leaner.data.release import LEANER_GLUE
from hf_leaner.data.glue_tasks import GLUE_TASKS
from hf_leaner.data.release import LeanerDataError, MissingSourceError


def resolve_data(data: str | Path | None) -> Path:
    """``sample``/None -> the embedded sample; otherwise a release copy holding ``data/leaner/glue``."""
    from hf_leaner.sample_data import SAMPLE_DIR

    root = SAMPLE_DIR if data in (None, "sample") else Path(data)
    if not (root / "data" / "leaner" / "glue").is_dir():
        raise LeanerDataError(f"--data {data}: no data/leaner/glue folder there (give a TinyHelen release copy)")
    return root


def load_task(task: str, data: str | Path | None) -> DatasetDict | None:
    """The task's splits (``None`` when the release copy has no file for it at all)."""
    from hf_leaner.data.corpora import load_leaner

    if task not in GLUE_TASKS:
        raise LeanerDataError(f"--tasks: unknown task {task!r}; choose from {', '.join(GLUE_TASKS)}")
    try:
        return load_leaner(LEANER_GLUE, task, data_dir=resolve_data(data))
    except MissingSourceError:
        return None


def check_task(task: str, data: str | Path | None, dsd: DatasetDict) -> None:
    """A task with a train split can be scored: some other split has real labels."""
    glue_dir = resolve_data(data) / "data" / "leaner" / "glue"  # an empty file: the builder refuses it ("no rows")
    if "train" in dsd and not labelled_splits(dsd):
        scored = [s for s in dsd if s != "train"]
        split = scored[0] if scored else "validation"
        raise LeanerDataError(f"{glue_dir / f'{task}_{split}.jsonl'}: "
                              + ("every label is -1 (unlabelled test rows)" if scored else "missing")
                              + f"; {task} needs a labelled split to be scored on")


def labelled_splits(dsd: DatasetDict) -> list[str]:
    """Every split but train whose labels are real (GLUE's test files carry -1; LEANER-GLUE's carry labels)."""
    return [s for s in dsd if s != "train" and len(dsd[s]) and min(list(dsd[s]["label"])) >= 0]


def text_fields(ds: Dataset) -> list[str]:
    return [c for c in ds.column_names if c not in ("label", "idx")]


def encode(ds: Dataset, tokenizer: PreTrainedTokenizerBase, max_length: int, static: bool = False) -> Dataset:
    """``input_ids``/``attention_mask``/``labels``/``length``; ``static`` pads every row to ``max_length``
    (what ``run_glue`` does with ``--pad_to_max_length``; the benchmark's baseline)."""
    fields = text_fields(ds)
    joiner = None if tokenizer.sep_token else tokenizer.eos_token  # causal tokenizers: A <eos> B

    def batch(rows):
        a = rows[fields[0]]
        b = rows[fields[1]] if len(fields) > 1 else None
        if b is not None and joiner is not None:
            a, b = [f"{x}{joiner}{y}" for x, y in zip(a, b)], None
        enc = tokenizer(a, b, truncation=True, max_length=max_length,
                        padding="max_length" if static else False)
        enc["length"] = [len(x) for x in enc["input_ids"]]
        enc["labels"] = rows["label"]
        return enc

    return ds.map(batch, batched=True, remove_columns=ds.column_names, desc=None)


def load_tokenizer(source: str) -> PreTrainedTokenizerBase:
    """The model's tokenizer as every command reads it (:func:`hf_leaner.models.tokenizer.load_tokenizer`), with a
    pad token: a folder or Hub id; never remote code."""
    from hf_leaner.models.tokenizer import load_tokenizer as load_model_tokenizer

    tok = load_model_tokenizer(source)
    if tok.pad_token is None:  # classification batches need one; a causal tokenizer's EOS serves
        if tok.eos_token is None:
            raise LeanerDataError(f"{source}: the tokenizer has neither a pad nor an EOS token")
        tok.pad_token = tok.eos_token
    return tok


def load_classifier(source: str, task: str, num_labels: int, tokenizer, from_scratch: bool = False,
                    seed: int = 0) -> torch.nn.Module:
    """A sequence classifier on ``source``'s weights (or its config with random weights); the head is seeded."""
    config = AutoConfig.from_pretrained(source, num_labels=num_labels,
                                        problem_type="regression" if GLUE_TASKS[task].is_regression else "single_label_classification")
    config.pad_token_id = tokenizer.pad_token_id  # pooling finds the last non-pad token by it
    torch.manual_seed(seed)
    if from_scratch:
        return AutoModelForSequenceClassification.from_config(config)
    return AutoModelForSequenceClassification.from_pretrained(source, config=config)
