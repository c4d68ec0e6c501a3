#!/usr/bin/env bash
# 1b. Colab, stood in: Python 3.13 with Colab's published versions (../shared/colab, Google's own
# list) of the packages dlkit and a notebook touch, dlkit NOT installed; each lab's install cell (the
# first cell of the copy a student opens) runs as written against a local clone holding the release
# tag; no package that was there may change version (pip freeze before and after), and the quick
# labs then run there under nbval. The GPU runtime's list gets the same install check (its CUDA
# builds need a GPU to run the labs; the float16 path is tested on CPU).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
started=$(date +%s)
newest_environment
newest_python="$(python_of 3.13)"
echo "ci: Colab's lists: $colab_lists/pip-freeze.txt and pip-freeze.gpu.txt," \
     "$(grep -o 'commit [0-9a-f]* ([0-9-]*' "$colab_lists/README.md" | tr -d '(' || echo 'date unknown')"
DLKIT_CACHE_DIR="$work/cache-colab" python tools/colab_standin.py --python "$newest_python" \
  --freeze "$colab_lists/pip-freeze.txt" --venv "$work/colab" --report "$work/colab-cpu.md" --run-labs
rm -rf "$work/colab" "$work/cache-colab"
python tools/colab_standin.py --python "$newest_python" \
  --freeze "$colab_lists/pip-freeze.gpu.txt" --venv "$work/colab-gpu" --report "$work/colab-gpu.md"
rm -rf "$work/colab-gpu"
no_leftovers
step_done "the Colab stand-ins (CPU list with its quick labs, GPU list's install)" "$started"
