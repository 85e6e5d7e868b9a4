"""`tflog serve`: tflog for chatbots and other programs, over HTTP (FastAPI) or MCP (`--mcp`).

    GET  /             a page to paste a log into (a plain form POST to /; works without JavaScript)
    POST /v1/analyze   {"log": "...", "format": "json"|"markdown", "redact": true}
    GET  /v1/rules     GET /v1/rules/{id}     GET /healthz     GET /openapi.json (docs at /docs)

The API takes log *text* only, never a path, so a client cannot make the server read
its files. A public-facing service must stay responsive whatever it is sent, so:
- bodies above `max_body` get 413 (checked on Content-Length and while streaming);
- each analysis runs in a worker process (the engine is CPU-bound Python, so processes
  use every core) and checks its deadline as it goes: past `timeout` the client gets
  504 and the worker stops at the next block instead of running on;
- at most `workers` analyses run at once and a bounded queue waits for them; beyond
  that the answer is 503 with Retry-After at once, not an ever-growing backlog;
- every error is a small JSON object; tracebacks go to the server's stderr only;
- `Guard` (below) checks the Host header and the bearer token, admits a request before its
  body is read (a global in-flight byte budget), and stamps request ids; the httptools protocol
  is wrapped to close connections whose request head does not arrive in HEADER_TIMEOUT;
- a client that disconnects has its analysis stopped (a shared cancel flag per worker).

`analyzer.serve.service.Service` (no web framework in it) is what both front ends serve;
`analyzer.serve.mcp` is the MCP one. Missing extras raise `InputError` naming the pip command.

Kept as one module (~700 lines): the ASGI limits, the worker pool and the routes must agree on the
same limits, answers and error shapes; the analysis service itself is in service.py.
"""

import asyncio
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Dict, Iterable, List, Optional, Union

from analyzer.core.version import __version__
from analyzer.pipeline.reader import InputError

from .service import DEFAULT_TIMEOUT, AnalysisTimeout, Busy, Service, UnredactedRefused, check_limits

DEFAULT_MAX_BODY = 16 * 1024 * 1024
QUEUE_PER_WORKER = 32  # requests that may wait for a worker, per worker
BODY_TIMEOUT = 60.0  # seconds a client may take to send its request body
HEADER_TIMEOUT = 10.0  # seconds from connecting (or the previous answer) to a complete request head
DEFAULT_INFLIGHT = 32 * 1024 * 1024  # request-body bytes the server holds at once, all clients together
# (each admitted byte costs about 5 in the server: body, parsed text, copy to the worker, answer)
LOOPBACK = ("127.0.0.1", "::1", "localhost")
SERVER_EXTRA = "the server needs: pip install 'tflog-doctor[server]'"


# --- worker processes -----------------------------------------------------------------------------

_worker: Optional[Service] = None
_cancel_flags: Any = None  # shared bytes, one per running analysis: set when its client went away


def _init_worker(rule_dirs, redact: bool, timeout: float, allow_unredacted: bool, flags) -> None:
    global _worker, _cancel_flags
    _die_with_parent()
    _worker = Service(rule_dirs, redact, timeout, allow_unredacted)
    _cancel_flags = flags


def _die_with_parent() -> None:
    """Linux: have the kernel end this worker when the server process dies, however it dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _work(text: str, fmt: str, redact: Optional[bool], flag: int = -1) -> bytes:
    """Runs in a worker: analyse and serialise (so the event loop only moves bytes)."""
    assert _worker is not None
    flags = _cancel_flags
    cancelled = (lambda: flags[flag] != 0) if flags is not None and flag >= 0 else None
    result = _worker.analyze(text, fmt, redact, time.monotonic() + _worker.timeout, cancelled)
    return json.dumps(result, ensure_ascii=False).encode("utf-8")


def _ping() -> bool:
    time.sleep(0.05)
    return _worker is not None


class ClientGone(Exception):
    """The client disconnected before its answer was ready."""


class AnalysisPool:
    """Worker processes plus admission control: `workers` run, a bounded queue waits."""

    def __init__(self, service: Service, workers: int):
        self.service = service
        self.workers = max(1, workers)
        self.max_waiting = self.workers * QUEUE_PER_WORKER
        self._executor: Optional[ProcessPoolExecutor] = None
        self._slots: Optional[asyncio.Semaphore] = None
        self._waiting = 0
        # One cancel flag per worker (a job is submitted only once it holds a slot).
        self._flags = multiprocessing.get_context("spawn").RawArray("b", self.workers)
        self._free_flags = list(range(self.workers))

    def full(self) -> bool:
        """No slot and no queue place: a new request would be refused anyway."""
        return self._waiting >= self.max_waiting

    def _new_executor(self, method: str) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=(
                self.service.rule_dirs,
                self.service.redact,
                self.service.timeout,
                self.service.allow_unredacted,
                self._flags,
            ),
        )

    def start(self) -> None:
        """Start and warm the workers (before the server accepts connections)."""
        # Fork while still single-threaded (Linux): workers inherit the loaded knowledge base.
        self._executor = self._new_executor("fork" if sys.platform.startswith("linux") else "spawn")
        for f in [self._executor.submit(_ping) for _ in range(self.workers * 2)]:
            f.result(timeout=120)

    def stop(self, wait: bool = False) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)

    async def analyze(self, text: str, fmt: str, redact: Optional[bool], gone=None) -> bytes:
        """The serialised answer; raises Busy (503), AnalysisTimeout (504) or ClientGone.

        `gone`: an awaitable-returning callable that completes when the client disconnects (the
        ASGI receive after the body); the worker is then told to stop at its next block."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        slots = self._slots
        if self._waiting >= self.max_waiting:
            raise Busy()
        self._waiting += 1
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.service.timeout)
        except asyncio.TimeoutError:
            raise Busy() from None
        finally:
            self._waiting -= 1
        loop = asyncio.get_running_loop()
        flag = self._free_flags.pop()
        self._flags[flag] = 0
        try:
            future = self._submit(text, fmt, redact, flag)
        except BaseException:
            self._free_flags.append(flag)
            slots.release()
            raise

        def done(_):
            def free():
                self._free_flags.append(flag)
                slots.release()

            loop.call_soon_threadsafe(free)

        # The slot is freed when the worker is really done, not when the client gave up.
        future.add_done_callback(done)
        work = asyncio.wrap_future(future)
        waiter = asyncio.ensure_future(gone()) if gone is not None else None
        try:
            finished, _ = await asyncio.wait(
                {work} if waiter is None else {work, waiter},
                timeout=self.service.timeout + 2.0,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            if waiter is not None:
                waiter.cancel()
        if work in finished:
            try:
                return work.result()
            except BrokenProcessPool:
                self._restart()
                raise Busy() from None
        self._flags[flag] = 1  # the client left, or the deadline passed: stop at the next block
        if waiter is not None and waiter in finished:
            raise ClientGone()
        raise AnalysisTimeout()

    def _submit(self, text: str, fmt: str, redact: Optional[bool], flag: int) -> Future[bytes]:
        if self._executor is None:
            raise RuntimeError("AnalysisPool.start() was not called")
        try:
            return self._executor.submit(_work, text, fmt, redact, flag)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh once
            self._restart()
            return self._executor.submit(_work, text, fmt, redact, flag)

    def _restart(self) -> None:
        old = self._executor
        self._executor = self._new_executor("spawn")  # the server has threads now: never fork them
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)


# --- the HTTP app -------------------------------------------------------------------------------


def _report_schema() -> Dict[str, Any]:
    from pathlib import Path

    schema = json.loads((Path(__file__).parent.parent / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return schema


def _error(status: int, message: str, headers: Optional[Dict[str, str]] = None, **extra):
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


class Guard:
    """ASGI middleware in front of every request, in the order a stranger's request meets it:

    a request id (X-Request-ID, echoed and in every log line); the Host header against the trusted
    names (DNS rebinding); the bearer token; then, for a body, admission *before* reading it: a free
    analysis slot or queue place, and room in the global in-flight byte budget (503 + Retry-After
    otherwise), so that many large posts cannot pile up in memory; then 413 above `max_body` (by
    Content-Length and by bytes received) and 408 for a body that trickles in too slowly.
    """

    def __init__(
        self,
        app,
        max_body: int,
        pool: "AnalysisPool",
        token: Optional[str] = None,
        trusted_hosts: Iterable[str] = ("*",),
        max_inflight: int = DEFAULT_INFLIGHT,
    ):
        self.app = app
        self.max_body = max_body
        self.pool = pool
        self.token = token.encode() if token else None
        self.trusted = {h.lower() for h in trusted_hosts}
        self.max_inflight = max(max_inflight, max_body)
        self.inflight = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        rid = _request_id(headers.get(b"x-request-id"))

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
                status = message["status"]
                if status >= 400:
                    _log(rid, f"{scope['method']} {scope['path']} -> {status}")
            await send(message)

        scope.setdefault("state", {})["request_id"] = rid
        if scope["path"] == "/healthz":  # liveness probes come by IP and without a token; it tells nothing private
            return await self.app(scope, receive, send_with_id)
        if "*" not in self.trusted and _host_name(headers.get(b"host", b"")) not in self.trusted:
            return await _error(400, "untrusted Host header (see tflog serve --trusted-host)")(scope, receive, send_with_id)
        if self.token is not None and not _bearer_ok(headers.get(b"authorization"), self.token):
            return await _error(401, "missing or wrong bearer token (Authorization: Bearer ...)", {"WWW-Authenticate": "Bearer"})(
                scope, receive, send_with_id
            )
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send_with_id)
        too_big = _error(413, f"request body larger than {self.max_body} bytes", {"Connection": "close"})
        if scope.get("path") == "/":  # the page's form: the answer is a page too
            from starlette.responses import HTMLResponse

            from analyzer.report.html import render_page

            note = f"The log is larger than this server accepts ({self.max_body} bytes): paste its last part, where the error is."
            too_big = HTMLResponse(render_page(error=note), 413, headers={"Connection": "close"})
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                return await _error(400, "invalid Content-Length", {"Connection": "close"})(scope, receive, send_with_id)
            if int(length) > self.max_body:
                return await too_big(scope, receive, send_with_id)
        # Admission, before a byte of the body is read: a body of unknown size counts as max_body.
        reserve = int(length) if length is not None else self.max_body
        if self.pool.full() or self.inflight + reserve > self.max_inflight:
            return await _error(503, "busy: retry shortly", {"Retry-After": "1", "Connection": "close"})(
                scope, receive, send_with_id
            )
        self.inflight += reserve
        try:
            await self._with_body(scope, receive, send_with_id, too_big)
        finally:
            self.inflight -= reserve

    async def _with_body(self, scope, receive, send, too_big):
        chunks, size, more = [], 0, True
        deadline = time.monotonic() + BODY_TIMEOUT
        while more:
            try:  # a client trickling its body must not hold a connection forever
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                return await _error(
                    408, f"the request body took longer than {BODY_TIMEOUT:g} s to arrive", {"Connection": "close"}
                )(scope, receive, send)
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await too_big(scope, receive, send)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body: Optional[bytes] = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        del chunks

        async def replay():
            nonlocal body
            if body is not None:
                message = {"type": "http.request", "body": body, "more_body": False}
                body = None  # held by the app from here on, not twice
                return message
            return await receive()  # after the body: waits for the client to go away

        await self.app(scope, replay, send)


def _request_id(given: Optional[bytes]) -> str:
    """The client's X-Request-ID when it is a short token, else a new one."""
    import re
    import uuid

    if given and re.fullmatch(rb"[A-Za-z0-9._-]{1,64}", given):
        return given.decode()
    return uuid.uuid4().hex[:16]


def _log(rid: str, message: str) -> None:
    try:
        sys.stderr.write(f"tflog: [{rid}] {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _host_name(host: bytes) -> str:
    h = host.decode("latin-1").strip().lower()
    if h.startswith("["):  # [::1]:8000
        return h[1 : h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def _bearer_ok(header: Optional[bytes], token: bytes) -> bool:
    import hmac

    if not header or not header[:7].lower() == b"bearer ":
        return False
    return hmac.compare_digest(header[7:].strip(), token)


def create_app(
    service: Service,
    pool: AnalysisPool,
    max_body: int = DEFAULT_MAX_BODY,
    token: Optional[str] = None,
    trusted_hosts: Iterable[str] = ("*",),
    max_inflight: int = DEFAULT_INFLIGHT,
    docs: bool = False,
):
    """The FastAPI application (the pool must be started; `serve` does that).

    `docs`: serve /docs and /redoc, whose pages load their scripts from a CDN (off by default:
    /openapi.json is always there and needs nothing from the network)."""
    from contextlib import asynccontextmanager
    from typing import Literal

    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
    from starlette.exceptions import HTTPException
    from starlette.responses import JSONResponse, Response

    from .models import RuleOut, RuleSummaryOut

    class AnalyzeRequest(BaseModel):
        """A log to diagnose. Only text is accepted: the server never reads files."""

        model_config = ConfigDict(extra="forbid")
        log: StrictStr = Field(description="The log text (TensorFlow/CUDA output, tracebacks), any size up to the body limit.")
        format: Literal["json", "markdown"] = Field(
            "json",
            description='json: the report (same as `tflog analyze --format json`); markdown: {"markdown": "..."}, a chat-ready answer.',
        )
        redact: Optional[StrictBool] = Field(
            None,
            description="Masking of user names, host names, IP addresses, passwords and tokens: on unless false is sent "
            "to a server started with --allow-unredacted (403 otherwise).",
        )

    class ErrorBody(BaseModel):
        error: str

    errors: Dict[Union[int, str], Dict[str, Any]] = {  # FastAPI's `responses` type
        403: {"model": ErrorBody, "description": "redact=false sent to a server started without --allow-unredacted"},
        413: {"model": ErrorBody, "description": "Body larger than the server's limit"},
        415: {"model": ErrorBody, "description": "The body is not sent as application/json"},
        422: {"model": ErrorBody, "description": "Wrong types or unknown fields (a body that is not JSON at all: 400)"},
        503: {"model": ErrorBody, "description": "Every worker busy and the queue full; retry after Retry-After seconds"},
        504: {"model": ErrorBody, "description": "The analysis took longer than the server's time limit"},
    }
    answer: Dict[str, Any] = {
        "description": 'The report, or {"markdown": ...} for format=markdown',
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        _report_schema(),
                        {"type": "object", "required": ["markdown"], "properties": {"markdown": {"type": "string"}}},
                    ]
                }
            }
        },
    }

    @asynccontextmanager
    async def lifespan(app):
        yield
        # uvicorn re-raises SIGTERM/SIGINT after its shutdown: stop the workers now, not later.
        await asyncio.get_running_loop().run_in_executor(None, lambda: pool.stop(wait=True))

    app = FastAPI(
        title="tflog",
        version=__version__,
        lifespan=lifespan,
        description="Diagnose TensorFlow/CUDA logs: the root cause, why, and how to fix it.",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return _error(400, "the body is not valid JSON")
        if "json" not in request.headers.get("content-type", ""):
            return _error(415, 'send a JSON body with Content-Type: application/json, e.g. {"log": "..."}')
        detail = [
            {"loc": [str(x) for x in p.get("loc", ())], "msg": p.get("msg", ""), "type": p.get("type", "")} for p in problems
        ]
        return _error(
            422, "invalid request: " + "; ".join(f"{'.'.join(d['loc'][1:]) or 'body'}: {d['msg']}" for d in detail), detail=detail
        )

    @app.exception_handler(HTTPException)
    async def _http_error(request, exc: HTTPException):
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request, exc: Exception):
        import traceback

        rid = request.scope.get("state", {}).get("request_id", "-")
        _log(rid, "internal error:\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip())
        return _error(500, "internal error", request_id=rid)

    @app.post("/v1/analyze", responses={200: answer, **errors}, summary="Diagnose a log")
    async def analyze(request: AnalyzeRequest, http_request: Request):
        """The root cause first, symptoms under it, harmless lines marked: the same report as the CLI."""
        try:
            service.redaction(request.redact)  # refused before any work
            body = await pool.analyze(request.log, request.format, request.redact, gone=http_request.receive)
        except UnredactedRefused as e:
            return _error(403, str(e))
        except Busy:
            return _error(503, "busy: every analysis worker is in use; retry shortly", {"Retry-After": "1"})
        except AnalysisTimeout:
            return _error(504, f"the analysis took longer than {service.timeout:g} s (the server's --timeout)")
        except ClientGone:
            _log(http_request.scope.get("state", {}).get("request_id", "-"), "client went away; analysis stopped")
            return Response(status_code=499)
        return Response(body, media_type="application/json")

    page_headers = {
        # Nothing on the page may load from elsewhere or send anything elsewhere.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    @app.get("/", include_in_schema=False)
    async def page():
        from starlette.responses import HTMLResponse

        from analyzer.report.html import render_page

        return HTMLResponse(render_page(redacting=service.redact), headers=page_headers)

    @app.post("/", include_in_schema=False)
    async def page_post(request: Request):
        """The form's POST (urlencoded): the page with the report, or the JSON report to download."""
        from urllib.parse import parse_qs

        from starlette.responses import HTMLResponse

        from analyzer.report.html import render_page

        form = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        log = form.get("log", [""])[0]
        # the box asks for masking; unticked means the server's own default (never a forced opt-out)
        redact: Optional[bool] = True if form.get("redact") else None
        as_json = form.get("format", [""])[0] == "json"

        def failed(status: int, message: str, extra: Optional[Dict[str, str]] = None):
            return HTMLResponse(
                render_page(None, log, message, bool(redact) or service.redact, service.redact),
                status,
                headers={**page_headers, **(extra or {})},
            )

        if not log.strip():
            return failed(400, "Paste a log first: the box was empty.")
        try:
            body = await pool.analyze(log, "json" if as_json else "html", redact)
        except Busy:
            return failed(503, "Busy: every analysis worker is in use; try again in a moment.", {"Retry-After": "1"})
        except AnalysisTimeout:
            return failed(504, f"The analysis took longer than {service.timeout:g} s (the server's --timeout).")
        if as_json:
            return Response(
                body, media_type="application/json", headers={"Content-Disposition": 'attachment; filename="tflog-report.json"'}
            )
        return HTMLResponse(json.loads(body)["html"], headers=page_headers)

    @app.get("/v1/rules", response_model=List[RuleSummaryOut], summary="List the rules")
    async def rules(category: Optional[str] = Query(None, description="Only rules of this category (glob, e.g. cudnn.*)")):
        return JSONResponse(service.rules(category))

    @app.get("/v1/rules/{rule_id}", response_model=RuleOut, responses={404: {"model": ErrorBody}}, summary="One rule")
    async def rule(rule_id: str):
        detail = service.rule(rule_id)
        if detail is None:
            return _error(404, service.unknown_rule_message(rule_id))
        return JSONResponse(detail)

    @app.get("/healthz", summary="Liveness")
    async def healthz():
        return {
            "status": "ok",
            "version": __version__,
            "rules": len(service.kb.rules),
            "workers": pool.workers,
            "busy": pool.workers - len(pool._free_flags),  # analyses running now
        }

    return Guard(app, max_body, pool, token, trusted_hosts, max_inflight)


# --- entry point --------------------------------------------------------------------------------


def default_workers() -> int:
    env = os.environ.get("TFLOG_WORKERS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(os.cpu_count() or 1, 8))


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    max_body: int = DEFAULT_MAX_BODY,
    timeout: float = DEFAULT_TIMEOUT,
    redact: bool = True,
    rule_dirs: Iterable = (),
    allow_unredacted: bool = False,
    token: Optional[str] = None,
    no_auth: bool = False,
    trusted_hosts: Iterable[str] = (),
    max_inflight: int = DEFAULT_INFLIGHT,
    docs: bool = False,
) -> None:
    """Run the HTTP server until interrupted."""
    check_limits(max_body, timeout)
    loopback = host in LOOPBACK
    if not loopback and not token and not no_auth:
        raise InputError(
            f"listening on {host} (beyond this machine) needs a token: --token or TFLOG_TOKEN "
            "(clients send Authorization: Bearer TOKEN), or --no-auth to run without one"
        )
    trusted = list(trusted_hosts) or (list(LOOPBACK) if loopback else ["*"])
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise InputError(SERVER_EXTRA) from None
    import socket

    service = Service(rule_dirs, redact, timeout, allow_unredacted)  # rule errors surface here, before listening
    pool = AnalysisPool(service, default_workers())
    pool.start()  # before the socket exists, so that forked workers do not hold it open
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, backlog=1024)
    except OSError as e:
        pool.stop()
        raise InputError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    try:
        app = create_app(service, pool, max_body, token or None, trusted, max_inflight, docs)
        bound = sock.getsockname()[1]
        where = f"[{host}]" if ":" in host else host
        sys.stderr.write(
            f"tflog {__version__} serving http://{where}:{bound} (paste a log at /; OpenAPI: /openapi.json{'; docs: /docs' if docs else ''}; "
            f"{pool.workers} worker(s), body limit {max_body} bytes, in flight {max_inflight} bytes, timeout {timeout:g} s, "
            f"{'redacting' if redact else 'not redacting'}{' unless a request opts out' if allow_unredacted else ''}"
            f"{', bearer token required' if token else ''})\n"
        )
        if not loopback and not token:
            sys.stderr.write(
                "tflog: warning: --no-auth: anyone who can reach this address can use the API; "
                "put it behind a proxy that authenticates, or use --token\n"
            )
        sys.stderr.flush()
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            server_header=False,
            timeout_keep_alive=15,
            limit_concurrency=1024,
            http=_guarded_protocol(),
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        pool.stop()
        sock.close()


def _guarded_protocol():
    """uvicorn's HTTP protocol (httptools, else h11; TFLOG_SERVER_HTTP=h11 forces h11) with a
    deadline for the request head: a connection that sends nothing, or a header line now and then
    (slowloris), is closed HEADER_TIMEOUT seconds after it opened or after its previous answer."""
    base: Any = None
    if os.environ.get("TFLOG_SERVER_HTTP", "") != "h11":
        try:
            from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
        except ImportError:
            pass
    if base is None:
        from uvicorn.protocols.http.h11_impl import H11Protocol as base

    class HeadDeadline(base):
        """A request head is complete once the protocol has made a new request cycle for it."""

        _head_timer: Any = None
        _armed_cycle: Any = None

        def _arm(self) -> None:
            self._disarm()
            self._armed_cycle = self.cycle
            self._head_timer = self.loop.call_later(HEADER_TIMEOUT, self._head_timeout)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timeout(self) -> None:
            self._head_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._head_timer is not None and self.cycle is not self._armed_cycle:
                self._disarm()  # a new request has started

        def on_response_complete(self) -> None:
            pipelined = bool(getattr(self, "pipeline", ()))
            self._arm()  # before: h11 may start the next buffered request inside
            super().on_response_complete()
            if pipelined or self.transport.is_closing() or self.cycle is not self._armed_cycle:
                self._disarm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeadDeadline
