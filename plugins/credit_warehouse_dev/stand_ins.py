"""The stand-ins of the local stack in one process: ``python -m credit_warehouse_dev.stand_ins INFO MAIL``.

Starts the court API, the national interface and the SMTP sink (mail kept in the folder MAIL), writes
the settings that point the pipeline at them to the JSON file INFO, and serves until SIGTERM.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from credit_warehouse_dev.night import stand_in_services


def main(info: Path, mail_folder: Path) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with stand_in_services(mail_folder) as services:
        partial = info.with_suffix(".part")
        partial.write_text(json.dumps({"connections": services["connections"]}))
        partial.replace(info)  # whole or not at all: the stack reads it as soon as it exists
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
