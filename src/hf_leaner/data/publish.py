"""Publish a LEANER corpus as Parquet + a dataset card, loadable by plain ``load_dataset``.

``OUT/<corpus>/<config>/<split>-NNNNN-of-NNNNN.parquet`` plus ``OUT/<corpus>/README.md`` whose YAML
``configs:`` map every config to its files. The same folder works offline
(``load_dataset("OUT/leaner-pretrain", "leaner-10M-all")``) and on the Hub once pushed.

Builds are resumable and idempotent: each config is written to a staging folder and moved into place
when complete, and a manifest records what was built from which source files. Re-running skips the
configs that are up to date and rebuilds only those whose sources (or our code version) changed.
"""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import datasets
import yaml
from huggingface_hub import DatasetCard, DatasetCardData, HfApi

from hf_leaner import __version__
from hf_leaner.utils.tables import text_table

from .corpora import LEANER_GLUE, LEANER_PRETRAIN, builder_class, config_names, get_builder
from hf_leaner.utils.errors import LeanerDataError, MissingSourceError, SourceWarning
from hf_leaner.utils.io import write_atomic

MANIFEST = "build_manifest.json"  # lives in the work folder, not in what is published
CITATION = """\
@misc{yang2025tinyhelen,
  title         = {TinyHelen's First Curriculum: Training and Evaluating Tiny Language Models in a
                   Simpler Language Environment},
  author        = {Ke Yang and Volodymyr Kindratenko and ChengXiang Zhai},
  year          = {2025},
  eprint        = {2501.00522},
  archivePrefix = {arXiv},
  primaryClass  = {cs.CL}
}"""


@dataclass
class ConfigResult:
    config: str
    status: str  # "built", "up to date", "skipped"
    splits: dict = field(default_factory=dict)  # split -> num_examples
    note: str = ""


@dataclass
class PublishReport:
    corpus: str
    folder: Path
    results: list[ConfigResult]
    pushed_to: str | None = None

    def table(self) -> str:
        return text_table(("config", "status", "splits (rows)", "note"),
                          [(r.config, r.status, ", ".join(f"{s}={n:,}" for s, n in r.splits.items()), r.note)
                           for r in self.results])


def _source_fingerprint(builder, on_corrupt: str | None) -> str:
    # the builder's hash already follows the local source files (see corpora.get_builder)
    return f"{builder.hash}|{builder.config.version}|{__version__}|{on_corrupt}"


def publish_corpus(name: str, output: str | Path, data_dir: str | Path | None = None,
                   configs: list[str] | None = None, on_corrupt: str = "raise",
                   max_shard_size: str | int = "500MB", push_to_hub: str | None = None,
                   private: bool | None = None, token: str | None = None,
                   progress: bool = True) -> PublishReport:
    """Build ``configs`` (default: every config the source has files for) of corpus ``name``."""
    explicit = configs is not None
    configs = configs or config_names(name)
    unknown = [c for c in configs if c not in config_names(name)]
    if unknown:
        raise LeanerDataError(f"{name}: unknown config(s) {', '.join(unknown)}; configs: "
                              f"{', '.join(config_names(name))}")
    folder = Path(output) / name
    work = Path(output) / ".hf_leaner_work" / name
    made = [p for p in (Path(output), Path(output) / ".hf_leaner_work", work, folder) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _publish(name, folder, work, configs, explicit, data_dir, on_corrupt, max_shard_size, push_to_hub,
                        private, token, progress)
    except BaseException:
        _remove_if_unused(made, work)
        raise


def _remove_if_unused(made: list[Path], work: Path) -> None:
    """After a failure: the folders this run made go again when nothing was built into them (its work folder then
    holds only the datasets cache's locks), so a refused build leaves no trace."""
    import shutil

    for path in reversed(made):  # innermost first
        if path == work and not any(path.rglob("*.arrow")) and not any(path.rglob("*.parquet")):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _publish(name, folder, work, configs, explicit, data_dir, on_corrupt, max_shard_size, push_to_hub, private,
             token, progress) -> PublishReport:
    manifest_path = work / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    kwargs = {"on_corrupt": on_corrupt} if name == LEANER_PRETRAIN else {}
    results = []
    bars_were_on = datasets.is_progress_bar_enabled()
    if not progress:
        datasets.disable_progress_bars()
    try:
        for config in configs:
            results.append(_publish_config(name, config, folder, work, manifest, data_dir, kwargs,
                                           max_shard_size, explicit))
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()
    # configs built earlier and still present stay in the card even when this run built a subset
    write_card(name, folder, manifest)
    report = PublishReport(name, folder, results)
    if push_to_hub:
        report.pushed_to = push_folder(folder, push_to_hub, private=private, token=token)
    return report


def _publish_config(name, config, folder, work, manifest, data_dir, kwargs, max_shard_size, explicit):
    """Build one config into place, or say why not; updates ``manifest`` (saved after each config)."""
    builder = get_builder(name, config, data_dir, cache_dir=str(work / "cache"), **kwargs)
    fp = _source_fingerprint(builder, kwargs.get("on_corrupt"))
    done = manifest.get(config)
    if done and done["fingerprint"] == fp and all((folder / f).is_file() for f in done["files"]):
        return ConfigResult(config, "up to date", done["splits"], done.get("note", ""))
    staging = work / "staging" / config
    shutil.rmtree(staging, ignore_errors=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            builder.download_and_prepare(output_dir=str(staging), file_format="parquet",
                                         max_shard_size=max_shard_size)
        except MissingSourceError:
            if explicit:
                raise
            manifest.pop(config, None)
            return ConfigResult(config, "skipped", {}, "no source files")
    note = "; ".join(str(w.message) for w in caught if issubclass(w.category, SourceWarning))
    for w in caught:  # seen by the card, and by the user now
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    files = _install_config(staging, folder / config, builder.dataset_name)
    info = builder.info
    splits = {s: info.splits[s].num_examples for s in info.splits}
    manifest[config] = {"fingerprint": fp, "splits": splits, "note": note, "source": describe_source(data_dir),
                        "files": [f"{config}/{f}" for f in files], "dataset_info": info._to_yaml_dict()}
    _write_json_atomic(work / MANIFEST, manifest)  # after each config: an interrupted build resumes here
    return ConfigResult(config, "built", splits, note)


def _install_config(staging: Path, target: Path, dataset_name: str) -> list[str]:
    """Move finished Parquet shards into place as ``<split>-NNNNN-of-NNNNN.parquet``."""
    new = target.with_name(target.name + ".new")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    names = []
    prefix = f"{dataset_name}-"
    for f in sorted(staging.glob("*.parquet")):
        stem = f.name[len(prefix):] if f.name.startswith(prefix) else f.name
        if "-of-" not in stem:  # single shard: make the name self-describing like multi-shard ones
            stem = stem.replace(".parquet", "-00000-of-00001.parquet")
        shutil.move(str(f), new / stem)
        names.append(stem)
    shutil.rmtree(target, ignore_errors=True)
    new.rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return names


def _write_json_atomic(path: Path, obj) -> None:
    write_atomic(path, json.dumps(obj, indent=1))


def _split_of_file(name: str) -> str:
    return name.split("-", 1)[0] if "-of-" in name else name.rsplit(".", 1)[0]


def describe_source(data_dir) -> str:
    """Where a config's rows came from, as its card must say it."""
    from hf_leaner.sample_data import SAMPLE_DIR

    if data_dir is None:
        return "release"
    if str(data_dir) == "sample" or Path(data_dir).resolve() == Path(SAMPLE_DIR).resolve():
        return "sample"
    return "release-copy"


SOURCES = {
    "release": "built from the public release (the Hub dataset `EmpathYang/TinyHelen`, whose LEANER text is the "
               "authors' GPT-4 rewrite)",
    "release-copy": "built from a local copy of the public release (`EmpathYang/TinyHelen`, whose LEANER text is the "
                    "authors' GPT-4 rewrite)",
    "sample": "built from **hf-leaner's embedded sample**, a small toy corpus written by the hf-leaner authors in the "
              "release's layout to test the pipeline: it is not the release's text, its LEANER side is not a GPT-4 "
              "rewrite and has about a hundred distinct words, and models trained on it show the pipeline, not "
              "the method",
}


def write_card(name: str, folder: Path, manifest: dict) -> Path:
    cls = builder_class(name)
    order = config_names(name)
    built = [c for c in order if c in manifest]
    if not built:
        raise MissingSourceError(f"{name}: nothing was built (no config had source files)")
    default = cls.DEFAULT_CONFIG_NAME if cls.DEFAULT_CONFIG_NAME in built else built[0]
    configs_yaml, infos = [], []
    for c in built:
        splits = sorted({_split_of_file(Path(f).name) for f in manifest[c]["files"]})
        entry = {"config_name": c, "data_files": [{"split": s, "path": f"{c}/{s}-*.parquet"} for s in splits]}
        if c == default:
            entry["default"] = True
        configs_yaml.append(entry)
        infos.append({"config_name": c, **manifest[c]["dataset_info"]})
    total = sum(sum(manifest[c]["splits"].values()) for c in built)
    size_cat = ("n<1K" if total < 1e3 else "1K<n<10K" if total < 1e4 else "10K<n<100K" if total < 1e5
                else "100K<n<1M" if total < 1e6 else "1M<n<10M")
    data = DatasetCardData(
        license="mit", language=["en"], pretty_name=f"LEANER-{name.split('-', 1)[1].title()}",
        task_categories=["text-generation" if name != LEANER_GLUE else "text-classification"],
        size_categories=[size_cat], tags=["tinyhelen", "leaner", "simplified-english", "tiny-language-models"],
        configs=configs_yaml, dataset_info=infos)
    table = ["| config | split | rows |", "|---|---|---|"]
    for c in built:
        for s, n in manifest[c]["splits"].items():
            table.append(f"| `{c}` | {s} | {n:,} |")
    notes = [f"- `{c}`: {manifest[c]['note']}" for c in built if manifest[c].get("note")]
    source_of = {c: manifest[c].get("source", "release-copy") for c in built}
    sources = sorted(set(source_of.values()))
    provenance = "; ".join(SOURCES[k] + (f" (configs: {', '.join(c for c in built if source_of[c] == k)})"
                                         if len(sources) > 1 else "") for k in sources)
    body = f"""
# {data.pretty_name}

{(sys.modules[cls.__module__].__doc__ or '').strip()}

Part of the LEANER dataset suite of *TinyHelen's First Curriculum* (arXiv:2501.00522), {provenance}, by
hf-leaner {__version__}.

## Loading

```python
from datasets import load_dataset

ds = load_dataset("<this repo or folder>", "{default}")
```

## Configs and sizes

{chr(10).join(table)}
{("## Notes on the source files" + chr(10) + chr(10) + chr(10).join(notes)) if notes else ""}

## License and citation

MIT, as the release. If you use this data, cite the paper:

```bibtex
{CITATION}
```
"""
    card = DatasetCard(f"---\n{yaml.safe_dump(data.to_dict(), sort_keys=False, width=120)}---\n{body}")
    path = folder / "README.md"
    card.save(str(path))
    return path


def push_folder(folder: Path, repo_id: str, private: bool | None = None, token: str | None = None,
                endpoint: str | None = None) -> str:
    """Push a published folder to a Hub dataset repo (created if needed); returns the commit URL."""
    from hf_leaner.hub.upload import check_no_tokens, upload_folder

    api = HfApi(token=token, endpoint=endpoint)
    check_no_tokens(folder, token=api.token)  # before the repo is even created
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    info = upload_folder(api, folder, repo_id, repo_type="dataset",
                         commit_message=f"Publish {folder.name} with hf-leaner {__version__}")
    return str(info.commit_url) if hasattr(info, "commit_url") else str(info)
