"""The read-only HTTP service: Open311 GeoReport v2, Atom feeds, a DCAT-US catalog and the query API.

``python -m portal.api --db URL`` serves the release the database holds (the same one the
dashboard shows) under uvicorn with several worker processes. Routes are thin: they parse the
query with ``portal.filters`` / ``portal.georeport`` / ``portal.feeds``, call ``portal`` for the
rows, and render; ``http`` holds the HTTP mechanics (caching headers, errors, limits) and
``state`` the per-process database access. Settings: ``settings.SETTINGS``; docs/api.md.
"""
