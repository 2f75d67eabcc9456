"""Structured logs of the scheduler: one line per event with its fields.

stderr gets ``key=value`` lines a person reads (and journald keeps); the optional
log file gets one JSON object per line for a log shipper. Both carry the same fields:
event, job, as_of, run_id, status, counts, moves, notices, duration_s, …
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOGGER_NAME = "lights"
log = logging.getLogger(LOGGER_NAME)


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event; fields whose value is None are left out."""
    log.log(level, name, extra={"fields": {k: v for k, v in fields.items() if v is not None}})


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items())
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (not text or " " in text or '"' in text
                                                     or "=" in text) else text


class LogfmtFormatter(logging.Formatter):
    """``2026-11-24T02:00:03+08:00 INFO run_finished job=nightly as_of=2026-11-24 …``"""

    def __init__(self, zone: Any = UTC) -> None:
        super().__init__()
        self.zone = zone

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, self.zone).isoformat(timespec="seconds")
        fields = getattr(record, "fields", {})
        parts = [stamp, record.levelname, record.getMessage()]
        parts += [f"{k}={_value(v)}" for k, v in fields.items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def __init__(self, zone: Any = UTC) -> None:
        super().__init__()
        self.zone = zone

    def format(self, record: logging.LogRecord) -> str:
        data = {"time": datetime.fromtimestamp(record.created, self.zone).isoformat(),
                "level": record.levelname, "logger": record.name, "event": record.getMessage(),
                **getattr(record, "fields", {})}
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def setup(log_file: str | None, zone: Any = UTC, level: int = logging.INFO) -> None:
    """Send our logs (and APScheduler's warnings) to stderr, and to ``log_file`` if set."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    handlers[0].setFormatter(LogfmtFormatter(zone))
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(JsonFormatter(zone))
        handlers.append(file_handler)
    for name, lvl in ((LOGGER_NAME, level), ("apscheduler", logging.WARNING)):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
            old.close()
        for handler in handlers:
            logger.addHandler(handler)
        logger.setLevel(lvl)
        logger.propagate = False
