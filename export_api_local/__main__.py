"""`python -m export_api_local`: the local service (what `make run` starts)."""

import sys

from export_api_local.server import main

sys.exit(main())
