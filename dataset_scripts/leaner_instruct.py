"""LEANER-Instruct: plain-language instruction-tuning data.

Files: ``data/leaner/instruct/*.jsonl[.zst]`` with records ``{instruction, input, output}`` (``input`` may
be empty or absent). The split comes from the file name (``train``, ``validation`` or ``test`` in it;
otherwise ``train``). Each row also carries the rendered ``text`` for plain causal-LM tuning and
``messages`` (user/assistant turns) for trl's ``SFTTrainer`` conversational format.
"""

from __future__ import annotations

from dataclasses import dataclass

import datasets

from hf_leaner.data.release import LeanerDataError, MissingSourceError, iter_records, release_root

FEATURES = datasets.Features({
    "instruction": datasets.Value("string"),
    "input": datasets.Value("string"),
    "output": datasets.Value("string"),
    "text": datasets.Value("string"),
    "messages": [{"role": datasets.Value("string"), "content": datasets.Value("string")}],
})
PROMPT_TEMPLATE = "Instruction: {instruction}\n{input_block}Answer: "


def render_prompt(instruction: str, input_text: str = "") -> str:
    input_block = f"Input: {input_text.strip()}\n" if input_text and input_text.strip() else ""
    return PROMPT_TEMPLATE.format(instruction=instruction.strip(), input_block=input_block)


def split_of(name: str) -> str:
    for split in ("validation", "test", "train"):
        if split in name:
            return split
    return "train"


@dataclass
class LeanerInstructConfig(datasets.BuilderConfig):
    repo_id: str = "EmpathYang/TinyHelen"


class LeanerInstruct(datasets.GeneratorBasedBuilder):
    BUILDER_CONFIG_CLASS = LeanerInstructConfig
    BUILDER_CONFIGS = [LeanerInstructConfig(name="default", version=datasets.Version("1.0.0"),
                                            description="LEANER-Instruct instruction/input/output records.")]
    DEFAULT_CONFIG_NAME = "default"

    def _info(self):
        return datasets.DatasetInfo(description=__doc__, features=FEATURES,
                                    homepage="https://arxiv.org/abs/2501.00522", license="mit")

    @staticmethod
    def source_patterns(cfg) -> list[str]:
        return ["data/leaner/instruct/*"]

    def _split_generators(self, dl_manager):
        root = release_root(self.config.data_dir, self.source_patterns(self.config), self.config.repo_id)
        folder = root / "data" / "leaner" / "instruct"
        files = sorted(p for p in folder.glob("*") if p.name.endswith((".jsonl", ".jsonl.zst"))) \
            if folder.is_dir() else []
        if not files:
            raise MissingSourceError(f"{folder}: no LEANER-Instruct files (expected *.jsonl or *.jsonl.zst with "
                                  "instruction/input/output records)")
        by_split: dict[str, list] = {}
        for f in files:
            by_split.setdefault(split_of(f.name), []).append(f)
        return [datasets.SplitGenerator(name=s, gen_kwargs={"paths": p}) for s, p in by_split.items()]

    def _generate_examples(self, paths):
        for path in paths:
            for lineno, rec in iter_records(path):
                where = f"{path}:{lineno}"
                for name in ("instruction", "output"):
                    if not isinstance(rec, dict) or not isinstance(rec.get(name), str):
                        raise LeanerDataError(f"{where}: missing field '{name}' (a string); an instruct record "
                                              "is {instruction, input, output}")
                input_text = rec.get("input") or ""
                if not isinstance(input_text, str):
                    raise LeanerDataError(f"{where}: field 'input' should be a string")
                prompt = render_prompt(rec["instruction"], input_text)
                user = rec["instruction"].strip() + (f"\n\n{input_text.strip()}" if input_text.strip() else "")
                yield f"{path.name}:{lineno}", {
                    "instruction": rec["instruction"], "input": input_text, "output": rec["output"],
                    "text": prompt + rec["output"].strip(),
                    "messages": [{"role": "user", "content": user},
                                 {"role": "assistant", "content": rec["output"].strip()}],
                }
