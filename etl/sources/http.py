"""The HTTP client every API source uses: GET with retries, backoff and Retry-After, then a clean failure.

Retried: an answer 429 or 5xx, an answer cut short (fewer bytes than its Content-Length), a
connection that fails or times out. Waits are ``backoff_seconds`` doubled each time, unless the
source says ``Retry-After`` (seconds or an HTTP date), which wins; a Retry-After longer than
``max_wait_seconds`` fails at once rather than hold a scheduled sync for hours. Any other answer
that is not 2xx fails at once with the source's own message. Every failure is a SourceError naming
the URL and the page. The token (if any) travels in a header, so no URL or error message holds it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from .. import __version__
from .base import Counter, SourceError, readable_url

USER_AGENT = f"portal311-etl/{__version__} (311 open-data portal sync)"


def _source_message(resp: httpx.Response) -> str:
    """The source's own words for an error answer: Socrata/ArcGIS ``message``, CKAN ``error.message``,
    Open311 ``[{"description": ...}]``, else the start of the body."""
    text = resp.text
    try:
        value = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:160]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        value = value[0]
    if isinstance(value, dict):
        inner = value.get("error")
        if isinstance(inner, dict):
            value = inner
        for key in ("message", "description", "error"):
            if isinstance(value.get(key), str):
                return value[key][:160]
    return " ".join(text.split())[:160]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Client:
    """GETs against one source, counted in ``counter``; ``sleep`` is injectable so tests see the waits."""

    def __init__(self, src: dict, *, headers: dict | None = None, sleep=time.sleep, counter: Counter | None = None):
        self.retries, self.backoff, self.max_wait = src["retries"], src["backoff_seconds"], src["max_wait_seconds"]
        self.timeout = src["timeout_seconds"]
        self.sleep, self.counter = sleep, counter or Counter()
        self._http = httpx.Client(
            timeout=self.timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT, **(headers or {})}
        )

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, params: dict | None = None, *, page: int | None = None) -> bytes:
        """The body of a 2xx answer to ``url?params``."""
        shown = readable_url(url, params)
        for attempt in range(self.retries + 1):
            problem, asked = self._attempt(url, params, shown, page)
            if isinstance(problem, bytes):
                return problem
            if attempt == self.retries:
                break
            wait = self.backoff * 2**attempt if asked is None else asked
            if asked is not None and asked > self.max_wait:
                raise SourceError(
                    shown,
                    f"{problem}; asked to retry after {asked:g} s, more than source.max_wait_seconds "
                    f"({self.max_wait:g} s)",
                    page=page,
                )
            self.counter.retries += 1
            self.counter.waits.append(wait)
            self.sleep(wait)
        tries = f"{self.retries} {'retry' if self.retries == 1 else 'retries'}"
        raise SourceError(shown, f"{problem}; gave up after {tries}", page=page)

    def _attempt(self, url, params, shown, page) -> tuple[bytes | str, float | None]:
        """(body, None) on success, or (problem worth a retry, Retry-After seconds or None)."""
        self.counter.requests += 1
        try:
            resp = self._http.get(url, params=params)
        except httpx.TimeoutException:
            return f"no answer within {self.timeout:g} s", None
        except httpx.RemoteProtocolError as exc:
            return f"answer cut short ({exc})", None
        except httpx.TransportError as exc:
            return f"connection failed ({type(exc).__name__}: {exc})", None
        code = resp.status_code
        if 200 <= code < 300:
            return resp.content, None
        said = f"answered {code} {resp.reason_phrase}".rstrip()
        if code == 429 or code >= 500:
            return said, _retry_after(resp.headers.get("Retry-After"))
        raise SourceError(shown, f"{said}: {_source_message(resp)}", page=page)
