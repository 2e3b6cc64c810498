"""``python -m bench.permits [--quick]``: the permit pre-check benchmark."""

import sys

from bench.permits.runner import main

sys.exit(main())
