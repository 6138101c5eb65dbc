"""`hf-leaner filter-quality` and `hf-leaner diversity-sample` on the embedded sample: what they kept and dropped,
with thresholds; the datatrove steps in a pipeline."""

import json

import numpy as np
import pytest

from hf_leaner.cli import main
from hf_leaner.hare.diversity import balanced_sample, normalized_entropy


@pytest.fixture(scope="module")
def docs_file(tmp_path_factory, sample_dir):
    """Sample documents, plus planted junk each filter must catch."""
    docs = [json.loads(line) for g in ("conversation", "wiki", "textbook")
            for line in (sample_dir / f"data/leaner/10M/train/{g}0000.jsonl").read_text().splitlines()]
    docs = [{"text": d["text"]} for d in docs[::4]]
    junk = [{"text": "buy now " * 60, "junk": "repetition"},
            {"text": "# # # # # " * 30 + " the cat and the dog are here to be with you", "junk": "symbols"},
            {"text": "short text", "junk": "short"}]
    path = tmp_path_factory.mktemp("hare") / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs + junk))
    return path, len(docs) + len(junk)


def test_filter_quality_reports_thresholds_and_drops_junk(docs_file, tmp_path, capsys):
    path, total = docs_file
    assert main(["filter-quality", str(path), "--output_dir", str(tmp_path / "q")]) == 0
    report = json.loads((tmp_path / "q/report.json").read_text())
    kept = [json.loads(line) for line in (tmp_path / "q/kept.jsonl").read_text().splitlines()]
    dropped = [json.loads(line) for line in (tmp_path / "q/dropped.jsonl").read_text().splitlines()]
    assert report["documents"] == total == len(kept) + len(dropped) and report["dropped"] == len(dropped)
    assert not any("junk" in d for d in kept)  # every planted junk document was dropped, with its reason
    reasons = {d["document"]["junk"]: d["reason"] for d in dropped if "junk" in d["document"]}
    assert set(reasons) == {"repetition", "symbols", "short"} and reasons["short"] == "gopher_short_doc"
    assert reasons["symbols"].startswith("gopher_"), reasons
    assert report["filters"]["gopher_quality"]["thresholds"]["min_doc_words"] == 50
    assert sum(f["dropped"] for f in report["filters"].values()) == len(dropped)
    out = capsys.readouterr().out
    assert "min_doc_words=50" in out and "kept" in out
    # a looser minimum keeps more
    assert main(["filter-quality", str(path), "--min_doc_words", "5", "--output_dir", str(tmp_path / "q5")]) == 0
    assert json.loads((tmp_path / "q5/report.json").read_text())["kept"] > report["kept"]


def test_balanced_sample_is_even_where_it_can_be():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 5)
    picked = balanced_sample(labels, 40, seed=1)
    assert len(picked) == len(set(picked.tolist())) == 40
    assert np.bincount(labels[picked]).tolist() == [18, 17, 5] or sorted(np.bincount(labels[picked]))[0] == 5
    assert normalized_entropy(labels[picked], 3) > normalized_entropy(labels, 3)


def test_diversity_sample_command_balances_clusters(docs_file, tmp_path, capsys):
    import torch

    torch.set_num_threads(1)
    path, total = docs_file
    assert main(["diversity-sample", str(path), "--n_samples", "40", "--clusters", "5",
                 "--output_dir", str(tmp_path / "d")]) == 0
    report = json.loads((tmp_path / "d/report.json").read_text())
    sampled = [json.loads(line) for line in (tmp_path / "d/sampled.jsonl").read_text().splitlines()]
    assert report["sampled"] == len(sampled) == 40 and report["dropped"] == total - 40
    counts = np.bincount([s["cluster"] for s in sampled], minlength=5)
    sizes = np.array(report["cluster_sizes"])
    assert ((counts == np.minimum(sizes, counts.max())) | (counts >= counts.max() - 1)).all()  # even, or all it had
    assert report["entropy_after"] >= report["entropy_before"]
    assert "normalised entropy" in capsys.readouterr().out
