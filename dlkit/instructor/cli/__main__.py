"""``python -m dlkit.instructor.cli``: the ``dlkit`` command."""

import sys

from dlkit.instructor.cli import main

sys.exit(main())
