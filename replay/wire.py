"""What the wire formats share: an answer, and how times and values are written on the wire."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict = field(default_factory=dict)


def json_answer(value, status: int = 200) -> Answer:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Answer(status, "application/json; charset=utf-8", body)


def floating(moment: datetime) -> str:
    """Socrata's floating timestamp: local time, milliseconds, no offset."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}"


def fixed(moment: datetime) -> str:
    """Socrata's fixed timestamp (system fields): UTC with a Z."""
    return floating(moment.astimezone(UTC)) + "Z"


def epoch_ms(moment: datetime) -> int:
    return int(round(moment.timestamp() * 1000))


def point_of(text: str) -> tuple[str, str] | None:
    """``(lat, long)`` text -> its two numbers as written, or None."""
    inner = text.strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        return None
    parts = [p.strip() for p in inner[1:-1].split(",")]
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def number(text: str):
    """An int or float from text; None when blank or not a number."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return int(text) if text.lstrip("-").isdigit() else value
