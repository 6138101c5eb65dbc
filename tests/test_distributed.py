"""Two CPU processes under `accelerate launch`: same curriculum order, disjoint batches, no double sharding."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_two_processes_get_disjoint_batches_of_one_order(tmp_path):
    launcher = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    if launcher is None:
        pytest.skip("accelerate launcher not installed")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "CUDA_VISIBLE_DEVICES": ""}
    # `accelerate launch --cpu` starts a single process whatever --num_processes says (its "simple" launcher);
    # the multi-process launcher (torchrun) with no visible GPU gives the CPU/gloo run that is meant
    run = subprocess.run([launcher, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                          "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29533",
                          str(Path(__file__).with_name("dist_worker.py")), str(tmp_path)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2
    # one schedule: the same stages at the same positions, the same (re-scored) document orders
    assert r0["history"] == r1["history"] and len(r0["history"]) >= 2
    assert r0["orders"] == r1["orders"] and r0["global"] == r1["global"]
    # process p trains on batches p, p+2, p+4, ... of that one sequence: disjoint, and nothing sharded twice
    bs, steps, seq = 3, 16, r0["global"]
    for k in range(steps):
        assert r0["seen"][k * bs:(k + 1) * bs] == seq[(2 * k) * bs:(2 * k + 1) * bs], k
        assert r1["seen"][k * bs:(k + 1) * bs] == seq[(2 * k + 1) * bs:(2 * k + 2) * bs], k
    assert len({i // r0["stride"] for i in r0["seen"]}) >= 2  # the re-scored packing was used after a stage change
