"""An on-disk cache of service answers (SQLite, one file), so a second run asks nothing already answered.

Keys are the service URL plus the canonical JSON of the question; values are the JSON answer and the
UTC time it was received (which becomes the link record's ``prov:generatedAtTime``, so rerunning from
the cache gives the same graph). ``path=None`` keeps the cache in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import StoreError

#: The cache file's name next to (inside) the store folder.
CACHE_NAME = "kg-link-cache.sqlite"


@dataclass(frozen=True)
class Answer:
    value: Any
    received: dt.datetime


def cache_key(service: str, question: object) -> str:
    text = json.dumps([service, question], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AnswerCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(":memory:" if path is None else str(path))
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS answers "
                "(key TEXT PRIMARY KEY, service TEXT, question TEXT, answer TEXT, received TEXT)"
            )
            self.db.commit()
        except sqlite3.Error as exc:
            raise StoreError(
                f"{path}: cannot open the linking cache: {exc} (delete the file to reset it)"
            ) from None

    def get(self, service: str, question: object) -> Answer | None:
        row = self.db.execute(
            "SELECT answer, received FROM answers WHERE key = ?", (cache_key(service, question),)
        ).fetchone()
        if row is None:
            return None
        return Answer(json.loads(row[0]), dt.datetime.fromisoformat(row[1]))

    def put(self, service: str, question: object, answer: object, received: dt.datetime) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
            (
                cache_key(service, question),
                service,
                json.dumps(question, sort_keys=True, ensure_ascii=False),
                json.dumps(answer, sort_keys=True, ensure_ascii=False),
                received.isoformat(),
            ),
        )
        self.db.commit()

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        self.db.close()


__all__ = ["CACHE_NAME", "Answer", "AnswerCache", "cache_key"]
