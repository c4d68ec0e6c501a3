"""pytest settings for the whole repository.

The labs run under nbval in the quick profile whatever the shell says, and never use the network:
their kernels inherit this environment. Full MNIST is still used when ``DLKIT_DATA_DIR`` or a cache
holds it (CI's full-profile step points DLKIT_DATA_DIR at ../shared/data); otherwise the embedded
subset is, and every checked output must hold on either.
"""

import os

import pytest

os.environ["DLKIT_PROFILE"] = "quick"
os.environ["DLKIT_OFFLINE"] = "1"


def pytest_collection_modifyitems(config, items):
    """Mark every lab as the ``notebooks`` tier, and skip, saying why, the labs this Python cannot
    run: a lab that declares the deploy extra (``dlkit.course.lab_facts``) where it is missing
    (the oldest set) or cannot export (the JAX run)."""
    from dlkit.course.lab_facts import read_lab_facts
    from dlkit.deploy.requirements import missing_for_deploy

    reason = missing_for_deploy()
    needs_deploy = {}
    for item in items:
        if item.path.suffix != ".ipynb":
            continue
        item.add_marker(pytest.mark.notebooks)
        if item.path not in needs_deploy:
            needs_deploy[item.path] = "deploy" in read_lab_facts(item.path).extras
        if reason and needs_deploy[item.path]:
            item.add_marker(pytest.mark.skip(reason=f"{item.path.stem}: {reason}"))


def pytest_sessionstart(session):
    """With ``DLKIT_TEST_INSTALLED_PACKAGE`` set (CI's step that installs the built wheel), refuse to
    run tests against the checkout's ``dlkit/`` folder instead of the installed package."""
    if not os.environ.get("DLKIT_TEST_INSTALLED_PACKAGE"):
        return
    from pathlib import Path

    import dlkit

    imported = Path(dlkit.__file__).resolve()
    if Path(__file__).resolve().parent in imported.parents:
        raise pytest.UsageError(
            f"DLKIT_TEST_INSTALLED_PACKAGE is set but `import dlkit` found the checkout ({imported}): "
            "install the wheel (not -e) and run pytest --import-mode=importlib"
        )
