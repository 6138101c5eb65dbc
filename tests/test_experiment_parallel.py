"""The curriculum study's runs in worker processes and in shards: the same per-run files and the same numbers as
a serial study, run through the command as a user (or a Slurm array) runs it."""

import json
import os
import subprocess
import sys

import pytest

from conftest import CLI

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def study(sample_dir, out, *extra):
    argv = CLI + ["experiment", "curriculum", "--data", str(sample_dir), "--size", "100K", "--budget", "2560",
                  "--batch-size", "4", "--block-size", "32", "--vocab-size", "400", "--evals", "4", "--strategies",
                  "warmup-compression", "--seeds", "1,2", "--learning-rates", "4e-3,8e-3", "--schedules", "wsd",
                  "--max-train-documents", "150", "--heldout-documents", "20", "--max-eval-documents", "10",
                  "--zero_shot", "none", "--output", str(out), *extra]
    run = subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def records(out) -> dict:
    """Every run's numbers (its wall time aside), by its file's place under runs/."""
    found = {}
    for path in (out / "runs").rglob("lr*.json"):
        r = json.loads(path.read_text())
        found[str(path.relative_to(out))] = (r["settings"], r["curve"], r["final_loss"], r["heldout_loss"], r["tokens"])
    return found


def rows(out) -> list:
    """The study's table rows (tokens to target, intervals, verdict inputs), wall times aside."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads((out / "study.json").read_text())["rows"]]


@pytest.fixture(scope="module")
def serial(sample_dir, tmp_path_factory):
    """The study run serially, once: what the parallel and the sharded runs must reproduce."""
    out = tmp_path_factory.mktemp("serial")
    assert "trained 6 runs, reused 0" in study(sample_dir, out, "--workers", "1")
    return out


def test_two_workers_give_the_serial_study_run_by_run(sample_dir, tmp_path, serial):
    parallel = study(sample_dir, tmp_path / "parallel", "--workers", "2")
    assert "trained 6 runs, reused 0" in parallel
    one, two = records(serial), records(tmp_path / "parallel")
    assert len(one) == 6 and one == two  # bit-identical losses and curves, same files
    assert rows(serial) == rows(tmp_path / "parallel")
    assert "trained 0 runs, reused 6" in study(sample_dir, tmp_path / "parallel", "--workers", "2")


def test_shards_then_the_merge_equal_the_whole_study(sample_dir, tmp_path, serial):
    out = tmp_path / "sharded"
    first = study(sample_dir, out, "--shard", "0/2", "--workers", "1")
    assert "shard 0/2: trained 2 runs" in first  # its half of the four sweeps; the other seeds need every sweep
    second = study(sample_dir, out, "--shard", "1/2", "--workers", "1")
    assert "shard 1/2: trained 3 runs" in second  # its two sweeps, then its half of the second seeds
    again = study(sample_dir, out, "--shard", "0/2", "--workers", "1")  # the array's second pass
    assert "shard 0/2: trained 1 runs" in again
    merged = study(sample_dir, out, "--workers", "1")
    assert "trained 0 runs, reused 6" in merged
    assert records(out) == records(serial)
    assert rows(out) == rows(serial)
