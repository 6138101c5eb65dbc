"""`hf-leaner experiment instruction` (EXP2) end to end on the sample, at the smallest setting: its pretraining and
tuning runs go to worker processes and give the models one process gives, bit for bit."""

import hashlib
import os
import subprocess
import sys

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
       "OMP_NUM_THREADS": "1"}


def _digests(out):
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("model.safetensors"))}


def test_instruction_experiment_in_workers_equals_one_process(tmp_path):
    base = [sys.executable, "-m", "hf_leaner.cli", "experiment", "instruction", "--size", "100K", "--steps", "4",
            "--instruct_steps", "2", "--questions_per_subset", "1", "--block_size", "32", "--batch_size", "4",
            "--vocab_size", "300", "--judge_base_url", "none"]  # the judge is tested with the main job and `judge`
    runs = {}
    for workers in (2, 1):
        out = tmp_path / f"workers{workers}"
        proc = subprocess.run(base + ["--workers", str(workers), "--output", str(out)], env=ENV, capture_output=True,
                              text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert f"EXP2: pretraining 2 models on LEANER and ORIGINAL (4 steps each, {workers} at once)" in proc.stdout
        runs[workers] = out
    digests = [_digests(runs[w]) for w in (2, 1)]
    assert len(digests[0]) == 6 and digests[0] == digests[1]  # 2 pretrained + 4 tuned models
    answers = [sorted((runs[w] / "seed42" / "answers").glob("*.jsonl")) for w in (2, 1)]
    assert [f.read_text() for f in answers[0]] == [f.read_text() for f in answers[1]] and len(answers[0]) == 4
    assert "nothing judged (--judge_base_url none)" in proc.stdout and "hf-leaner judge --base_url URL" in proc.stdout
