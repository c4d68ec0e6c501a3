# Setup: installs dlkit where it is missing (Colab, a fresh Jupyter); does nothing where it is there.
DLKIT_REPOSITORY = "__REPOSITORY__"
DLKIT_RELEASE = "__RELEASE__"  # a released version: what is pushed to the repository later changes nothing here

import importlib.util
import os

# Keras runs on TensorFlow (the default), JAX or PyTorch. Choose before Keras is first imported,
# e.g. os.environ["KERAS_BACKEND"] = "jax", and restart the kernel to choose again.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def install_changing_nothing(requirement):
    """pip install `requirement` holding every installed package at its version (in Colab: its kernel,
    TensorFlow, protobuf...), as a package replaced under a running notebook breaks it later. Where
    that cannot be done, install nothing and say in one line what would change."""
    import json
    import subprocess
    import sys
    import tempfile

    pip = [sys.executable, "-m", "pip"]
    installed = subprocess.run([*pip, "list", "--format=freeze", "--exclude", "dlkit"],
                               capture_output=True, text=True, check=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write(installed)
    try:
        held = subprocess.run([*pip, "install", "--quiet", "--constraint", constraints.name, requirement],
                              capture_output=True, text=True)
    finally:
        os.remove(constraints.name)
    if held.returncode == 0:
        return
    # Why not? Ask pip what it would install if it could change things, and say which would change.
    free = subprocess.run([*pip, "install", "--dry-run", "--quiet", "--report", "-", requirement],
                          capture_output=True, text=True)
    before = dict(line.lower().replace("_", "-").split("==") for line in installed.splitlines() if "==" in line)
    wanted = json.loads(free.stdout)["install"] if free.returncode == 0 else []
    changes = [f"{item['metadata']['name']} {before[name]} -> {item['metadata']['version']}" for item in wanted
               if (name := item["metadata"]["name"].lower().replace("_", "-")) in before
               and before[name] != item["metadata"]["version"]]
    if changes:
        raise SystemExit(f"dlkit was not installed: it would change {', '.join(changes)}, installed here. "
                         "Use a runtime with newer versions, or install anyway and restart the runtime: "
                         f'pip install "{requirement}"')
    reason = (held.stderr.strip().splitlines() or ["pip gave no reason"])[-1]
    raise SystemExit(f"dlkit was not installed: pip stopped: {reason}")


if __MISSING__:
    install_changing_nothing(f"__REQUIREMENT__ @ git+{DLKIT_REPOSITORY}@{DLKIT_RELEASE}")
    importlib.invalidate_caches()

from dlkit.runtime import versions_line

print(versions_line())
