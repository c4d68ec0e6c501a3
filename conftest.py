"""pytest settings for the whole repository.

The labs run under nbval in the quick profile whatever the shell says, and never use the network:
their kernels inherit this environment. Full MNIST is still used when ``DLKIT_DATA_DIR`` or a cache
holds it (CI points DLKIT_DATA_DIR at ../shared/data); otherwise the embedded subset is.
"""

import os

os.environ["DLKIT_PROFILE"] = "quick"
os.environ["DLKIT_OFFLINE"] = "1"
