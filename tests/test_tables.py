"""One home for each table: every reader of a GLUE task's labels agrees with the task table, and the curriculum's
scorer registry is the one list that ``--difficulty``'s choices and help come from."""

import pytest

from hf_leaner.data.glue_tasks import GLUE_TASKS

CLASSIFICATION = [t.name for t in GLUE_TASKS.values() if not t.is_regression]


def _builder_labels(task):
    from hf_leaner.dataset_scripts import BUILDERS
    from hf_leaner.dataset_scripts.leaner_glue import task_features

    config = next(c for c in BUILDERS["leaner-glue"].BUILDER_CONFIGS if c.name == task)
    assert list(config.label_names) == task_features(task)["label"].names
    return tuple(task_features(task)["label"].names)


def _judge_labels(task):
    """The answer words HARE's judge is offered, and the label each one parses back to."""
    from hf_leaner.hare.benchmarks import judge_messages, parse_label

    prompt = judge_messages(task, {f: "x" for f in GLUE_TASKS[task].text_fields})[0]["content"]
    offered = tuple(prompt.rsplit("Answer with ", 1)[1].removesuffix(" only.").split(" or "))
    assert [parse_label(task, name) for name in offered] == list(range(len(offered)))
    return offered


def _evaluation_labels(task):
    from hf_leaner.evaluation.glue_config import id2label

    return tuple(id2label(task)[i] for i in range(len(id2label(task))))


@pytest.mark.parametrize("task", CLASSIFICATION)
def test_label_names_agree_wherever_read(task):
    table = GLUE_TASKS[task].label_names
    assert _builder_labels(task) == table
    assert _judge_labels(task) == table
    assert _evaluation_labels(task) == table


def test_mrpc_uses_glue_label_names():
    assert GLUE_TASKS["mrpc"].label_names == ("not_equivalent", "equivalent")
    assert _builder_labels("mrpc") == _judge_labels("mrpc") == _evaluation_labels("mrpc")


def test_derived_views_follow_the_table():
    from hf_leaner.evaluation import TASKS
    from hf_leaner.evaluation.glue_config import PRESETS
    from hf_leaner.evaluation.glue_metrics import METRICS, REGRESSION

    assert TASKS == tuple(GLUE_TASKS)
    assert METRICS == {t.name: t.metrics for t in GLUE_TASKS.values()}
    assert REGRESSION == {"stsb"}
    assert PRESETS["tinyhelen"]["epochs"]["rte"] == GLUE_TASKS["rte"].epochs == 25


def test_a_registered_scorer_is_in_difficulty_help_and_choices(tmp_path):
    import numpy as np
    from transformers import HfArgumentParser

    from hf_leaner.curriculum import SCORERS, CurriculumConfig, register_scorer

    name = "test_tables_scorer"

    @register_scorer(name)
    def _scorer(docs, trainer=None):
        return np.zeros(len(docs))

    try:
        parser = HfArgumentParser((CurriculumConfig,))
        assert name in parser.format_help()
        (config,) = parser.parse_args_into_dataclasses(["--difficulty", name, "--output_dir", str(tmp_path)])
        assert config.difficulty == name
        with pytest.raises(SystemExit):
            parser.parse_args_into_dataclasses(["--difficulty", "no_such_scorer", "--output_dir", str(tmp_path)])
    finally:
        SCORERS.pop(name, None)


def test_pacing_shapes_and_backends_are_registries():
    from hf_leaner.curriculum.pacing import PACINGS, SHAPES, register_pacing, shape_value, PACING_SHAPES
    from hf_leaner.simplify.backends import BACKENDS, backends_help

    @register_pacing("test_tables_cubic")
    def _cubic(t, steps, sharpness):
        return t ** 3

    try:
        assert "test_tables_cubic" in SHAPES and "test_tables_cubic" in PACINGS
        assert shape_value("test_tables_cubic", 0.5) == 0.125
    finally:
        PACING_SHAPES.pop("test_tables_cubic")
    assert list(BACKENDS) == ["lexical", "openai", "transformers"]
    assert all(f"{n}: " in backends_help() for n in BACKENDS)
