"""The LEANER corpora as ordinary ``datasets`` objects, straight from a release copy."""

from __future__ import annotations

import os
from pathlib import Path

import datasets

from .release import (CORPORA, LEANER_EVAL, LEANER_GLUE, LEANER_INSTRUCT, LEANER_PRETRAIN,  # noqa: F401
                      LeanerDataError, fingerprint)


def builder_class(name: str):
    from hf_leaner.dataset_scripts import BUILDERS

    if name not in BUILDERS:
        raise LeanerDataError(f"unknown corpus {name!r}; choose one of {', '.join(BUILDERS)}")
    return BUILDERS[name]


def config_names(name: str) -> list[str]:
    return [c.name for c in builder_class(name).BUILDER_CONFIGS]


def get_builder(name: str, config: str | None = None, data_dir: str | os.PathLike | None = None,
                cache_dir: str | None = None, **config_kwargs) -> datasets.DatasetBuilder:
    """A builder for one config; its cache key follows the source files, so edited data rebuilds."""
    cls = builder_class(name)
    config = config or cls.DEFAULT_CONFIG_NAME
    if config not in {c.name for c in cls.BUILDER_CONFIGS}:
        raise LeanerDataError(f"{name}: unknown config {config!r}; configs: {', '.join(config_names(name))}")
    source_hash = None
    if str(data_dir) == "sample":  # the embedded sample, as the command line calls it
        from hf_leaner.sample_data import SAMPLE_DIR

        data_dir = SAMPLE_DIR
    if data_dir is not None:
        data_dir = str(Path(data_dir).expanduser().resolve())
        # the cache key follows just the files this config reads, so editing one shard rebuilds its configs only
        cfg = next(c for c in cls.BUILDER_CONFIGS if c.name == config)
        files = [p for pattern in cls.source_patterns(cfg) for p in Path(data_dir).glob(pattern) if p.is_file()]
        source_hash = fingerprint(files) if files else None
    else:  # the Hub release: the cache follows the repo's current commit
        from huggingface_hub import HfApi

        repo_id = config_kwargs.get("repo_id", "EmpathYang/TinyHelen")
        try:
            source_hash = f"hub-{HfApi().dataset_info(repo_id).sha[:16]}"
        except Exception:  # offline: let the download step report the real problem
            source_hash = None
    return cls(config_name=config, data_dir=data_dir, cache_dir=cache_dir, hash=source_hash, **config_kwargs)


def load_leaner(name: str, config: str | None = None, *, data_dir: str | os.PathLike | None = None,
                split: str | None = None, cache_dir: str | None = None, **config_kwargs):
    """Build (once, then from cache) and load a LEANER corpus without publishing it first.

    >>> ds = load_leaner("leaner-pretrain", "leaner-10M-all", data_dir="path/to/TinyHelen", split="validation")

    ``data_dir`` is a local copy in the release layout (``"sample"``: the embedded sample); without it the files
    are fetched from the Hub
    dataset ``EmpathYang/TinyHelen``. Returns a ``DatasetDict`` (or a ``Dataset`` when ``split`` is given).
    Extra keyword arguments set config fields, e.g. ``on_corrupt="warn"`` to keep the complete lines of
    a truncated ``.zst`` shard.
    """
    builder = get_builder(name, config, data_dir, cache_dir, **config_kwargs)
    builder.download_and_prepare()
    available = list(builder.info.splits)
    if split is not None and split not in available:
        raise LeanerDataError(f"{name}/{builder.config.name}: no split {split!r} in this source; "
                              f"splits present: {', '.join(available)}")
    return builder.as_dataset(split=split)
