"""LEANER-GLUE: GLUE's tasks with simplified sentences and GLUE's own labels (the configs below are the tasks built).

One config per task, with GLUE's features: class names for the classification tasks, a float score
for STS-B, and MNLI's matched/mismatched evaluation splits. Test labels are -1, as in GLUE.
Files: ``data/leaner/glue/<task>_<split>.jsonl``; a split with no file is simply absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import datasets

from hf_leaner.data.glue_tasks import GLUE_TASKS
from hf_leaner.data.release import LeanerDataError, MissingSourceError, iter_records, release_root

@dataclass
class LeanerGlueConfig(datasets.BuilderConfig):
    text_fields: tuple = ()
    label_names: list | None = field(default=None)
    repo_id: str = "EmpathYang/TinyHelen"


def task_features(task: str) -> datasets.Features:
    """GLUE's features for ``task``, from the task table (:mod:`hf_leaner.data.glue_tasks`)."""
    t = GLUE_TASKS[task]
    feats = {f: datasets.Value("string") for f in t.text_fields}
    feats["label"] = datasets.Value("float32") if t.is_regression else datasets.ClassLabel(names=list(t.label_names))
    feats["idx"] = datasets.Value("int32")
    return datasets.Features(feats)


class LeanerGlue(datasets.GeneratorBasedBuilder):
    BUILDER_CONFIG_CLASS = LeanerGlueConfig
    BUILDER_CONFIGS = [
        LeanerGlueConfig(name=t.name, text_fields=t.text_fields,
                         label_names=None if t.is_regression else list(t.label_names), version=datasets.Version("1.1.0"),
                         description=f"GLUE {t.name.upper()}, rewritten in plain language, labels preserved.")
        for t in GLUE_TASKS.values()
    ]
    DEFAULT_CONFIG_NAME = "cola"

    def _info(self):
        return datasets.DatasetInfo(description=__doc__, features=task_features(self.config.name),
                                    homepage="https://arxiv.org/abs/2501.00522", license="mit")

    @staticmethod
    def source_patterns(cfg) -> list[str]:
        return [f"data/leaner/glue/{cfg.name}_*"]

    def _split_generators(self, dl_manager):
        task = self.config.name
        root = release_root(self.config.data_dir, self.source_patterns(self.config), self.config.repo_id)
        glue_dir = root / "data" / "leaner" / "glue"
        splits = GLUE_TASKS[task].splits
        gens = [datasets.SplitGenerator(name=s, gen_kwargs={"path": glue_dir / f"{task}_{s}.jsonl"})
                for s in splits if (glue_dir / f"{task}_{s}.jsonl").is_file()]
        for gen in gens:  # datasets would only say 'Instruction "train" corresponds to no data'
            path = gen.gen_kwargs["path"]
            if not path.read_bytes().strip():
                raise LeanerDataError(f"{path}: no rows (an empty {gen.name} file; remove it or fill it)")
        if not gens:
            present = sorted(p.name for p in glue_dir.glob("*.jsonl")) if glue_dir.is_dir() else []
            raise MissingSourceError(f"{glue_dir}: no files for GLUE task '{task}' (expected {task}_<split>.jsonl "
                                  f"for split in {', '.join(splits)}); present: {', '.join(present) or 'none'}")
        return gens

    def _generate_examples(self, path):
        feats = task_features(self.config.name)
        seen = {}  # idx -> line: predictions are matched to labels by idx, so one idx is one example
        for lineno, rec in iter_records(path):
            where = f"{path}:{lineno}"
            if isinstance(rec, dict) and "idx" in rec:
                if rec["idx"] in seen:
                    raise LeanerDataError(f"{where}: idx {rec['idx']!r} again (first at line {seen[rec['idx']]})")
                seen[rec["idx"]] = lineno
            missing = [k for k in feats if k not in rec]
            if missing:
                raise LeanerDataError(f"{where}: missing field(s) {', '.join(missing)} for GLUE task "
                                      f"'{self.config.name}'")
            label = rec["label"]
            if isinstance(feats["label"], datasets.ClassLabel) and label != -1 and not (
                    isinstance(label, int) and not isinstance(label, bool) and 0 <= label < feats["label"].num_classes):
                raise LeanerDataError(f"{where}: field 'label' = {label!r} is not a class of "
                                      f"{feats['label'].names} (or -1 for unlabeled test rows)")
            if not isinstance(feats["label"], datasets.ClassLabel) and label != -1 and not (
                    isinstance(label, (int, float)) and not isinstance(label, bool) and 0 <= label <= 5):
                # NaN fails the range test too: one NaN label made every prediction NaN, scored as Pearson 0.0
                raise LeanerDataError(f"{where}: field 'label' = {label!r} is not a similarity score from 0 to 5 "
                                      "(or -1 for unlabeled test rows)")
            yield f"{path.name}:{lineno}", {k: rec[k] for k in feats}
