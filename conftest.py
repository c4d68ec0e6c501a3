"""pytest settings for the whole repository.

The labs run under nbval in the quick profile whatever the shell says, and never use the network:
their kernels inherit this environment. Full MNIST is still used when ``DLKIT_DATA_DIR`` or a cache
holds it (CI points DLKIT_DATA_DIR at ../shared/data); otherwise the embedded subset is.
"""

import os

import pytest

os.environ["DLKIT_PROFILE"] = "quick"
os.environ["DLKIT_OFFLINE"] = "1"

LABS_NEEDING_DEPLOY = ("05_",)  # lab 05 exports and serves: the deploy extra, Keras on TensorFlow


def pytest_collection_modifyitems(config, items):
    """Skip, and say why, the labs this Python cannot run (the oldest set lacks the deploy extra;
    the JAX run cannot export LiteRT files)."""
    from dlkit.deploy.requirements import missing_for_deploy

    reason = missing_for_deploy()
    if reason is None:
        return
    for item in items:
        if item.path.name.startswith(LABS_NEEDING_DEPLOY) and item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.skip(reason=f"lab 05: {reason}"))
