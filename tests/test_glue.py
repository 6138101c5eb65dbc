"""`hf-leaner eval-glue` run as a user runs it: a subprocess, on the sample and on the real release copy."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

CLI = [sys.executable, "-m", "hf_leaner.cli", "eval-glue"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def _run(args, check=True):
    run = subprocess.run(CLI + [str(a) for a in args], env=ENV, capture_output=True, text=True, timeout=600)
    if check:
        assert run.returncode == 0, run.stderr[-4000:]
    return run


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _independent_metrics(task, rows):
    y = np.array([r["label"] for r in rows])
    p = np.array([r["prediction"] for r in rows])
    if task == "cola":
        return {"matthews_correlation": matthews_corrcoef(y, p)}
    if task == "stsb":
        if np.ptp(p) == 0 or np.ptp(y) == 0:  # undefined correlation: scored 0
            return {"pearson": 0.0, "spearmanr": 0.0}
        return {"pearson": pearsonr(p, y).statistic, "spearmanr": spearmanr(p, y).statistic}
    if task in ("mrpc", "qqp"):
        return {"f1": f1_score(y, p), "accuracy": accuracy_score(y, p)}
    return {"accuracy": accuracy_score(y, p)}


def _check_metrics_match_predictions(out, results, tasks):
    for task in tasks:
        r = results["tasks"][task]
        for split in r["over_seeds"]:
            rows = _rows(out / "predictions" / f"{task}_{split}.jsonl")
            assert len(rows) == len({row["idx"] for row in rows})
            expected = _independent_metrics(task, rows)
            assert set(r[split]) == set(expected)
            for name, value in expected.items():
                assert r[split][name] == pytest.approx(value, abs=1e-9), (task, split, name)


def test_eval_glue_on_sample_metrics_equal_sklearn_and_rerun_skips(tiny_model, tmp_path):
    out = tmp_path / "out"
    tasks = ["cola", "rte", "stsb", "mrpc"]
    args = [tiny_model("llama"), "--tasks", ",".join(tasks) + ",mnli", "--seeds", "1,2", "--learning-rates", "1e-3",
            "--num_train_epochs", "1", "--workers", "2", "--output_dir", out]
    first = _run(args)
    assert re.search(r"^\[8/8\] (cola|rte|stsb|mrpc) lr=0.001 seed=[12]: ", first.stdout, re.M)  # a line per cell
    assert "note: too few examples to tell models apart: cola validation (8 examples)" in first.stdout
    results = json.loads((out / "results.json").read_text())
    _check_metrics_match_predictions(out, results, tasks)
    assert results["tasks"]["mnli"]["status"] == "no train split"
    assert "mnli" in results["missing_train"] and "not fine-tuned: mnli" in first.stdout
    avg = results["average"]
    assert "mean over tasks" in avg["definition"] and len(avg["validation"]["per_seed"]) == 2
    assert avg["value"] == avg["validation"]["best"]
    scores = avg["validation"]["tasks"]
    assert scores["stsb"] == pytest.approx(np.mean([results["tasks"]["stsb"]["validation"][m] for m in ("pearson", "spearmanr")]))
    assert avg["validation"]["best"] == pytest.approx(np.mean(list(scores.values())))
    # a finished run reruns without training anything
    stamp = {p: p.stat().st_mtime_ns for p in (out / "cells").rglob("*.json")}
    again = _run(args)
    assert "8 of 8 cells already done" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in (out / "cells").rglob("*.json")} == stamp
    assert json.loads((out / "results.json").read_text())["tasks"] == results["tasks"]
    # the grid ran in 2 worker processes; one process gives the same cells, bit for bit
    serial = tmp_path / "serial"
    _run(args[:-1] + [serial, "--workers", "1"])
    for path in (out / "cells").rglob("*.json"):
        cell, again = (json.loads(p.read_text()) for p in (path, serial / path.relative_to(out)))
        assert (cell["metrics"], cell["predictions"], cell["settings"]) == \
            (again["metrics"], again["predictions"], again["settings"]), path.name


def test_from_scratch_and_presets(tiny_model, tmp_path):
    model = tiny_model("llama")
    pre, scratch = tmp_path / "pre", tmp_path / "scratch"
    common = ["--tasks", "rte", "--seeds", "3", "--num_train_epochs", "1", "--max_train_examples", "16"]
    _run([model, "--preset", "babylm", *common, "--output_dir", pre])
    _run(["--from-scratch", model, "--preset", "babylm", *common, "--output_dir", scratch])
    a, b = (json.loads((d / "results.json").read_text()) for d in (pre, scratch))
    assert b["from_scratch"] is True and a["from_scratch"] is False
    assert a["learning_rates"] == [3e-5] and "BabyLM" in a["average"]["definition"]
    assert a["tasks"]["rte"]["train_examples"] == 16
    preds = [[r["prediction"] for r in _rows(d / "predictions" / "rte_validation.jsonl")] for d in (pre, scratch)]
    assert len(preds[0]) == len(preds[1]) == 8


def test_bad_input_is_one_line_and_exit_2(tiny_model, tmp_path):
    model = tiny_model("llama")
    for args, needle in [([model, "--data", tmp_path / "nowhere"], "--data"),
                         ([model, "--tasks", "cola,nope"], "--tasks"),
                         ([tmp_path], "MODEL"),
                         ([], "MODEL")]:
        run = _run(args + ["--output_dir", tmp_path / "o"], check=False)
        assert run.returncode == 2, run.stderr[-2000:]
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], run.stderr


@pytest.mark.parametrize("task, split, rows, culprit", [
    ("stsb", "validation", [{"sentence1": "A.", "sentence2": "B.", "label": float("nan"), "idx": 0}],
     "stsb_validation.jsonl:1: field 'label' = nan is not a similarity score from 0 to 5"),
    ("cola", "train", [{"sentence": "A dog ran.", "label": 1, "idx": 0}, {"sentence": "Ran.", "label": "abc", "idx": 1}],
     "cola_train.jsonl:2: field 'label' = 'abc' is not a class of"),
    ("rte", "train", [], "rte_train.jsonl: no rows (an empty train file"),
    ("rte", "validation", [{"sentence1": "A.", "sentence2": "B.", "label": i % 2, "idx": min(i, 2)} for i in range(4)],
     "rte_validation.jsonl:4: idx 2 again (first at line 3)"),
    ("rte", "validation", [{"sentence1": "A.", "sentence2": "B.", "label": -1, "idx": i} for i in range(4)],
     "rte_validation.jsonl: every label is -1 (unlabelled test rows); rte needs a labelled split"),
])
def test_bad_labels_and_files_are_one_line_naming_the_file_before_anything_is_written(tiny_model, tmp_path, sample_dir,
                                                                                       task, split, rows, culprit):
    import shutil

    data = tmp_path / "release"
    shutil.copytree(sample_dir / "data" / "leaner" / "glue", data / "data" / "leaner" / "glue")
    (data / "data" / "leaner" / "glue" / f"{task}_{split}.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows))
    run = _run([tiny_model("llama"), "--data", data, "--tasks", task, "--output_dir", tmp_path / "o"], check=False)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and culprit in run.stderr, run.stderr
    assert not (tmp_path / "o" / "eval_glue_args.json").exists()


def test_a_folder_that_is_not_a_model_is_one_line_before_anything_is_written(tiny_model, tmp_path):
    import shutil

    empty, no_weights = tmp_path / "empty", tmp_path / "no-weights"
    empty.mkdir()
    shutil.copytree(tiny_model("llama"), no_weights, ignore=shutil.ignore_patterns("*.safetensors"))
    for model, culprit in [(empty, "no config.json in that folder"), (no_weights, "a config.json but no weights")]:
        run = _run([model, "--tasks", "rte", "--output_dir", tmp_path / "o"], check=False)
        assert run.returncode == 2 and run.stderr.count("\n") == 1 and f"MODEL {model}: {culprit}" in run.stderr
        assert not (tmp_path / "o").exists()


def test_a_model_retrained_into_the_same_folder_is_evaluated_again(tiny_model, tmp_path):
    import shutil

    from transformers import AutoModelForCausalLM

    model = tmp_path / "model"
    shutil.copytree(tiny_model("llama"), model)
    args = [model, "--tasks", "rte", "--seeds", "1", "--learning-rates", "1e-3", "--num_train_epochs", "1",
            "--output_dir", tmp_path / "out"]
    _run(args)
    first = json.loads((tmp_path / "out" / "cells" / "rte" / "lr0.001_seed1.json").read_text())
    again = _run(args)
    assert "1 of 1 cells already done" in again.stdout  # the same weights: reused
    retrained = AutoModelForCausalLM.from_pretrained(model)
    for param in retrained.parameters():  # "retrained": other weights, same folder, same path
        param.data.mul_(0.5)
    retrained.save_pretrained(model)
    third = _run(args)
    assert "already done" not in third.stdout and "[1/1] rte" in third.stdout, third.stdout
    cell = json.loads((tmp_path / "out" / "cells" / "rte" / "lr0.001_seed1.json").read_text())
    assert cell["settings"]["weights"] != first["settings"]["weights"]


def test_kill_9_loses_at_most_the_cell_in_flight(tiny_model, tmp_path):
    out = tmp_path / "out"
    args = [tiny_model("llama"), "--tasks", "cola,rte", "--seeds", "1,2,3", "--num_train_epochs", "1",
            "--output_dir", out]
    proc = subprocess.Popen(CLI + [str(a) for a in args], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and not list((out / "cells").rglob("*.json")):
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p: p.stat().st_mtime_ns for p in (out / "cells").rglob("*.json")}
    assert 1 <= len(done) < 6
    rerun = _run(args)
    assert f"{len(done)} of 6 cells already done, skipped" in rerun.stdout
    assert all(p.stat().st_mtime_ns == t for p, t in done.items())  # finished cells were not redone
    results = json.loads((out / "results.json").read_text())
    for task in ("cola", "rte"):
        assert results["tasks"][task]["over_seeds"]["validation"][
            "accuracy" if task == "rte" else "matthews_correlation"]["n"] == 3
    _check_metrics_match_predictions(out, results, ["cola", "rte"])


def test_eval_glue_on_the_release_copy(shared_dir, tiny_model, tmp_path):
    out = tmp_path / "out"
    run = _run([tiny_model("llama"), "--data", shared_dir, "--tasks", "cola,rte,stsb,sst2,qqp", "--seeds", "1",
                "--num_train_epochs", "1", "--max_train_examples", "256", "--output_dir", out])
    results = json.loads((out / "results.json").read_text())
    assert set(results["missing_train"]) == {"sst2", "qqp"}
    glue = shared_dir / "data" / "leaner" / "glue"
    for task in ("cola", "rte", "stsb"):
        rows = _rows(out / "predictions" / f"{task}_validation.jsonl")
        assert [r["idx"] for r in rows] == [json.loads(line)["idx"] for line in
                                            (glue / f"{task}_validation.jsonl").read_text().splitlines()]
    _check_metrics_match_predictions(out, results, ["cola", "rte", "stsb"])
    assert "not fine-tuned: sst2: no train split" in run.stdout


def test_averages_follow_their_stated_definitions():
    from hf_leaner.evaluation.glue_metrics import average, task_metrics

    m = {"mrpc": {"validation": task_metrics("mrpc", [1, 1, 0, 0], [1, 0, 0, 0])},
         "mnli": {"validation_matched": {"accuracy": 0.5}, "validation_mismatched": {"accuracy": 0.7}},
         "cola": {"validation": task_metrics("cola", [1, 0, 1, 0], [1, 0, 1, 0])},
         "stsb": {"validation": task_metrics("stsb", [0.0, 1.0, 2.0], [2.0, 2.0, 2.0])}}
    assert m["mrpc"]["validation"] == {"f1": pytest.approx(2 / 3), "accuracy": 0.75}
    assert m["stsb"]["validation"] == {"pearson": 0.0, "spearmanr": 0.0}  # constant prediction: undefined -> 0
    glue = average(m, "validation", "glue")
    assert glue["tasks"] == pytest.approx({"mrpc": (2 / 3 + 0.75) / 2, "mnli": 0.6, "cola": 1.0, "stsb": 0.0})
    assert glue["value"] == pytest.approx(np.mean(list(glue["tasks"].values())))
    babylm = average(m, "validation", "babylm")
    assert babylm["tasks"]["mrpc"] == pytest.approx(2 / 3) and "F1 for MRPC" in babylm["definition"]
