"""A curriculum checkpoint pushed to the Hub (hub_strategy="checkpoint") resumes exactly: real local hub server."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import local_hub


def test_checkpoint_pushed_to_the_hub_resumes_exactly(tmp_path):
    root = tmp_path / "hub"
    root.mkdir()
    with local_hub(root, token="hf_local_test_token") as (url, _):
        env = {**os.environ, "HF_ENDPOINT": url, "HF_TOKEN": "hf_local_test_token", "HF_HOME": str(tmp_path / "home"),
               "HF_HUB_OFFLINE": "0", "HF_DATASETS_OFFLINE": "0"}
        run = subprocess.run([sys.executable, str(Path(__file__).with_name("hub_checkpoint_worker.py")), str(tmp_path)],
                             env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert "curriculum_orders.npz" in result["files"] and "trainer_state.json" in result["files"]
    assert result["resumed"] == result["full"] and len(result["full"]["history"]) >= 2 and result["full"]["losses"]
    assert (root / "models/me/curriculum-run/last-checkpoint/curriculum_orders.npz").is_file()
