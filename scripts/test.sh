#!/usr/bin/env bash
# The test suite. Tests on the real TinyHelen files run when ../shared/tinyhelen exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup_env.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# tests run several processes at once (the LLM endpoint, Hub server, workers): one OpenMP thread each, or on a
# 2-core machine the oversubscribed threads made a tiny model's training step ~10x slower (2.2 s vs 0.2 s)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec "${HF_LEANER_VENV:-.venv}/bin/python" -m pytest "$@"
