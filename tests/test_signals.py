"""SIGTERM (what `timeout`, Slurm and `kill` send) stops a command the way Ctrl-C does: the local LLM endpoint it
started goes with it, instead of living on as an orphan."""

import os
import signal
import subprocess
import time
from pathlib import Path

from conftest import CLI, SHARED


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the parent's pid, after the state letter
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_stops_the_command_and_the_llm_endpoint_it_started(tmp_path, sample_dir):
    items = tmp_path / "cola_train.jsonl"
    items.write_text("".join(f'{{"sentence": "The dog number {k} ran home.", "label": 1, "idx": {k}}}\n'
                             for k in range(40)))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(CLI + ["make-glue", str(items), "--output_dir", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline, servers = time.time() + 240, []
    while time.time() < deadline and not servers and proc.poll() is None:
        servers = [c for c in children(proc.pid) if "serve" in Path(f"/proc/{c}/cmdline").read_bytes().decode(
            errors="replace")]
        time.sleep(0.5)
    assert servers, "the command never started its local endpoint"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "hf-leaner: terminated" in err and "Traceback" not in err
    deadline = time.time() + 30
    while time.time() < deadline and any(alive(s) for s in servers):
        time.sleep(0.5)
    assert not any(alive(s) for s in servers), "the endpoint outlived the command"
