"""LEANER-Eval: instruction-following questions for tiny LMs, judged by an LLM.

One config per subset of the release (``data/leaner/eval/<subset>.jsonl``): ``all`` and its
parts ``split-0-7``, ``split-7-8``, ``split-8-9``, ``split-9-10``, and ``inner_comparison``.
Each subset has a single ``test`` split of ``{question, source, hash}``.
"""

from __future__ import annotations

from dataclasses import dataclass

import datasets

from hf_leaner.data.release import LeanerDataError, MissingSourceError, iter_records, release_root

SUBSETS = ("all", "split-0-7", "split-7-8", "split-8-9", "split-9-10", "inner_comparison")
FEATURES = datasets.Features({
    "question": datasets.Value("string"),
    "source": datasets.Value("string"),
    "hash": datasets.Value("string"),
})


@dataclass
class LeanerEvalConfig(datasets.BuilderConfig):
    repo_id: str = "EmpathYang/TinyHelen"


class LeanerEval(datasets.GeneratorBasedBuilder):
    BUILDER_CONFIG_CLASS = LeanerEvalConfig
    BUILDER_CONFIGS = [LeanerEvalConfig(name=s, version=datasets.Version("1.0.0"),
                                        description=f"LEANER-Eval questions, subset {s}.") for s in SUBSETS]
    DEFAULT_CONFIG_NAME = "all"

    def _info(self):
        return datasets.DatasetInfo(description=__doc__, features=FEATURES,
                                    homepage="https://arxiv.org/abs/2501.00522", license="mit")

    @staticmethod
    def source_patterns(cfg) -> list[str]:
        return [f"data/leaner/eval/{cfg.name}.jsonl"]

    def _split_generators(self, dl_manager):
        root = release_root(self.config.data_dir, self.source_patterns(self.config), self.config.repo_id)
        path = root / "data" / "leaner" / "eval" / f"{self.config.name}.jsonl"
        if not path.is_file():
            present = sorted(p.stem for p in path.parent.glob("*.jsonl")) if path.parent.is_dir() else []
            raise MissingSourceError(f"{path}: no such file for LEANER-Eval subset '{self.config.name}'; "
                                  f"subsets present: {', '.join(present) or 'none'}")
        return [datasets.SplitGenerator(name=datasets.Split.TEST, gen_kwargs={"path": path})]

    def _generate_examples(self, path):
        for lineno, rec in iter_records(path):
            if not isinstance(rec, dict) or not isinstance(rec.get("question"), str):
                raise LeanerDataError(f"{path}:{lineno}: missing field 'question' (a string)")
            yield f"{lineno}", {"question": rec["question"], "source": rec.get("source"), "hash": rec.get("hash")}
