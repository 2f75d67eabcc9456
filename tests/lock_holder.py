"""A second process that takes the real run lock and keeps it until it is killed.

``python -m tests.lock_holder URL JOB HEARTBEAT EXPIRY`` prints ``held`` once it holds
the lock, then sleeps. The lock tests kill it (SIGKILL: no release, like a crash).
"""

from __future__ import annotations

import sys
import time

from engine.store.db import open_database
from engine.store.lock import RunLock


def main(url: str, job: str, heartbeat: float, expiry: float) -> None:
    engine = open_database(url)
    RunLock(engine, job, heartbeat_s=heartbeat, expiry_s=expiry).acquire()
    print("held", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
