#!/usr/bin/env bash
# The test suite. Tests on the real TinyHelen files run when ../shared/tinyhelen exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup_env.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# tests run several processes at once (the LLM endpoint, Hub server, workers): one OpenMP thread each, or on a
# 2-core machine the oversubscribed threads made a tiny model's training step ~10x slower (2.2 s vs 0.2 s)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# two test processes (pytest-xdist), each test file in one of them (its module fixtures built once): on CI's 2 cores
# the suite takes ~60% of one process's time; HF_LEANER_TEST_WORKERS=0 runs it in this process
workers=${HF_LEANER_TEST_WORKERS:-2}
dist=()
if [ "$workers" -gt 1 ]; then dist=(-n "$workers" --dist loadfile); fi
exec "${HF_LEANER_VENV:-.venv}/bin/python" -m pytest "${dist[@]}" "$@"
