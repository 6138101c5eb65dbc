"""The main job, `hf-leaner quickstart`, run as a user runs it (tiny settings): every stage ends in the summary table,
and a machine where the local LLM endpoint cannot start still finishes, with the judge skipped and said why."""

import json
import os
import subprocess
import sys
from pathlib import Path


def test_quickstart_end_to_end_with_the_judge_skipped_when_no_endpoint_starts(tmp_path):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("")
    env = {**os.environ, "HF_LEANER_CACHE": str(blocker / "cache"), "OMP_NUM_THREADS": "1"}
    out = tmp_path / "quickstart"
    proc = subprocess.run([sys.executable, "-m", "hf_leaner.cli", "quickstart", "--output", str(out),
                           "--model-size", "100K", "--steps", "10", "--seeds", "1"],
                          capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    assert "[judge] skipped: no local endpoint could be started" in text and "hf-leaner judge --base_url" in text
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


def test_quickstart_with_a_judge_endpoint_compares_and_without_one_only_checks_plumbing(tmp_path, llm_server):
    """A judge given by URL gets the real comparison table; the default local 135M judge checks one question and
    prints no score that could pass for a measurement of the models."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = tmp_path / "quickstart"
    benchmarks = Path(__file__).resolve().parents[2] / "shared"  # BLiMP and Zorro, when this machine has them
    suites = ["own", str(benchmarks)] if (benchmarks / "blimp").is_dir() and (benchmarks / "zorro").is_dir() else ["own"]
    base = [sys.executable, "-m", "hf_leaner.cli", "quickstart", "--output", str(out), "--model-size", "100K",
            "--steps", "10", "--seeds", "1,2", "--zero_shot", *suites, "--zero_shot_pairs", "2"]
    judged = subprocess.run(base + ["--judge_base_url", llm_server.base_url, "--judge_model", llm_server.model],
                            capture_output=True, text=True, timeout=900, env=env)
    assert judged.returncode == 0, judged.stderr[-3000:]
    assert "compares the pretrained and the instructed answers" in judged.stdout
    assert "sum of 3 criteria (0-15)" in judged.stdout[judged.stdout.rindex("step "):]
    assert json.loads((out / "judge" / "results.json").read_text())["judge"]["model"] == llm_server.model
    if len(suites) == 2:  # BLiMP and Zorro columns beside the pairs made from the training vocabulary
        assert "blimp %" in judged.stdout and "zorro %" in judged.stdout and "at most 2 pairs per paradigm" in judged.stdout
