"""Loopback source servers: a city's 311 extract served as its live API would serve it.

Tests, benchmarks and the docs use this package instead of the internet: it replays a real extract
(``../shared/data/<city>/...``) or a small fixture through a real HTTP server on 127.0.0.1, in the
wire format of a Socrata (SODA 2.x), Open311 (GeoReport v2 JSON and XML), CKAN (DataStore) or ArcGIS
(FeatureServer) source. It can inject faults (replay.faults) and change its data between two syncs
(replay.changes), so the portal's real client code is tested against real HTTP, never a mock.

    from replay import Dataset, ReplayServer
    with ReplayServer(Dataset.from_file(extract, profile), kinds=["socrata"]) as server:
        fetch(profile, folder, url=server.source_url("socrata"))

From a shell: ``python -m replay --profile new-york-city --data ../shared/data/new-york-city/test_sample3.csv
--kind socrata --port 8311`` (see ``python -m replay --help``).

It is test and benchmark machinery: neither ``etl`` nor ``portal`` imports it.
"""

from .dataset import Dataset
from .faults import Fault
from .server import KINDS, Options, ReplayServer

__all__ = ["Dataset", "Fault", "KINDS", "Options", "ReplayServer"]
