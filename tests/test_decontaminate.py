"""`hf-leaner decontaminate`: benchmark items planted in a training corpus (exact and lightly edited copies)
are all found and reported with their item and matched n-gram; a control benchmark that was never planted
measures the false positives; a killed run resumes; bad input is one line; the datatrove step agrees."""

import json
import random
import subprocess

import pytest
from conftest import CLI

from hf_leaner.cli import main
from hf_leaner.hare.benchmarks_io import TEXT_FIELDS
from hf_leaner.hare.ngram_index import normalize_words


def _items(glue_dir, eval_dir):
    """Benchmark records whose every text field has >= 12 words (so a one-word edit keeps > 50 % overlap)."""
    out = []
    for path in sorted(glue_dir.glob("*.jsonl")) + sorted(eval_dir.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            texts = [rec[f] for f in TEXT_FIELDS if isinstance(rec.get(f), str)]
            if texts and all(len(normalize_words(t)) >= 12 for t in texts):
                out.append(rec)
    return out


def _edit(text: str) -> str:
    """A light edit: other case, punctuation dropped, doubled spaces, the last word replaced."""
    words = text.replace(",", "").replace(".", " ").replace("?", "").split()
    words[-1] = "zebrafish"
    return "  ".join(w.upper() if i % 3 == 0 else w for i, w in enumerate(words))


@pytest.fixture(scope="module")
def planted(tmp_path_factory, sample_dir, shared_dir_or_none):
    root = shared_dir_or_none or sample_dir
    items = _items(root / "data/leaner/glue", root / "data/leaner/eval")
    rng = random.Random(0)
    rng.shuffle(items)
    plant, control = items[:40], items[40:440]
    docs = [json.loads(line) for g in ("textbook", "wiki", "web")
            for line in (sample_dir / f"data/leaner/10M/train/{g}0000.jsonl").read_text().splitlines()]
    docs = [{"text": d["text"], "hash": d["hash"]} for d in docs]
    truth = {}  # document index -> the planted record
    for k, rec in enumerate(plant):
        at = k * (len(docs) // len(plant))
        text = " ".join(rec[f] for f in TEXT_FIELDS if isinstance(rec.get(f), str))
        text = _edit(text) if k % 2 else text
        cut = len(docs[at]["text"]) // 2
        docs[at]["text"] = docs[at]["text"][:cut] + " " + text + " " + docs[at]["text"][cut:]
        truth[at] = rec
    tmp = tmp_path_factory.mktemp("decont")
    half = len(docs) // 2
    for name, part in (("train-a.jsonl", docs[:half]), ("train-b.jsonl", docs[half:])):
        (tmp / name).write_text("".join(json.dumps(d) + "\n" for d in part))
    for name, recs in (("planted.jsonl", plant), ("control.jsonl", control)):
        (tmp / name).write_text("".join(json.dumps(r) + "\n" for r in recs))
    return tmp, docs, truth


@pytest.fixture(scope="module")
def shared_dir_or_none():
    from conftest import SHARED
    return SHARED if (SHARED / "data/leaner/glue").is_dir() else None


def test_planted_items_found_and_control_false_positives_reported(planted, capsys):
    tmp, docs, truth = planted
    out = tmp / "out"
    args = [str(tmp / "train-a.jsonl"), str(tmp / "train-b.jsonl"), "--benchmark", str(tmp / "planted.jsonl"),
            "--control", str(tmp / "control.jsonl"), "--n", "8", "--shard_size", "100", "--output_dir", str(out)]
    assert main(["decontaminate", *args]) == 0
    removed = [json.loads(line) for line in (out / "removed.jsonl").read_text().splitlines()]
    kept = [json.loads(line) for line in (out / "kept.jsonl").read_text().splitlines()]
    assert len(removed) + len(kept) == len(docs)
    by_text = {r["document"]["text"]: r for r in removed}
    for at, rec in truth.items():  # every planted copy, exact or edited, was removed for its own item
        r = by_text[docs[at]["text"]]
        assert rec.get("idx", None) in {m["item_id"] for m in r["matches"]} or "idx" not in rec
        assert r["matched_ngram"] and r["matched_ngram"] in " ".join(normalize_words(docs[at]["text"]))
        assert r["overlap"] > 0.5
    assert len(removed) == len(truth)  # nothing else: these items were never anywhere else
    report = json.loads((out / "report.json").read_text())
    assert report["removed"] == len(truth) and report["threshold"] == 0.5 and report["n"] == 8
    fp = report["control_false_positive_rate"]
    assert fp is not None and fp <= 0.02, fp  # never-planted items flag (almost) nothing
    printed = capsys.readouterr().out
    assert "false-positive rate" in printed and "documents removed" in printed

    # rerun: every shard is done, same files; a shard whose result was lost is redone alone
    before = (out / "kept.jsonl").read_text(), (out / "removed.jsonl").read_text()
    done = sorted((out / "shards").glob("*.done.json"))
    done[1].unlink()
    (out / "kept.jsonl").unlink()
    assert main(["decontaminate", *args]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["shards_resumed"] == len(done) - 1
    assert ((out / "kept.jsonl").read_text(), (out / "removed.jsonl").read_text()) == before
    # other settings into the same folder: refused, nothing overwritten
    assert main(["decontaminate", *args[:-2], "--threshold", "0.3", "--output_dir", str(out)]) == 2
    assert (out / "kept.jsonl").read_text() == before[0]
    # documents appended to an input, then a rerun: that file is read again, the new documents land in the outputs
    grown = tmp / "train-b.jsonl"
    new_docs = [{"text": f"A new document number {i} about a small red boat on the lake.", "hash": f"new{i}"}
                for i in range(10)]
    with grown.open("a") as fh:
        fh.writelines(json.dumps(d) + "\n" for d in new_docs)
    try:
        assert main(["decontaminate", *args]) == 0
        printed = capsys.readouterr().out
        assert f"{grown} changed since the last run" in printed
        kept = [json.loads(line) for line in (out / "kept.jsonl").read_text().splitlines()]
        assert len(kept) + len(removed) == len(docs) + 10 and kept[-10:] == new_docs
        assert json.loads((out / "report.json").read_text())["documents"] == len(docs) + 10
    finally:  # the module's fixture is shared: put the file back
        grown.write_text("".join(json.dumps(d) + "\n" for d in docs[len(docs) // 2:]))


def test_command_and_bad_input(planted, tmp_path):
    tmp, docs, truth = planted
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"body": "no text field"}\n')
    run = subprocess.run(CLI + ["decontaminate", str(bad), "--benchmark", str(tmp / "planted.jsonl"),
                                "--output_dir", str(tmp_path / "o")], capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert "bad.jsonl:2: no string field 'text'" in run.stderr
    run = subprocess.run(CLI + ["decontaminate", str(tmp / "train-a.jsonl"), "--benchmark",
                                str(tmp_path / "nope.jsonl"), "--output_dir", str(tmp_path / "o")],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "nope.jsonl: no such file" in run.stderr and run.stderr.count("\n") == 1
    bench = tmp_path / "bench.jsonl"
    bench.write_text('{"label": 1}\n')
    run = subprocess.run(CLI + ["decontaminate", str(tmp / "train-a.jsonl"), "--benchmark", str(bench),
                                "--output_dir", str(tmp_path / "o")], capture_output=True, text=True)
    assert run.returncode == 2 and "bench.jsonl:1: no text field" in run.stderr, run.stderr
    bench.write_text('{"sentence": "Too short."}\n{"sentence": "Also short here."}\n')  # under --min_words 5
    run = subprocess.run(CLI + ["decontaminate", str(tmp / "train-a.jsonl"), "--benchmark", str(bench),
                                "--output_dir", str(tmp_path / "o")], capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert "every one of the 2 benchmark items is shorter than --min_words 5 (the longest has 3 words)" in run.stderr


def test_datatrove_step_agrees_with_the_command(planted, tmp_path):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from hf_leaner.hare.decontaminate import BenchmarkDecontaminationFilter

    tmp, docs, truth = planted
    src = tmp_path / "in"
    src.mkdir()
    (src / "train-a.jsonl").write_text((tmp / "train-a.jsonl").read_text())
    LocalPipelineExecutor([
        JsonlReader(str(src), id_key="hash"),
        BenchmarkDecontaminationFilter([str(tmp / "planted.jsonl")], n=8,
                                       exclusion_writer=JsonlWriter(str(tmp_path / "removed"), compression=None)),
        JsonlWriter(str(tmp_path / "kept"), compression=None),
    ], tasks=1, workers=1, logging_dir=str(tmp_path / "logs")).run()
    removed = [json.loads(line) for p in (tmp_path / "removed").glob("*.jsonl") for line in p.read_text().splitlines()]
    half = len(docs) // 2
    assert {r["text"] for r in removed} == {docs[at]["text"] for at in truth if at < half}
    assert all(r["metadata"]["decontamination"][0]["overlap"] > 0.5 for r in removed)


def test_benchmark_as_a_saved_datasets_folder(planted, tmp_path):
    from datasets import Dataset, DatasetDict

    tmp, docs, truth = planted
    recs = [json.loads(line) for line in (tmp / "planted.jsonl").read_text().splitlines()]
    columns = sorted({k for r in recs for k in r if k in TEXT_FIELDS})
    ds = DatasetDict(validation=Dataset.from_list([{c: r.get(c) or "" for c in columns} for r in recs]))
    ds.save_to_disk(str(tmp_path / "bench"))
    out = tmp_path / "out"
    assert main(["decontaminate", str(tmp / "train-a.jsonl"), "--benchmark", str(tmp_path / "bench"),
                 "--benchmark_split", "validation", "--n", "8", "--output_dir", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    half = len(docs) // 2
    assert report["removed"] == sum(at < half for at in truth)
    assert list(report["benchmarks"]) == ["bench-validation"]
