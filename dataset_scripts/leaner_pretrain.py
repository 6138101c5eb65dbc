"""LEANER-Pretrain: the simplified pretraining corpus, and the ORIGINAL text of the same documents.

One config per ``{variant}-{size}-{genre}``:

* variant ``leaner`` (the simplified text; in the release, the authors' GPT-4 rewrite) or ``original`` (the text it
  was simplified from);
* size ``10M`` or ``100M`` (the release's 10M folder plus its 100M folder);
* genre one of web, book, wiki, textbook, conversation, code, math, or ``all`` = the natural-language
  genres the paper pretrains on (web, book, wiki, textbook, conversation).

Each row is ``{text, genre, hash, doc_id}``; ``hash`` (sha256 of the original text) pairs a LEANER row
with its ORIGINAL row.
"""

from __future__ import annotations

from dataclasses import dataclass

import datasets

from hf_leaner.data.release import (NATURAL_GENRES, PRETRAIN_CONFIGS, SPLITS, MissingSourceError,
                                    describe_available, find_pretrain_files, iter_pretrain_examples,
                                    pretrain_patterns, release_root)

FEATURES = datasets.Features({
    "text": datasets.Value("string"),
    "genre": datasets.Value("string"),
    "hash": datasets.Value("string"),
    "doc_id": datasets.Value("string"),
})


@dataclass
class LeanerPretrainConfig(datasets.BuilderConfig):
    variant: str = "leaner"
    size: str = "10M"
    genre: str = "all"
    on_corrupt: str = "raise"  # "warn": keep the complete lines of a truncated .zst shard
    repo_id: str = "EmpathYang/TinyHelen"

    @property
    def genres(self) -> tuple[str, ...]:
        return NATURAL_GENRES if self.genre == "all" else (self.genre,)


def _config(variant: str, size: str, genre: str) -> LeanerPretrainConfig:
    what = "natural-language genres" if genre == "all" else f"{genre} genre"
    return LeanerPretrainConfig(
        name=f"{variant}-{size}-{genre}", variant=variant, size=size, genre=genre,
        version=datasets.Version("1.0.0"),
        description=f"{variant.upper()} text, {size} release, {what}.")


class LeanerPretrain(datasets.GeneratorBasedBuilder):
    BUILDER_CONFIG_CLASS = LeanerPretrainConfig
    BUILDER_CONFIGS = [_config(*name.split("-")) for name in PRETRAIN_CONFIGS]
    DEFAULT_CONFIG_NAME = "leaner-10M-all"

    def _info(self):
        return datasets.DatasetInfo(description=__doc__, features=FEATURES,
                                    homepage="https://arxiv.org/abs/2501.00522", license="mit")

    @staticmethod
    def source_patterns(cfg) -> list[str]:
        return pretrain_patterns(cfg.variant, cfg.size, cfg.genres)

    def _split_generators(self, dl_manager):
        cfg = self.config
        root = release_root(cfg.data_dir, self.source_patterns(cfg), cfg.repo_id)
        generators = []
        for split in SPLITS:
            files = find_pretrain_files(root, cfg.variant, cfg.size, split, cfg.genres)
            if files:
                generators.append(datasets.SplitGenerator(name=split, gen_kwargs={"files": files}))
        if not generators:
            raise MissingSourceError(
                f"{root}: config '{cfg.name}' has no source files (looked for {', '.join(cfg.genres)} "
                f"shards of the {cfg.variant} {cfg.size} corpus). What exists:\n{describe_available(root)}")
        return generators

    def _generate_examples(self, files):
        yield from iter_pretrain_examples(files, on_corrupt=self.config.on_corrupt)
