#!/usr/bin/env bash
# 1. The README's test command verbatim as a newcomer runs it: Python 3.13, the newest TensorFlow and
# Keras pip picks, the deploy extra and JAX (as in Colab), NO data folder, an empty cache (the labs
# fall back to the embedded MNIST subset; every checked output must hold there too); then one lab
# alone on an empty cache on TensorFlow, and no temporary folder left by a lab.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
system_packages
container_runtime
started=$(date +%s)
newest_environment
pytest   # README.md, "Two commands", after `pip install -e ".[test,deploy]"`
python --version && { pip list 2>/dev/null | grep -i -E '^(tensorflow|keras|numpy|pillow|pillow.heif|matplotlib|jax|ai.edge.litert|onnxruntime|fastapi|uvicorn) ' || true; }
no_leftovers
step_done "the README's test command on $(python --version), no data folder, an empty cache" "$started"

# One lab alone on an empty cache, as a student opens it: nothing it checks may depend on what an
# earlier lab left in the cache (lab 03's model.summary() once did, through the bfloat16 measurement).
started=$(date +%s)
DLKIT_CACHE_DIR="$work/cache-alone" pytest -q labs/03_pony_classifier.ipynb
rm -rf "$work/cache-alone"
no_leftovers
step_done "lab 03 alone on an empty cache (TensorFlow)" "$started"
