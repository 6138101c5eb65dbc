"""The main job, `hf-leaner quickstart`, run as a user runs it (tiny settings): every stage ends in the summary table,
and a machine where the local LLM endpoint cannot start still finishes, with the judge skipped and said why."""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def test_quickstart_fetches_the_release_from_the_hub_and_skips_the_judge_when_no_endpoint_starts(tmp_path):
    """``--data auto`` (the default) online: the Hub (a local Hub process holding a copy of the release) gives only
    the files the main job needs; a machine where the local LLM endpoint cannot start still finishes."""
    from conftest import SHARED, local_hub

    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("")
    env = {**os.environ, "HF_LEANER_CACHE": str(blocker / "cache"), "OMP_NUM_THREADS": "1",
           "HF_HOME": str(tmp_path / "hf-home")}
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("HF_DATASETS_OFFLINE", None)
    out = tmp_path / "quickstart"
    argv = [sys.executable, "-m", "hf_leaner.cli", "quickstart", "--output", str(out), "--model-size", "100K",
            "--steps", "10", "--seeds", "1"]
    with contextlib.ExitStack() as stack:
        if (SHARED / "data").is_dir():
            release = tmp_path / "hub" / "datasets" / "EmpathYang" / "TinyHelen"
            shutil.copytree(SHARED, release)
            url, _ = stack.enter_context(local_hub(tmp_path / "hub"))
            env["HF_ENDPOINT"] = url
        else:  # no release copy on this machine: auto falls back to the sample, offline
            env["HF_HUB_OFFLINE"] = "1"
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    if "HF_ENDPOINT" in env:
        assert f"from {env['HF_ENDPOINT']}" in text.splitlines()[0], text[:500]
        snapshot = next((tmp_path / "hf-home" / "hub" / "datasets--EmpathYang--TinyHelen" / "snapshots").iterdir())
        fetched = {str(p.relative_to(snapshot)) for p in snapshot.rglob("*") if p.is_file()}
        assert any(f.startswith("data/leaner/10M/train/") for f in fetched)
        assert any(f.startswith("data/ori/10M/validation/") for f in fetched)
        assert not [f for f in fetched if "/100M/" in f or f.startswith("tokenizer/")], "fetched more than needed"
        assert "This ran on the embedded sample" not in text
    else:
        assert "using the embedded sample" in text.splitlines()[0] and "This ran on the embedded sample" in text
    assert "[judge] skipped: no local endpoint could be started" in text and "hf-leaner judge --base_url" in text
    assert re.search(r"learned [\d,]+ tokens: asked for 2,000", text) or "2,000 tokens (asked for 2,000)" in text
    # one learning rate is not a tuned baseline, and the table says so
    assert "target = the baseline (one LR, 0.004, not tuned)'s final validation loss" in text
    assert "Traceback" not in proc.stderr
    summary = text[text.rindex("step "):]
    for row in ("publish leaner-pretrain", "tokenizer", "statistics", "pretraining", "zero-shot", "instruction tuning",
                "generation", "judge"):
        assert row in summary, row
    # the stages left what they say: a tuned model and one answer per question from each model
    assert (out / "instruct" / "config.json").is_file()
    answers = [json.loads(line) for line in (out / "answers" / "instructed.jsonl").read_text().splitlines()]
    assert answers and all(a["answer"] is not None and a["id"] for a in answers)
    assert (out / "pretrain" / "curriculum_study.png").is_file()
    # its models scored zero-shot on pairs made from the training vocabulary, beside the untrained model
    zero_shot = json.loads((out / "zero_shot" / "results.json").read_text())
    assert len(zero_shot["models"]) == 2 and zero_shot["protocol"]["suites"]["own"]["pairs"] > 0
    assert "untrained" in text and "own %" in text


# a well-formed judgement of two answers: the stand-in for a capable judge (a real local HTTP process answering it)
RATED = ('{"ratings": [{"answer": 1, "grammar": 4, "coherence": 3, "specificity": 3}, '
         '{"answer": 2, "grammar": 2, "coherence": 2, "specificity": 1}]}')


def test_quickstart_with_a_judge_endpoint_compares_the_two_models(tmp_path, fault_proxy):
    """A judge given by URL gets the comparison table (the local 135M judge itself is exercised in test_judge.py);
    offline, the data falls back to the sample and says what that means."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub-cache")}
    out = tmp_path / "quickstart"
    benchmarks = Path(__file__).resolve().parents[2] / "shared"  # BLiMP and Zorro, when this machine has them
    suites = ["own", str(benchmarks)] if (benchmarks / "blimp").is_dir() and (benchmarks / "zorro").is_dir() else ["own"]
    base = [sys.executable, "-m", "hf_leaner.cli", "quickstart", "--output", str(out), "--model-size", "100K",
            "--steps", "10", "--seeds", "1,2", "--zero_shot", *suites, "--zero_shot_pairs", "2"]
    judge_url, _ = fault_proxy([f"reply:{RATED}*"])
    judged = subprocess.run(base + ["--judge_base_url", judge_url, "--judge_model", "capable-judge"],
                            capture_output=True, text=True, timeout=900, env=env)
    assert judged.returncode == 0, judged.stderr[-3000:]
    assert "compares the pretrained and the instructed answers" in judged.stdout
    # offline (the suite's HF_HUB_OFFLINE=1), --data auto falls back to the sample, says why and what that means
    assert "offline (HF_HUB_OFFLINE is set)" in judged.stdout.splitlines()[0]
    assert "its LEANER training text has" in judged.stdout and "the pipeline works, not what the method does" in judged.stdout
    assert re.search(r"capable-judge: sum of 3 criteria \(0-15\): \S+ \d+\.\d, instructed \d+\.\d",
                     judged.stdout[judged.stdout.rindex("step "):])
    results = json.loads((out / "judge" / "results.json").read_text())
    assert results["judge"]["model"] == "capable-judge" and results["judge"]["endpoint"] == judge_url
    assert all(m["failure_rate"] == 0 for m in results["all"].values())
    if len(suites) == 2:  # BLiMP and Zorro columns beside the pairs made from the training vocabulary
        assert "blimp %" in judged.stdout and "zorro %" in judged.stdout and "at most 2 pairs per paradigm" in judged.stdout


def test_the_default_judge_stage_is_a_plumbing_check_that_shows_no_score(tmp_path, llm_server, capsys):
    """The main job's default judge: the local endpoint (launched at the job's start; here the session's) judges one
    question in one order, and the summary says how many judgements parsed, never a score."""
    from hf_leaner.experiments.quickstart import judge_stage

    files = []
    for name, answers in (("pretrained", ["dog the ran ran", "blue"]), ("instructed", ["Plants need water.", "Yes."])):
        path = tmp_path / "answers" / f"{name}.jsonl"
        path.parent.mkdir(exist_ok=True)
        path.write_text("".join(json.dumps({"id": f"q{i}", "question": q, "answer": a, "model": name}) + "\n"
                                for i, (q, a) in enumerate(zip(["What do plants need?", "Is the sky blue?"], answers))))
        files.append(path)
    step, result, seconds = judge_stage(tmp_path, files, (None, None, None), local=llm_server)
    assert step == "judge" and re.fullmatch(r"plumbing check \(local 135M\): [02]/2 judgements parsed; for a "
                                            r"comparison give --judge_base_url", result), result
    assert "no score is shown" in capsys.readouterr().out
    results = json.loads((tmp_path / "judge" / "results.json").read_text())
    assert results["usage"]["requests"] - results["usage"]["retries"] == 1  # one question, one order
    assert all(m["questions"] == 1 for m in results["all"].values())
