"""`hf-leaner experiment architectures` (EXP1) end to end on the sample, at the smallest setting."""

import json
import os
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
BENCHMARKS = [str(SHARED)] if (SHARED / "blimp").is_dir() and (SHARED / "zorro").is_dir() else []  # BLiMP, Zorro
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def test_architectures_experiment_table_plot_and_rerun(tmp_path):
    out = tmp_path / "exp1"
    cmd = [sys.executable, "-m", "hf_leaner.cli", "experiment", "architectures", "--families", "llama,bert",
           "--size", "100K", "--steps", "4", "--block-size", "32", "--batch-size", "4", "--vocab-size", "300",
           "--glue-tasks", "rte", "--glue-epochs", "1", "--output", str(out), "--zero_shot", "own", *BENCHMARKS,
           "--zero_shot_pairs", "2"]
    run = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads((out / "architectures.json").read_text())
    rows = result["rows"]
    assert sorted(rows) == sorted(f"{a}/{v}" for a in ("llama", "bert") for v in ("leaner", "original", "scratch"))
    for arch in ("llama", "bert"):
        # equal token budgets; the scratch baseline has the same size and sees no pretraining text
        assert rows[f"{arch}/leaner"]["pretrain_tokens"] == rows[f"{arch}/original"]["pretrain_tokens"] == 4 * 4 * 32
        assert rows[f"{arch}/scratch"]["pretrain_tokens"] == 0
        assert len({rows[f"{arch}/{v}"]["non_embedding_parameters"] for v in ("leaner", "original", "scratch")}) == 1
        for v in ("leaner", "original", "scratch"):
            glue = json.loads((out / "glue" / f"{arch}-{v}" / "results.json").read_text())
            assert glue["from_scratch"] is (v == "scratch")
            assert rows[f"{arch}/{v}"]["average"] == glue["average"]["validation"]["best"]
    assert (out / "architectures.png").stat().st_size > 1000
    assert "EXP1" in run.stdout and "bert" in (out / "architectures.md").read_text()
    # zero-shot grammar beside GLUE: pairs from the words both arms saw, each model and its untrained config
    assert result["zero_shot_suites"] == ["own"] + (["blimp", "zorro"] if BENCHMARKS else [])
    assert "own LEANER view %" in (out / "architectures.md").read_text()
    if BENCHMARKS:
        assert "blimp %" in run.stdout + (out / "architectures.md").read_text()
    for key, row in rows.items():
        assert 0 <= row["zero_shot"]["own"]["accuracy"] <= 1, key
    again = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and again.stdout.count("1 of 1 cells already done") == 6
    scored = json.loads((out / "zero_shot" / "results.json").read_text())["models"]
    assert len(scored) == 4 and all(m["pairs_scored_this_run"] == 0 for m in scored.values())  # resumed
