"""The README's Python blocks run as written (in a fresh folder, on the embedded sample): a newcomer who copies
one gets what the README says."""

import math
import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_a_complete_curriculum_trainer_example():
    blocks = python_blocks()
    assert any("CurriculumTrainer(" in b and "trainer.train()" in b for b in blocks)


def test_every_readme_python_block_runs_as_written(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_DATASETS_CACHE": str(tmp_path / "datasets-cache")}
    for i, block in enumerate(python_blocks()):
        proc = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True,
                              timeout=600, env=env)
        assert proc.returncode == 0, f"README python block {i + 1}:\n{block}\n{proc.stderr[-3000:]}"
        if "CurriculumTrainer(" in block:  # it trained: the printed validation loss beats a uniform guess
            loss = float(proc.stdout.strip().splitlines()[-1])
            assert math.isfinite(loss) and loss < math.log(2000)
            assert (tmp_path / "runs" / "readme-example").is_dir()
