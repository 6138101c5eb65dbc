"""The GLUE task table: the one place that says what each task is (no torch, no datasets).

    >>> GLUE_TASKS["mrpc"].label_names
    ('not_equivalent', 'equivalent')

Everything that needs a task's facts reads them here: the LEANER-GLUE dataset builder (features, splits),
HARE's benchmark builder (fields, the judge's question and answer words), GLUE evaluation (metrics, number of
labels, the TinyHelen recipe's epochs) and the command line (``TASKS`` for choices). Label names are GLUE's
own, in GLUE's order (label id = position). To add a task, :func:`register_task` one more :class:`GlueTask`.
"""

from __future__ import annotations

from dataclasses import dataclass

PLAIN_SPLITS = ("train", "validation", "test")
MNLI_SPLITS = ("train", "validation_matched", "validation_mismatched", "test_matched", "test_mismatched")


@dataclass(frozen=True)
class GlueTask:
    """One GLUE task.

    ``label_names`` is None for a regression task (STS-B's 0-5 similarity). ``metrics`` are GLUE's (their mean
    is the task's GLUE score); ``babylm_metric`` is the one the BabyLM 2025 average uses. ``epochs`` is the
    TinyHelen recipe's per-task fine-tuning epochs (None: the recipe does not run the task). ``judge_question``
    is what HARE's judge is asked about a rewritten example; it answers with one of ``label_names``.
    """

    name: str
    text_fields: tuple[str, ...]
    label_names: tuple[str, ...] | None
    metrics: tuple[str, ...]
    judge_question: str
    babylm_metric: str = "accuracy"
    epochs: int | None = None
    splits: tuple[str, ...] = PLAIN_SPLITS

    @property
    def is_regression(self) -> bool:
        return self.label_names is None

    @property
    def num_labels(self) -> int:
        """The classifier head's width: one output for regression, else one per class."""
        return 1 if self.label_names is None else len(self.label_names)


GLUE_TASKS: dict[str, GlueTask] = {}


def register_task(task: GlueTask) -> GlueTask:
    """Add (or replace) a task in the table; every reader of the table sees it."""
    GLUE_TASKS[task.name] = task
    return task


_NLI = "Does the first text make the second true (entailment) or not (not_entailment)?"
for _task in (
    GlueTask("cola", ("sentence",), ("unacceptable", "acceptable"), ("matthews_correlation",),
             "Is this sentence grammatical English?", babylm_metric="matthews_correlation", epochs=30),
    GlueTask("sst2", ("sentence",), ("negative", "positive"), ("accuracy",),
             "Is the feeling of this movie review negative or positive?", epochs=2),
    GlueTask("mrpc", ("sentence1", "sentence2"), ("not_equivalent", "equivalent"), ("f1", "accuracy"),
             "Do the two sentences say the same thing (equivalent) or not (not_equivalent)?",
             babylm_metric="f1", epochs=15),
    GlueTask("qqp", ("question1", "question2"), ("not_duplicate", "duplicate"), ("f1", "accuracy"),
             "Do the two questions ask the same thing (duplicate) or not (not_duplicate)?",
             babylm_metric="f1", epochs=3),
    GlueTask("stsb", ("sentence1", "sentence2"), None, ("pearson", "spearmanr"),
             "How similar are the two sentences in meaning, from 0 (not at all) to 5 (the same)?",
             babylm_metric="pearson", epochs=30),
    GlueTask("mnli", ("premise", "hypothesis"), ("entailment", "neutral", "contradiction"), ("accuracy",),
             "Does the first text make the second true (entailment), leave it open (neutral), or make it false "
             "(contradiction)?", epochs=3, splits=MNLI_SPLITS),
    GlueTask("qnli", ("question", "sentence"), ("entailment", "not_entailment"), ("accuracy",),
             "Does the sentence answer the question (entailment) or not (not_entailment)?", epochs=3),
    GlueTask("rte", ("sentence1", "sentence2"), ("entailment", "not_entailment"), ("accuracy",), _NLI, epochs=25),
    GlueTask("wnli", ("sentence1", "sentence2"), ("not_entailment", "entailment"), ("accuracy",), _NLI),
):
    register_task(_task)
del _task

TASKS = tuple(GLUE_TASKS)  # GLUE's nine, in GLUE's order, as LEANER-GLUE has them
DEFAULT_TASKS = tuple(t for t in TASKS if t != "wnli")  # what evaluation runs unless told: WNLI is adversarial


def glue_task(name: str) -> GlueTask:
    """The task called ``name``, or a ValueError that lists the known ones."""
    try:
        return GLUE_TASKS[name]
    except KeyError:
        raise ValueError(f"GLUE task {name!r}: choose one of {', '.join(GLUE_TASKS)}") from None
