"""What a curriculum run is, in a few lines: saved in every checkpoint, compared when a run resumes from one.

A resume that silently continued a different run (other data, tokenizer, model, curriculum settings, or
another number of samples per step, which moves every recorded position) would describe the wrong data in
its metadata and feed examples that no uninterrupted run would have. Comparing these lines refuses it,
naming what differs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np


def vocab_digest(tokenizer_or_folder) -> str:
    """sha256 of a tokenizer's vocabulary (a tokenizer object, or a folder holding ``tokenizer.json``)."""
    if isinstance(tokenizer_or_folder, (str, Path)):
        from transformers import PreTrainedTokenizerFast

        tokenizer_or_folder = PreTrainedTokenizerFast(tokenizer_file=str(Path(tokenizer_or_folder, "tokenizer.json")))
    return hashlib.sha256(repr(sorted(tokenizer_or_folder.get_vocab().items())).encode()).hexdigest()


def run_fingerprint(trainer) -> dict:
    a, docs = trainer.args, trainer.curriculum_train_documents
    data = hashlib.sha256()
    for ids in docs.token_ids:
        data.update(np.asarray(ids, dtype=np.int32).tobytes() + b"|")
    model = trainer.model
    params = sum(p.numel() for p in model.parameters())
    # the folded order's reading changed (windows shuffled): checkpoints of sorted sweeps refuse to resume
    folds = f"{a.folds} in shuffled difficulty windows" if a.folds else a.folds
    return {"data": f"{len(docs)} training documents, sha256 {data.hexdigest()[:16]}",
            "tokenizer": f"{len(trainer.processing_class)} tokens, sha256 {vocab_digest(trainer.processing_class)[:16]}",
            "model": f"{getattr(model.config, 'model_type', type(model).__name__)}, {params} parameters",
            "curriculum": f"difficulty={a.difficulty}{' (reversed)' if a.difficulty_reverse else ''}, pacing={a.pacing}, "
                          f"start={a.start_fraction}, increment={a.increment}, max={a.max_fraction}, pacing span="
                          f"{a.pacing_start}-{a.pacing_end}/{a.pacing_steps}, folds={folds}, vocabulary={a.vocab_curriculum}, "
                          f"seed={a.seed}/{a.data_seed}",
            "samples per step": str(trainer.samples_per_step)}


def check_resume(saved: dict, now: dict, checkpoint) -> None:
    for key, value in saved.items():
        if now.get(key) != value:
            raise ValueError(f"cannot resume from {checkpoint}: its {key} differs from this run's "
                             f"(checkpoint: {value}; now: {now.get(key)})")
