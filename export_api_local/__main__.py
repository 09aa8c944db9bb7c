"""`python -m export_api_local`: the local service (what `make run` starts)."""

import os
import sys

from export_api_local.server import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
# Everything is stopped and written by now; skip the interpreter's teardown of moto's large heap and
# of the Step Functions executions still parked in daemon threads, which takes seconds after Ctrl-C.
os._exit(code)
