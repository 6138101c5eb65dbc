"""Publishing the corpora as Parquet + card, loading them back with plain `datasets`, resuming builds."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from datasets import ClassLabel, load_dataset

from hf_leaner.data.publish import publish_corpus
from hf_leaner.data.release import count_records

REPO = Path(__file__).resolve().parents[1]


def _card_yaml(folder: Path) -> dict:
    text = (folder / "README.md").read_text()
    return yaml.safe_load(text.split("---")[1])


@pytest.fixture(scope="module")
def sample_published(tmp_path_factory, sample_dir):
    out = tmp_path_factory.mktemp("published")
    reports = {name: publish_corpus(name, out, data_dir=sample_dir, progress=False)
               for name in ("leaner-pretrain", "leaner-glue", "leaner-eval", "leaner-instruct")}
    return out, reports


def test_every_pretrain_config_published_with_card(sample_published, sample_dir):
    out, reports = sample_published
    card = _card_yaml(out / "leaner-pretrain")
    names = [c["config_name"] for c in card["configs"]]
    assert len(names) == 32 and "leaner-10M-all" in names and "original-100M-code" in names
    assert [c for c in card["configs"] if c.get("default")][0]["config_name"] == "leaner-10M-all"
    assert card["license"] == "mit"
    assert {i["config_name"] for i in card["dataset_info"]} == set(names)
    body = (out / "leaner-pretrain" / "README.md").read_text()
    assert "2501.00522" in body and "@misc" in body
    # the card says where its rows came from: the sample is ours and a toy, not the release's GPT-4 rewrite
    assert "built from **hf-leaner's embedded sample**" in body and "(`EmpathYang/TinyHelen`" not in body
    assert "https://github.com/)" not in body
    assert "nine GLUE" not in (out / "leaner-glue" / "README.md").read_text()
    # the sample's 10M leaner web train shard has 240 documents
    web = load_dataset(str(out / "leaner-pretrain"), "leaner-10M-web")
    assert web["train"].num_rows == count_records(sample_dir / "data/leaner/10M/train/web0000.jsonl") == 240
    assert set(web["train"]["genre"]) == {"web"}


def test_leaner_and_original_rows_pair_by_hash(sample_published):
    out, _ = sample_published
    leaner = load_dataset(str(out / "leaner-pretrain"), "leaner-10M-all", split="train")
    original = load_dataset(str(out / "leaner-pretrain"), "original-10M-all", split="train")
    by_hash = {r["hash"]: r for r in original}
    assert len(leaner) == len(original) > 100
    for row in leaner:
        twin = by_hash[row["hash"]]
        assert twin["genre"] == row["genre"] and twin["text"] != row["text"]


def test_glue_eval_instruct_features(sample_published):
    out, _ = sample_published
    mnli = load_dataset(str(out / "leaner-glue"), "mnli")
    assert list(mnli) == ["validation_matched"]
    assert mnli["validation_matched"].features["label"] == ClassLabel(names=["entailment", "neutral", "contradiction"])
    stsb = load_dataset(str(out / "leaner-glue"), "stsb", split="train")
    assert stsb.features["label"].dtype == "float32"
    ev = load_dataset(str(out / "leaner-eval"), "split-0-7", split="test")
    assert ev.column_names == ["question", "source", "hash"] and len(ev) == 7
    inst = load_dataset(str(out / "leaner-instruct"), split="train")
    row = inst[0]
    assert row["text"].startswith("### TASK INPUT:\n") and row["text"].endswith(row["output"])
    assert "\n\n### RESPONSE:\n" in row["text"] and len(row["hash"]) == 64
    assert [m["role"] for m in row["messages"]] == ["user", "assistant"]


def test_rebuild_is_idempotent_and_follows_source_changes(tmp_path, sample_dir):
    src = tmp_path / "release"
    shutil.copytree(sample_dir / "data", src / "data")
    out = tmp_path / "out"
    status = lambda report: {r.config: r.status for r in report.results}
    first = publish_corpus("leaner-eval", out, data_dir=src, progress=False)
    assert status(first) == {"all": "built", "split-0-7": "built", "split-7-8": "skipped", "split-8-9": "skipped",
                             "split-9-10": "skipped", "inner_comparison": "built"}
    again = publish_corpus("leaner-eval", out, data_dir=src, progress=False)
    assert {s for s in status(again).values() if s != "skipped"} == {"up to date"}
    # a source file changes: the configs rebuild and the new row appears
    path = src / "data/leaner/eval/inner_comparison.jsonl"
    path.write_text(path.read_text() + json.dumps({"question": "What is new?", "source": "test", "hash": "x"}) + "\n")
    third = publish_corpus("leaner-eval", out, data_dir=src, progress=False)
    assert status(third)["inner_comparison"] == "built" and status(third)["all"] == "up to date"
    assert load_dataset(str(out / "leaner-eval"), "inner_comparison", split="test")[-1]["question"] == "What is new?"
    # an interrupted build leaves only staging debris, which the next run replaces
    (out / ".hf_leaner_work/leaner-eval/staging/all").mkdir(parents=True, exist_ok=True)
    (out / ".hf_leaner_work/leaner-eval/staging/all/half-written.parquet").write_bytes(b"junk")
    assert status(publish_corpus("leaner-eval", out, data_dir=src, progress=False))["all"] == "up to date"


def test_cli_build_dataset_then_plain_load_dataset_offline(tmp_path, sample_dir):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    cli = [sys.executable, "-m", "hf_leaner.cli"]
    run = subprocess.run(cli + ["build-dataset", "leaner-glue", "--data-dir", str(sample_dir), "--output", str(tmp_path)],
                         capture_output=True, text=True, env=env, check=True)
    assert "cola" in run.stdout and "built" in run.stdout
    # `load_dataset("leaner-glue", ...)` from the output folder, by a fresh process, with no network
    code = "from datasets import load_dataset; d = load_dataset('leaner-glue', 'rte'); print(d['train'].num_rows)"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, check=True)
    assert loaded.stdout.strip().splitlines()[-1] == "24"
    bad = subprocess.run(cli + ["build-dataset", "leaner-glue", "--data-dir", str(tmp_path / "missing"), "--output",
                                str(tmp_path)], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "missing: no such folder" in bad.stderr
