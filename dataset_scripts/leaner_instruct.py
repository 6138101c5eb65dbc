"""LEANER-Instruct: plain-language instruction-tuning data.

The release ships ``data/leaner/instruction0000.jsonl`` with records ``{instruction, input, output, hash}``
(``input`` may be empty). Its own splits are train ``[:99%]``, validation ``[98%:99%]`` (inside train) and test
``[99%:]``; here validation is the release's ``[98%:99%]`` and train is ``[:98%]``, so they do not overlap (see
``hf_leaner.data.instructions.release_split``). Our older layout ``data/leaner/instruct/*.jsonl[.zst]`` (split
in the file name) is still read when the release file is absent. Each row carries the rendered ``text``
(the release's ``### TASK INPUT:`` / ``### RESPONSE:`` template) and ``messages`` for trl's conversational format.
"""

from __future__ import annotations

from dataclasses import dataclass

import datasets

from hf_leaner.data.instructions import (SPLITS, iter_release, normalize_record, ours_files, release_files,
                                         render_text, split_of_name)
from hf_leaner.data.release import MissingSourceError, release_root

FEATURES = datasets.Features({
    "instruction": datasets.Value("string"),
    "input": datasets.Value("string"),
    "output": datasets.Value("string"),
    "hash": datasets.Value("string"),
    "text": datasets.Value("string"),
    "messages": [{"role": datasets.Value("string"), "content": datasets.Value("string")}],
})


@dataclass
class LeanerInstructConfig(datasets.BuilderConfig):
    repo_id: str = "EmpathYang/TinyHelen"


class LeanerInstruct(datasets.GeneratorBasedBuilder):
    BUILDER_CONFIG_CLASS = LeanerInstructConfig
    BUILDER_CONFIGS = [LeanerInstructConfig(name="default", version=datasets.Version("2.0.0"),
                                            description="LEANER-Instruct instruction/input/output records.")]
    DEFAULT_CONFIG_NAME = "default"

    def _info(self):
        return datasets.DatasetInfo(description=__doc__, features=FEATURES,
                                    homepage="https://arxiv.org/abs/2501.00522", license="mit")

    @staticmethod
    def source_patterns(cfg) -> list[str]:
        return ["data/leaner/instruction*", "data/leaner/instruct/*"]

    def _split_generators(self, dl_manager):
        root = release_root(self.config.data_dir, self.source_patterns(self.config), self.config.repo_id)
        if release_files(root):
            splits = SPLITS
        else:
            splits = sorted({split_of_name(p.name) for p in ours_files(root)}, key=SPLITS.index)
        if not splits:
            raise MissingSourceError(f"{root / 'data' / 'leaner'}: no LEANER-Instruct files (expected "
                                     "instruction0000.jsonl or instruct/*.jsonl with instruction/input/output records)")
        return [datasets.SplitGenerator(name=s, gen_kwargs={"root": root, "split": s}) for s in splits]

    def _generate_examples(self, root, split):
        for where, rec in iter_release(root, split):
            r = normalize_record(rec, where)
            output = r["output"].strip()
            user = r["instruction"].strip() + (f"\n\n{r['input'].strip()}" if r["input"].strip() else "")
            yield where.rsplit("/", 1)[-1], {
                **r, "text": render_text(r["instruction"], r["input"], r["output"]),
                "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": output}],
            }
