"""`python -m chaos`: the chaos run, configured by CHAOS_SECONDS, CHAOS_DRAIN_SECONDS,
CHAOS_USERS and CHAOS_SEED."""

import os
import signal
import sys

from chaos.run import main

if __name__ == "__main__":
    # Stopped from outside (a test's timeout, Ctrl-C): stop the stack and its services too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(
        main(
            seconds=float(os.environ.get("CHAOS_SECONDS", 600)),
            drain_seconds=float(os.environ.get("CHAOS_DRAIN_SECONDS", 600)),
            user_count=int(os.environ.get("CHAOS_USERS", 4)),
            seed=int(os.environ["CHAOS_SEED"]) if os.environ.get("CHAOS_SEED") else None,
        )
    )
