"""``python -m portal.api --db URL [--host 127.0.0.1] [--port 8000] [--workers N]``: serve the API.

Thin: parse the settings, hand them to the workers through the environment, start uvicorn.
"""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from portal import db
from portal.api import settings as settings_mod

# A request line may hold up to 1,000 request ids (Open311's service_request_id); uvicorn's default
# limit (16 KiB) would refuse it before the API could answer with a description.
MAX_REQUEST_BYTES = 256 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m portal.api",
        description="Serve the published release read-only over HTTP: Open311, feeds, catalog, query API.",
    )
    settings_mod.add_arguments(parser)
    try:
        settings = settings_mod.from_args(parser.parse_args(argv))
    except ValueError as exc:
        parser.error(str(exc))
    engine = db.make_engine(db.resolve_url(settings.db))
    version = db.current_version(engine)
    engine.dispose()
    if version is None:
        print(
            f"portal.api: {settings.db} holds no release yet; answers are 503 until one is published", file=sys.stderr
        )
    else:
        print(f"portal.api: serving release {version} on http://{settings.host}:{settings.port}", file=sys.stderr)
    os.environ.update(settings_mod.to_env(settings))
    uvicorn.run(
        "portal.api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        h11_max_incomplete_event_size=MAX_REQUEST_BYTES,
        access_log=False,
        server_header=False,
        log_level="info",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
