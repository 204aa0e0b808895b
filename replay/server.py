"""The loopback HTTP server: one dataset, served in the wire formats of the kinds asked for.

Routes (``<id>`` is the dataset id, ``<service>`` the profile's package name):

- socrata: ``/resource/<id>.json``, ``/api/views/<id>.json``
- open311: ``/open311/v2/requests.json``, ``/open311/v2/requests.xml``
- ckan: ``/api/3/action/datastore_search``, ``/api/3/action/datastore_search_sql``
- arcgis: ``/arcgis/rest/services/<service>/FeatureServer/0`` and ``.../0/query``
- control (tests, benchmarks): ``POST /_replay/changes`` (a JSON list of changes, optional ``?at=``),
  ``POST /_replay/faults`` (a fault or a list), ``DELETE /_replay/faults``, ``GET /_replay/state``.

It is a real ``ThreadingHTTPServer`` on loopback, speaking HTTP/1.1 with keep-alive, so the client
under test runs exactly as against a city's server. Every request is logged in ``log`` (path,
parameters, and the token headers it carried) for tests to check paging and credentials.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import arcgis, ckan, open311, socrata
from .changes import ChangeError, drop_column, move_back, rename_column
from .faults import Fault, FaultPlan
from .wire import Answer, json_answer

KINDS = ("socrata", "open311", "ckan", "arcgis")
TOKEN_HEADERS = ("X-App-Token", "Authorization", "X-Esri-Authorization")
NOT_JSON = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"


@dataclass
class Options:
    open311_cap: int = 1000  # requests per answer
    open311_max_days: int = 90
    open311_wrap: str = ""  # "", "requests" or "service_requests"
    jurisdiction_id: str = ""
    socrata_max_limit: int = 50_000
    ckan_max_limit: int = 32_000
    arcgis_max_records: int = 2_000


class ReplayServer:
    def __init__(self, dataset, *, kinds=KINDS, host: str = "127.0.0.1", port: int = 0, options: Options | None = None):
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown source kind {unknown[0]!r}; known: {', '.join(KINDS)}")
        self.dataset, self.kinds, self.options = dataset, tuple(kinds), options or Options()
        self.faults = FaultPlan()
        self.log: list[dict] = []
        self.last_data: Answer | None = None
        self.open311_renames: dict[str, str | None] = {}  # GeoReport field -> new name (None: left out)
        self._httpd = ThreadingHTTPServer((host, port), _handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def source_url(self, kind: str) -> str:
        """What the profile's ``source.url`` is for this kind."""
        return {
            "socrata": self.url,
            "ckan": self.url,
            "open311": f"{self.url}/open311/v2",
            "arcgis": f"{self.url}/arcgis/rest/services/{self.dataset.profile.name}/FeatureServer/0",
        }[kind]

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def inject(self, *faults: Fault) -> None:
        for fault in faults:
            self.faults.arm(fault)

    def apply(self, changes: list[dict], at: datetime | None = None) -> int:
        return self.dataset.apply(changes, at or datetime.now(UTC))

    # --- answering ----------------------------------------------------------------------------------

    def route(self, path: str, params: dict) -> tuple[Answer, bool] | None:
        """(answer, whether it is a data request) for a source route, or None."""
        ds, o, k = self.dataset, self.options, self.kinds
        arc = f"/arcgis/rest/services/{ds.profile.name}/FeatureServer/0"
        soda = o.socrata_max_limit
        table = {
            ("socrata", f"/resource/{ds.dataset_id}.json"): lambda: (socrata.resource(ds, params, soda), True),
            ("socrata", f"/api/views/{ds.dataset_id}.json"): lambda: (socrata.metadata(ds), False),
            ("open311", "/open311/v2/requests.json"): lambda: (self._open311(params, "json"), True),
            ("open311", "/open311/v2/requests.xml"): lambda: (self._open311(params, "xml"), True),
            ("ckan", "/api/3/action/datastore_search"): lambda: (ckan.search(ds, params, o.ckan_max_limit), True),
            ("ckan", "/api/3/action/datastore_search_sql"): lambda: (ckan.search_sql(ds, params), True),
            ("arcgis", arc): lambda: (arcgis.layer(ds, o.arcgis_max_records), False),
            ("arcgis", f"{arc}/query"): lambda: (arcgis.query(ds, params, o.arcgis_max_records), True),
        }
        found = next((make for (kind, route), make in table.items() if kind in k and route == path), None)
        return found() if found else None

    def _open311(self, params: dict, fmt: str) -> Answer:
        o = self.options
        return open311.requests(
            self.dataset,
            params,
            fmt,
            cap=o.open311_cap,
            max_days=o.open311_max_days,
            wrap=o.open311_wrap,
            jurisdiction=o.jurisdiction_id,
            renames=self.open311_renames,
        )

    def answer(self, path: str, params: dict) -> tuple[Answer, list[Fault]]:
        """The answer to a GET, and the transient faults to apply while sending it."""
        active: list[Fault] = []
        if self._is_data(path):
            active = self.faults.next_request()
            for fault in active:
                self._change_data(fault)
            if any(f.kind == "ignore_where" for f in active):
                params = {k: v for k, v in params.items() if k != "$where"} | (
                    {"where": "1=1"} if "where" in params else {}
                )
        routed = self.route(path, params)
        if routed is None:
            return json_answer({"error": True, "message": f"no such route: {path}"}, 404), []
        answer, is_data = routed
        if is_data:
            if any(f.kind == "repeat_page" for f in active) and self.last_data is not None:
                answer = self.last_data
            self.last_data = answer
        return answer, [f for f in active if f.kind in ("status", "truncate", "not_json")]

    def _is_data(self, path: str) -> bool:
        return path.endswith(("/query", "/requests.json", "/requests.xml")) or path.startswith(
            ("/resource/", "/api/3/action/")
        )

    def _change_data(self, fault: Fault) -> None:
        """A schema fault changes the dataset; on a GeoReport field (not a column of the extract), the
        Open311 answers' field names."""
        if fault.kind in ("rename_column", "drop_column") and self.dataset.column(fault.column) is None:
            if fault.column in open311.STANDARD + ("extended_attributes", "notes"):
                self.open311_renames[fault.column] = fault.to if fault.kind == "rename_column" else None
                return
        if fault.kind == "rename_column":
            rename_column(self.dataset, fault.column, fault.to)
        elif fault.kind == "drop_column":
            drop_column(self.dataset, fault.column)
        elif fault.kind == "move_back":
            move_back(self.dataset, fault.column, fault.seconds)

    def control(self, method: str, path: str, params: dict, body: bytes) -> Answer:
        try:
            if (method, path) == ("GET", "/_replay/state"):
                ds = self.dataset
                return json_answer({"version": ds.version, "rows": len(ds), "requests": self.faults.requests})
            if (method, path) == ("POST", "/_replay/changes"):
                at = datetime.fromisoformat(params["at"]) if "at" in params else None
                return json_answer({"version": self.apply(json.loads(body), at)})
            if (method, path) == ("POST", "/_replay/faults"):
                value = json.loads(body)
                self.inject(*(Fault(**f) for f in (value if isinstance(value, list) else [value])))
                return json_answer({"armed": len(self.faults.armed)})
            if (method, path) == ("DELETE", "/_replay/faults"):
                self.faults.clear()
                return json_answer({"armed": 0})
        except (ValueError, TypeError, KeyError, ChangeError) as exc:
            return json_answer({"error": True, "message": str(exc)}, 400)
        return json_answer({"error": True, "message": f"no such control route: {method} {path}"}, 404)


def _handler(server: ReplayServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args):  # the request log is ReplayServer.log
            pass

        def _params(self) -> tuple[str, dict]:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            server.log.append(
                {
                    "method": self.command,
                    "path": url.path,
                    "params": params,
                    "headers": {h: self.headers[h] for h in TOKEN_HEADERS if self.headers.get(h)},
                }
            )
            return url.path, params

        def do_GET(self):
            path, params = self._params()
            if path.startswith("/_replay/"):
                self._send(server.control("GET", path, params, b""))
                return
            answer, faults = server.answer(path, params)
            self._send_with_faults(answer, faults)

        def do_POST(self):
            path, params = self._params()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._send(server.control("POST", path, params, body))

        def do_DELETE(self):
            path, params = self._params()
            self._send(server.control("DELETE", path, params, b""))

        def _send_with_faults(self, answer: Answer, faults: list[Fault]) -> None:
            for fault in faults:
                if fault.kind == "status":
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    body = json.dumps({"error": True, "message": f"injected {fault.status}"}).encode()
                    self._send(Answer(fault.status, "application/json", body, headers))
                    return
                if fault.kind == "not_json":
                    self._send(Answer(200, "text/html; charset=utf-8", NOT_JSON))
                    return
                if fault.kind == "truncate":
                    self._send(answer, cut=True)
                    return
            self._send(answer)

        def _send(self, answer: Answer, cut: bool = False) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(answer.body[: len(answer.body) // 2] if cut else answer.body)
            if cut:
                self.wfile.flush()
                self.close_connection = True

    return Handler
