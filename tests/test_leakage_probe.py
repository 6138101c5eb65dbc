"""`hf-leaner leakage-probe`: two tiny models trained through the package's pretraining path, one with benchmark
items planted (repeated) in its corpus and one without; the probe tells them apart by a real margin."""

import json

import pytest
import torch
from datasets import Dataset, DatasetDict

from hf_leaner.cli import main
from hf_leaner.curriculum import CurriculumConfig
from hf_leaner.hare.leakage import reword
from hf_leaner.train.pretrain import PretrainArguments, pretrain


@pytest.fixture(scope="module")
def models(tmp_path_factory, sample_dir, tokenizers):
    items = []  # LEANER-GLUE items of the sample whose wording the offline paraphrase changes
    for path in sorted((sample_dir / "data/leaner/glue").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = json.loads(line).get("sentence1") or json.loads(line).get("sentence")
            if text and reword(text) != text and len(text.split()) >= 8:
                items.append(text)
    items = items[:24]
    tmp = tmp_path_factory.mktemp("leak")
    (tmp / "items.jsonl").write_text("".join(json.dumps({"sentence": t, "idx": i}) + "\n" for i, t in enumerate(items)))
    base = [json.loads(line)["text"] for g in ("conversation", "textbook")
            for line in (sample_dir / f"data/leaner/10M/train/{g}0000.jsonl").read_text().splitlines()][:120]
    valid = [json.loads(line)["text"] for line in
             (sample_dir / "data/leaner/10M/validation/textbook0000.jsonl").read_text().splitlines()]
    made = {}
    torch.set_num_threads(1)  # a 100K model: one thread is as fast, and fair to a shared machine
    for name, train in (("clean", base), ("leaked", base + items * 25)):
        corpus = DatasetDict(train=Dataset.from_dict({"text": train}), validation=Dataset.from_dict({"text": valid}))
        out = tmp / name
        args = CurriculumConfig(output_dir=str(out), max_steps=300, per_device_train_batch_size=8,
                                learning_rate=5e-3, difficulty="random", pacing="none", save_strategy="no",
                                logging_steps=50, report_to=[], disable_tqdm=True, use_cpu=True, seed=0)
        pretrain(PretrainArguments(arch="llama", size="100K", block_size=64, max_eval_documents=8), args,
                 corpus=corpus, tokenizer=tokenizers["clm"])
        made[name] = out
    return tmp, made


def test_probe_separates_leaked_from_clean_model(models, capsys):
    tmp, made = models
    result = {}
    for name, folder in made.items():
        out = tmp / f"{name}.json"
        assert main(["leakage-probe", str(folder), "--benchmark", str(tmp / "items.jsonl"), "--continuation_tokens", "8",
                     "--output", str(out)]) == 0
        result[name] = json.loads(out.read_text())
    leaked, clean = result["leaked"], result["clean"]
    assert leaked["compared"] == clean["compared"] == 24
    with capsys.disabled():
        print({k: (leaked[k]["items"], leaked[k]["gap"], clean[k]["items"], clean[k]["gap"])
               for k in ("exact", "token_accuracy", "loss")})
    # the leaked model continues its items far better than their paraphrases; the clean one does not
    assert leaked["token_accuracy"]["gap"] > clean["token_accuracy"]["gap"] + 0.2
    assert leaked["token_accuracy"]["gap_95ci"][0] > 0 and clean["token_accuracy"]["gap_95ci"][0] < 0.1
    assert leaked["exact"]["items"] > clean["exact"]["items"] + 0.2
    assert leaked["loss"]["gap"] < clean["loss"]["gap"] - 0.5
    assert "95% CI" in capsys.readouterr().out


def test_bad_flags_are_one_line(tmp_path, capsys):
    assert main(["leakage-probe", str(tmp_path), "--benchmark", str(tmp_path / "x.jsonl")]) == 2
    assert "x.jsonl: no such file or folder" in capsys.readouterr().err
    assert main(["leakage-probe", str(tmp_path), "--benchmark", "a/b", "--prompt_fraction", "1.5"]) == 2
    assert "--prompt_fraction 1.5 must be between 0 and 1" in capsys.readouterr().err


def test_a_model_the_probe_cannot_continue_with_is_one_line(tmp_path, capsys, tiny_model, sample_dir):
    bench = sample_dir / "data/leaner/glue/rte_validation.jsonl"
    bert = tiny_model("bert")
    capsys.readouterr()  # the fixture's own output
    assert main(["leakage-probe", str(bert), "--benchmark", str(bench)]) == 2  # was a tensor error
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a bert model (masked LM); the probe continues each item left to right" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["leakage-probe", str(empty), "--benchmark", str(bench)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"MODEL {empty}: no config.json in that folder" in err
