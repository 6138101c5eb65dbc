#!/usr/bin/env bash
# The main job, end to end, on the embedded sample corpus (CPU, offline). Extra arguments go to
# `hf-leaner quickstart` (see --help), e.g. --data-dir ../shared/tinyhelen --output outputs/real.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup_env.sh
exec "${HF_LEANER_VENV:-.venv}/bin/hf-leaner" quickstart "$@"
