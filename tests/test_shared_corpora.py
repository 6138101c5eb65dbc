"""The real TinyHelen release files (../shared/tinyhelen): every config built, counted, paired and reloaded."""

import json
import os
import re
import subprocess
import sys
from collections import Counter

import pytest
import yaml
import zstandard

from hf_leaner.data.publish import publish_corpus
from hf_leaner.data.release import GENRES, NATURAL_GENRES
from hf_leaner.data.stats import release_statistics

SHARD = re.compile(r"^([a-z]+)\d{4}\.(jsonl|json)(\.zst)?$")


def _raw_records(path) -> int:
    """Records in one file, counted independently of the package's reader."""
    data = path.read_bytes()
    if path.suffix == ".zst":
        out, dobj = [], zstandard.ZstdDecompressor().decompressobj()
        try:
            for i in range(0, len(data), 4096):  # small inputs: keep every block decoded before any damage
                out.append(dobj.decompress(data[i:i + 4096]))
        except zstandard.ZstdError:
            pass  # a damaged shard: count the complete lines before the damage
        data = b"".join(out)
    if ".json" in path.name and ".jsonl" not in path.name:
        return len(json.loads(data))
    complete = data if data.endswith(b"\n") or path.suffix != ".zst" else data[: data.rfind(b"\n") + 1]
    return sum(1 for line in complete.splitlines() if line.strip())


def _expected_pretrain_rows(root, variant, size, genre):
    folders = ["10M"] if size == "10M" else ["10M", "100M"]
    genres = NATURAL_GENRES if genre == "all" else (genre,)
    rows = Counter()
    for folder in folders:
        for split_dir in (root / "data" / ("leaner" if variant == "leaner" else "ori") / folder).iterdir():
            for f in split_dir.iterdir():
                m = SHARD.match(f.name)
                if m and m[1] in genres:
                    rows[split_dir.name] += _raw_records(f)
    return dict(rows)


@pytest.fixture(scope="module")
def published(tmp_path_factory, shared_dir):
    out = tmp_path_factory.mktemp("shared_published")
    reports = {name: publish_corpus(name, out, data_dir=shared_dir, on_corrupt="warn", progress=False)
               for name in ("leaner-pretrain", "leaner-glue", "leaner-eval")}
    return out, reports


def test_pretrain_row_counts_equal_source_records(published, shared_dir):
    out, reports = published
    results = {r.config: r for r in reports["leaner-pretrain"].results}
    assert len(results) == 32
    for variant in ("leaner", "original"):
        for size in ("10M", "100M"):
            for genre in ("all",) + GENRES:
                name = f"{variant}-{size}-{genre}"
                expected = _expected_pretrain_rows(shared_dir, variant, size, genre)
                assert results[name].splits == expected, name
    # the damaged shard of the release is noted, not silently dropped
    assert "wiki0003.jsonl.zst" in results["original-100M-wiki"].note
    card = (out / "leaner-pretrain" / "README.md").read_text()
    assert "wiki0003.jsonl.zst" in card


def test_glue_and_eval_row_counts_equal_source_records(published, shared_dir):
    out, reports = published
    for r in reports["leaner-glue"].results:
        for split, n in r.splits.items():
            assert n == _raw_records(shared_dir / f"data/leaner/glue/{r.config}_{split}.jsonl"), (r.config, split)
    built = {r.config: r.splits for r in reports["leaner-eval"].results if r.status == "built"}
    assert built == {"split-0-7": {"test": 214}, "inner_comparison": {"test": 31}}


def test_every_published_config_loads_offline_with_plain_datasets(published):
    out, reports = published
    expected = {}
    for name in ("leaner-pretrain", "leaner-glue", "leaner-eval"):
        card = yaml.safe_load((out / name / "README.md").read_text().split("---")[1])
        for cfg in card["configs"]:
            expected[f"{name}/{cfg['config_name']}"] = {
                s: n for r in reports[name].results if r.config == cfg["config_name"] for s, n in r.splits.items()}
    code = (
        "import json, sys\n"
        "from datasets import load_dataset\n"
        "out = {}\n"
        "for key in json.loads(sys.argv[1]):\n"
        "    name, cfg = key.split('/')\n"
        "    d = load_dataset(name, cfg)\n"
        "    out[key] = {s: d[s].num_rows for s in d}\n"
        "print(json.dumps(out))\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_DATASETS_CACHE": str(out / ".cache")}
    run = subprocess.run([sys.executable, "-c", code, json.dumps(sorted(expected))], cwd=out, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    loaded = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(loaded) == 32 + 9 + 2
    assert loaded == expected


def test_leaner_rows_pair_with_original_rows_by_hash(published):
    from datasets import load_dataset

    out, _ = published
    for size in ("10M", "100M"):
        for genre in GENRES:
            leaner = load_dataset(str(out / "leaner-pretrain"), f"leaner-{size}-{genre}")
            original = load_dataset(str(out / "leaner-pretrain"), f"original-{size}-{genre}")
            for split in leaner:
                if split not in original:
                    continue
                hashes = set(original[split]["hash"])
                paired = sum(h in hashes for h in leaner[split]["hash"]) / leaner[split].num_rows
                # wiki: ~1% of the release's join keys hash the article body without its title
                assert paired >= (0.98 if genre == "wiki" else 1.0), (size, genre, split, paired)


def test_statistics_show_leaner_is_simpler(shared_dir):
    # each genre on its largest paired split of the 100M corpus (web has only a validation split here)
    rows = release_statistics(shared_dir, "100M", "train", ["book", "wiki", "textbook", "conversation"], progress=False)
    rows += release_statistics(shared_dir, "100M", "validation", ["web"], progress=False)
    by = {(r["genre"], r["variant"]): r for r in rows}
    for genre in NATURAL_GENRES:
        lean, orig = by[(genre, "leaner")], by[(genre, "original")]
        assert lean["documents"] == orig["documents"] > 0
        assert lean["vocab_size"] < orig["vocab_size"], genre
        assert lean["share_outside_top_2000"] < orig["share_outside_top_2000"], genre
        for n in (1, 2):
            assert lean[f"word_entropy_{n}"] < orig[f"word_entropy_{n}"], (genre, n)
