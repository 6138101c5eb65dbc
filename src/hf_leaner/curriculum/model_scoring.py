"""Model-based difficulty: the mean token loss of each document under a model (self-loss, LM-loss).

Documents are cut into chunks of at most the training block size; chunk ``j`` is scored by process
``j mod world_size`` and the per-document sums are reduced through accelerate, so every process ends with
the same scores whatever the backend. MLM masks and PLM permutations are drawn per chunk from a seed that
depends only on the run's seed and the chunk, so 1 and 2 processes score alike; the global RNG is left
exactly as it was (scoring happens mid-run, and the training stream must not notice it).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import torch

from .fingerprint import vocab_digest
from .scoring import Documents


@contextlib.contextmanager
def isolated_rng(seed: int, device: torch.device | None = None):
    """Run a block under a fixed torch seed without disturbing the caller's RNG streams."""
    devices = [device] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@torch.no_grad()
def sequence_losses(model, batch: dict, objective: str) -> torch.Tensor:
    """Per-row (summed loss, label count) for a collated batch, for any of the three objectives."""
    labels = batch.pop("labels")
    logits = model(**batch).logits.float()
    if objective == "clm":
        logits, labels = logits[:, :-1], labels[:, 1:]
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1),
                                             ignore_index=-100, reduction="none").view(labels.shape)
    mask = labels != -100
    return torch.stack([(loss * mask).sum(-1), mask.sum(-1).float()], dim=-1)


def _chunks(docs: Documents, block: int, objective: str) -> list[tuple[int, np.ndarray]]:
    chunks = []
    for d, ids in enumerate(docs.token_ids):
        ids = np.asarray(ids, dtype=np.int64)
        for s in range(0, max(len(ids), 1), block - 2):
            piece = ids[s:s + block - 2]
            if objective == "plm" and len(piece) % 2:  # XLNet's permutation LM needs even lengths
                piece = piece[:-1]
            if len(piece) >= 2:
                chunks.append((d, piece))
    return chunks


def _causal_batch(pieces: list[np.ndarray], with_mask: bool) -> dict:
    width = max(len(p) for p in pieces)
    ids = torch.zeros(len(pieces), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, p in enumerate(pieces):
        ids[r, :len(p)] = torch.from_numpy(p)
        mask[r, :len(p)] = 1
    batch = {"input_ids": ids, "labels": ids.masked_fill(mask == 0, -100)}
    if with_mask:
        batch["attention_mask"] = mask
    return batch


def _masked_batch(chunks, members: list[int], collator, seed: int) -> dict:
    """Collate equal-length chunks one by one, each under its own seed, then stack."""
    parts = []
    for j in members:
        with isolated_rng(seed * 1_000_003 + j):
            parts.append(collator([{"input_ids": torch.from_numpy(chunks[j][1])}]))
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def document_losses(docs: Documents, model, objective: str, *, accelerator, collator, block_size: int,
                    batch_size: int, seed: int) -> np.ndarray:
    """Mean token loss of every document under ``model`` (no grad, batched, shared out over processes)."""
    chunks = _chunks(docs, block_size, objective)
    rank, world = accelerator.process_index, accelerator.num_processes
    mine = sorted(range(rank, len(chunks), world), key=lambda j: (len(chunks[j][1]), j))
    totals = torch.zeros(len(docs), 2, dtype=torch.float64)
    device = next(model.parameters()).device
    with_mask = getattr(getattr(model, "config", None), "model_type", "") != "mamba2"
    was_training = model.training
    model.eval()
    try:
        i = 0
        while i < len(mine):
            members = [mine[i]]
            width = len(chunks[mine[i]][1])
            while (len(members) < batch_size and i + len(members) < len(mine)
                   and (objective == "clm" or len(chunks[mine[i + len(members)]][1]) == width)):
                members.append(mine[i + len(members)])
            i += len(members)
            batch = (_causal_batch([chunks[j][1] for j in members], with_mask) if objective == "clm"
                     else _masked_batch(chunks, members, collator, seed))
            rows = sequence_losses(model, {k: v.to(device) for k, v in batch.items()}, objective).double().cpu()
            for j, row in zip(members, rows):
                totals[chunks[j][0]] += row
    finally:
        model.train(was_training)
    if world > 1:
        totals = accelerator.reduce(totals.to(accelerator.device), reduction="sum").cpu()
    totals = totals.numpy()
    return totals[:, 0] / np.maximum(totals[:, 1], 1)


def load_reference_model(name_or_path: str, tokenizer, device):
    """A causal LM for LM-loss difficulty (a folder or Hub id; never remote code), checked to share the tokenizer."""
    from transformers import AutoModelForCausalLM

    reference = AutoModelForCausalLM.from_pretrained(name_or_path)
    theirs = reference.get_input_embeddings().num_embeddings
    has_tokenizer = Path(name_or_path, "tokenizer.json").is_file()
    if theirs < len(tokenizer) or (has_tokenizer and vocab_digest(name_or_path) != vocab_digest(tokenizer)):
        raise ValueError(f"reference_model {name_or_path}: its vocabulary ({theirs} embeddings) is not this run's "
                         f"tokenizer ({len(tokenizer)} tokens); LM-loss difficulty needs a model trained with the same "
                         "tokenizer")
    return reference.to(device)
