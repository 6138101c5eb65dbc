"""Algorithm 1 end to end: one datatrove pipeline, run by any datatrove executor, then the release writer.

    >>> cfg = SimplifyConfig(data_dir="TinyHelen", output_dir="out", genres=("wiki",), backend="lexical")
    >>> summary = run_simplify(cfg)          # local executor; build_pipeline(cfg) for Slurm or Ray

Work state lives in ``OUT/.simplify/``: ``results/`` (one line per finished document, appended as it
finishes) and ``logs/`` (datatrove's stats and logs). A rerun skips finished documents, so a run killed
at any point and launched again ends with every source document exactly once, rewritten or failed. A
document that failed because the endpoint did not answer is tried again by the next run; one that failed a
check stays failed unless the settings that decided it changed (``SimplifyConfig.decision_id``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hf_leaner.data.release import GENRES

from .chunking import ChunkStep
from .documents import OriginalReader
from .release_writer import write_release
from .steps import ResultWriter, RewriteStep, SkipDone, ValidateStep
from .validate import ValidationConfig


@dataclass
class SimplifyConfig:
    data_dir: str
    output_dir: str
    size: str = "10M"
    split: str = "validation"
    genres: tuple[str, ...] = GENRES
    limit: int | None = None            # first N documents per genre
    backend: str = "lexical"            # a name in simplify.backends.BACKENDS: lexical | openai | transformers
    backend_kwargs: dict = field(default_factory=dict)  # openai: base_url, model, max_concurrency, cache_dir...
    workers: int = 1
    tasks: int | None = None            # datatrove tasks (default: one per worker)
    chunk_budget: int | None = None     # tokens per chunk (default: per genre)
    batch_documents: int = 8            # documents whose chunks go to the backend together
    max_attempts: int = 2               # rewrites per chunk when a check or the answer's format fails
    meaning_check: bool = True
    validation: ValidationConfig = field(default_factory=ValidationConfig)

    @property
    def work_dir(self) -> Path:
        return Path(self.output_dir) / ".simplify"

    @property
    def decision_id(self) -> str:
        """What decides whether a rewrite passes: the backend and model, the prompt, the chunks, the checks. A
        document that failed a check under these settings is final; under other settings it is tried again."""
        backend = {k: v for k, v in self.backend_kwargs.items()  # not where or how fast it is asked
                   if k not in ("base_url", "max_concurrency", "max_retries", "timeout_s", "cache_dir")}
        blob = json.dumps({"backend": self.backend, "kwargs": backend, "chunk_budget": self.chunk_budget,
                           "max_attempts": self.max_attempts, "meaning_check": self.meaning_check,
                           "validation": asdict(self.validation)}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def build_pipeline(cfg: SimplifyConfig) -> list:
    spec = (cfg.backend, cfg.backend_kwargs)
    results = str(cfg.work_dir / "results")
    return [
        OriginalReader(cfg.data_dir, cfg.size, cfg.split, cfg.genres, cfg.limit),
        SkipDone(results, cfg.decision_id),
        ChunkStep(cfg.chunk_budget),
        RewriteStep(spec, cfg.batch_documents),
        ValidateStep(spec, cfg.validation, cfg.max_attempts, cfg.meaning_check, cfg.batch_documents),
        ResultWriter(results, cfg.decision_id),
    ]


def run_simplify(cfg: SimplifyConfig) -> dict:
    """Runs the pipeline on the local executor, then writes the release layout; returns the counts."""
    from datatrove.executor import LocalPipelineExecutor

    tasks = cfg.tasks or cfg.workers
    OriginalReader(cfg.data_dir, cfg.size, cfg.split, cfg.genres).source_files()  # bad input fails before work
    executor = LocalPipelineExecutor(pipeline=build_pipeline(cfg), tasks=tasks, workers=cfg.workers,
                                     logging_dir=str(cfg.work_dir / "logs" / f"tasks-{tasks}"),
                                     skip_completed=False)  # SkipDone resumes per document instead
    executor.run()
    return write_release(cfg.output_dir, cfg.work_dir / "results")
