"""The screening service (`sanctions-feed serve`): an HTTP API over a `Screener`, and the feed's
files beside it, on FastAPI/Starlette under uvicorn.

- `GET /v1/check?address=A[&address=B…][&on=YYYY-MM-DD]`, `POST /v1/check` `{"addresses": […],
  "on": …}`: `{"release", "results": […]}`, each result the object `check --format json` prints.
- `GET /v1/health`: the release served, its age, whether it is signed and verified, refusals.
- `GET /v1/ready`: 200 only while a verified, unexpired release (younger than `--max-age`) is
  loaded; 503 otherwise, so a load balancer takes the replica out (fail closed).
- `GET /metrics`: Prometheus text. `GET /openapi.json`: the API's OpenAPI 3 document.
- Everything else: the feed's files, with ETags, 304s, gzip and immutable releases, never a
  path outside the feed directory (`publish.serve.FeedFiles`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from contextlib import asynccontextmanager
from datetime import date
from email.utils import formatdate
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from starlette.responses import Response, StreamingResponse

from sanctions_feed.errors import SanctionsFeedError
from sanctions_feed.publish.html import CONTENT_SECURITY_POLICY
from sanctions_feed.publish.serve import COMPRESSIBLE, FeedFiles, content_type
from sanctions_feed.schemas.screening import MAX_ADDRESSES, CheckRequest, CheckResponse, Health

from .screener import Screener

log = logging.getLogger(__name__)
RELOAD_INTERVAL = 2.0
"""Seconds between looks for a new release (a replica's conditional GET of index.json)."""


class Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self, screener: Screener):
        self.registry = CollectorRegistry()
        self.requests = Counter("sanctions_feed_requests", "HTTP requests by route and status",
                                ["method", "route", "status"], registry=self.registry)
        self.verdicts = Counter("sanctions_feed_verdicts", "Screening verdicts by status", ["status"],
                                registry=self.registry)
        self.reloads = Gauge("sanctions_feed_reloads", "Releases swapped in since start", registry=self.registry)
        self.refused = Gauge("sanctions_feed_refused_releases", "Releases refused since start", registry=self.registry)
        self.age = Gauge("sanctions_feed_release_age_seconds", "Age of the release served", registry=self.registry)
        self.ready = Gauge("sanctions_feed_ready", "1 while the service takes traffic", registry=self.registry)
        self.reloads.set_function(lambda: screener.reloads)
        self.refused.set_function(lambda: screener.refusals)
        self.age.set_function(lambda: screener.health()["age_seconds"] or 0.0)
        self.ready.set_function(lambda: 1.0 if screener.ready()[0] else 0.0)


def create_app(screener: Screener, files_root: Path | None = None, reload_interval: float = RELOAD_INTERVAL,
               access_log: AccessLog | None = None) -> _Front:
    metrics = Metrics(screener)
    files = FeedFiles(files_root or screener.feeds)

    @asynccontextmanager
    async def lifespan(_app):
        task = asyncio.create_task(_follow(screener, reload_interval)) if reload_interval > 0 else None
        yield
        if task is not None:
            task.cancel()

    app = FastAPI(title="sanctions-feed screening", version="1", lifespan=lifespan,
                  description="Screen crypto addresses against a verified release of the sanctions feed.",
                  docs_url=None, redoc_url=None)


    def answer(addresses: list[str], on: date | None) -> Response:
        """The verdicts as JSON bytes: the objects are built to `CheckResponse`'s shape by
        `verdict_object` (the schema test holds them to it), not validated again per request."""
        if len(addresses) > MAX_ADDRESSES:
            raise HTTPException(422, f"at most {MAX_ADDRESSES} addresses per request")
        try:
            results = screener.screen(addresses, on)
        except SanctionsFeedError as exc:
            raise HTTPException(503, str(exc)) from None
        for result in results:
            metrics.verdicts.labels(result["status"]).inc()
        release = results[0]["release"] if results else screener.release or ""
        body = json.dumps({"release": release, "results": results}, ensure_ascii=False, separators=(",", ":"))
        return Response(body.encode("utf-8"), media_type="application/json")

    @app.get("/v1/check", response_model=CheckResponse, summary="Screen addresses named in the query")
    async def check_get(address: Annotated[list[str], Query(min_length=1, max_length=MAX_ADDRESSES)],
                        on: date | None = None) -> Response:
        return answer(address, on)

    @app.post("/v1/check", response_model=CheckResponse, summary="Screen a list of addresses")
    async def check_post(body: CheckRequest) -> Response:
        return answer(body.addresses, body.on)

    @app.get("/v1/health", response_model=Health, summary="The release served and its state")
    def health() -> Health:
        return Health.model_validate(screener.health())

    @app.get("/v1/ready", response_model=Health, summary="200 while a verified, unexpired release is served",
             responses={503: {"model": Health}})
    def ready():
        state = Health.model_validate(screener.health())
        return JSONResponse(state.model_dump(mode="json"), status_code=200 if state.ready else 503)

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("site/index.html" if (files.root / "site" / "index.html").is_file() else "index.json")

    @app.get("/site/", include_in_schema=False)
    def site_home():
        return RedirectResponse("index.html")

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def feed_file(path: str, request: Request):
        return _file_response(files, request)

    return _Front(app, metrics, answer, access_log)


class _Front:
    """The service's ASGI application, in front of FastAPI: counts requests by method, route and
    status, and answers the payment path's hot request, a well-formed `GET /v1/check`, itself,
    with what the FastAPI route would answer (the same `answer`); anything else (a bad date, no
    address, too many, every other path) goes to FastAPI, which validates and documents it."""

    def __init__(self, app, metrics: Metrics, screen, access_log=None):
        self.app, self.metrics, self.screen = app, metrics, screen
        self.access_log = access_log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, sent = [500], [0]

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                sent[0] += len(message.get("body", b""))
            await send(message)
        try:
            response = None
            if scope["path"] == "/v1/check" and scope["method"] == "GET":
                response = self._fast_check(scope["query_string"])
            if response is not None:
                scope["route"] = _CHECK_ROUTE
                await response(scope, receive, sending)
            else:
                await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None)
            self.metrics.requests.labels(scope["method"], "files" if route in (None, "/{path:path}") else route,
                                         str(status[0])).inc()
            if self.access_log is not None:
                self.access_log.add(scope, status[0], sent[0])


    def _fast_check(self, query: bytes) -> Response | None:
        addresses, on = [], None
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1"):
            value = value.encode("latin-1").decode("utf-8", "surrogateescape")
            if name == "address":
                addresses.append(value)
            elif name == "on" and on is None:
                try:
                    on = date.fromisoformat(value)
                except ValueError:
                    return None
            else:
                return None
        if not addresses or len(addresses) > MAX_ADDRESSES or any("\udc80" <= c <= "\udcff" for a in addresses for c in a):
            return None
        try:
            return self.screen(addresses, on)
        except HTTPException:
            return None


class _Route:
    path = "/v1/check"


_CHECK_ROUTE = _Route()


class AccessLog:
    """One line per request in the Common Log Format (`host - - [time] "METHOD path HTTP/v" status
    bytes`), written by a thread of its own in batches: a request only formats its line."""

    def __init__(self, stream):
        self.stream = stream
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._second, self._stamp = -1, ""
        threading.Thread(target=self._write, name="access-log", daemon=True).start()

    def add(self, scope, status: int, sent: int) -> None:
        now = int(time.time())
        if now != self._second:
            self._second, self._stamp = now, time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
        client = scope.get("client") or ("-", 0)
        query = scope.get("query_string") or b""
        target = scope.get("raw_path") or scope["path"].encode()
        if query:
            target += b"?" + query
        self.lines.put(f'{client[0]} - - [{self._stamp}] "{scope["method"]} {target.decode("latin-1")} '
                       f'HTTP/{scope.get("http_version", "1.1")}" {status} {sent}\n')

    def _write(self) -> None:
        while True:
            batch = [self.lines.get()]
            while not self.lines.empty() and len(batch) < 4096:
                batch.append(self.lines.get_nowait())
            try:
                self.stream.write("".join(batch))
                self.stream.flush()
            except (OSError, ValueError):  # the stream closed (shutdown): nothing left to say
                return


async def _follow(screener: Screener, interval: float) -> None:
    """Look for a new release every `interval` seconds, in a thread: a load never blocks requests."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(screener.refresh)
        except Exception:  # noqa: BLE001 - the service keeps serving what it has; the reason is logged
            log.exception("looking for a new release failed; still serving %s", screener.release)


def _file_response(files: FeedFiles, request: Request) -> Response:
    url_path = request.url.path
    path = files.resolve(url_path)
    opened = files.open(path) if path is not None else None
    if path is None or opened is None:
        return Response("not found\n", status_code=404, media_type="text/plain")
    handle, stat = opened.handle, opened.stat
    answer = files.representation(path, opened, request.headers.get("accept-encoding"))
    headers = {"ETag": answer.tag, "Cache-Control": files.cache_control(url_path),
               "Last-Modified": formatdate(stat.st_mtime, usegmt=True)}
    if path.suffix in COMPRESSIBLE:
        headers["Vary"] = "Accept-Encoding"
    wanted = {t.strip().removeprefix("W/") for t in (request.headers.get("if-none-match") or "").split(",")}
    if answer.tag in wanted or "*" in wanted:
        handle.close()
        return Response(status_code=304, headers=headers)
    headers["X-Content-Type-Options"] = "nosniff"
    if path.suffix in (".html", ".svg"):
        headers["Content-Security-Policy"] = f"{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'"
    media = content_type(path.relative_to(files.root).as_posix())
    if answer.gzip:
        headers["Content-Encoding"] = "gzip"
    headers["Content-Length"] = str(answer.length)
    if request.method == "HEAD":
        handle.close()
        return Response(b"", headers=headers, media_type=media)

    def body():
        with handle:  # from the file opened for this request
            yield from answer.blocks()
    return StreamingResponse(body(), headers=headers, media_type=media)


def serve_on(app, sock) -> None:
    """Serve under uvicorn on a bound socket (HTTP/1.1, keep-alive); the access log is the app's
    own (`AccessLog`: uvicorn's formats every line in the request's path, a third of the rate)."""
    import uvicorn

    config = uvicorn.Config(app, access_log=False, log_level="info", timeout_keep_alive=30, server_header=False,
                            lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
