"""`tflog serve`: tflog for chatbots and other programs, over HTTP (FastAPI) or MCP (`--mcp`).

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
- every error is a small JSON object; tracebacks go to the server's stderr only.

`analyzer.serve.service.Service` (no web framework in it) is what both front ends serve;
`analyzer.serve.mcp` is the MCP one. Missing extras raise `InputError` naming the pip command.
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
SERVER_EXTRA = "the server needs: pip install 'tflog-doctor[server]'"


# --- worker processes -----------------------------------------------------------------------------

_worker: Optional[Service] = None


def _init_worker(rule_dirs, redact: bool, timeout: float, allow_unredacted: bool) -> None:
    global _worker
    _die_with_parent()
    _worker = Service(rule_dirs, redact, timeout, allow_unredacted)


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


def _work(text: str, fmt: str, redact: Optional[bool]) -> bytes:
    """Runs in a worker: analyse and serialise (so the event loop only moves bytes)."""
    assert _worker is not None
    result = _worker.analyze(text, fmt, redact, time.monotonic() + _worker.timeout)
    return json.dumps(result, ensure_ascii=False).encode("utf-8")


def _ping() -> bool:
    time.sleep(0.05)
    return _worker is not None


class AnalysisPool:
    """Worker processes plus admission control: `workers` run, a bounded queue waits."""

    def __init__(self, service: Service, workers: int):
        self.service = service
        self.workers = max(1, workers)
        self.max_waiting = self.workers * QUEUE_PER_WORKER
        self._executor: Optional[ProcessPoolExecutor] = None
        self._slots: Optional[asyncio.Semaphore] = None
        self._waiting = 0

    def _new_executor(self, method: str) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=(self.service.rule_dirs, self.service.redact, self.service.timeout, self.service.allow_unredacted),
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

    async def analyze(self, text: str, fmt: str, redact: Optional[bool]) -> bytes:
        """The serialised answer; raises Busy (503) or AnalysisTimeout (504)."""
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
        try:
            future = self._submit(text, fmt, redact)
        except BaseException:
            slots.release()
            raise
        # The slot is freed when the worker is really done, not when the client gave up.
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(slots.release))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout=self.service.timeout + 2.0)
        except asyncio.TimeoutError:
            raise AnalysisTimeout() from None
        except BrokenProcessPool:
            self._restart()
            raise Busy() from None

    def _submit(self, text: str, fmt: str, redact: Optional[bool]) -> Future[bytes]:
        if self._executor is None:
            raise RuntimeError("AnalysisPool.start() was not called")
        try:
            return self._executor.submit(_work, text, fmt, redact)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh once
            self._restart()
            return self._executor.submit(_work, text, fmt, redact)

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


class BodyLimit:
    """ASGI middleware: 413 for bodies over `max_body` (by Content-Length and by bytes received), 408 when slow."""

    def __init__(self, app, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        too_big = _error(413, f"request body larger than {self.max_body} bytes", {"Connection": "close"})
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                return await _error(400, "invalid Content-Length", {"Connection": "close"})(scope, receive, send)
            if int(length) > self.max_body:
                return await too_big(scope, receive, send)
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
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def create_app(service: Service, pool: AnalysisPool, max_body: int = DEFAULT_MAX_BODY):
    """The FastAPI application (the pool must be started; `serve` does that)."""
    from contextlib import asynccontextmanager
    from typing import Literal

    from fastapi import FastAPI, Query
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
        return _error(500, "internal error")

    @app.post("/v1/analyze", responses={200: answer, **errors}, summary="Diagnose a log")
    async def analyze(request: AnalyzeRequest):
        """The root cause first, symptoms under it, harmless lines marked: the same report as the CLI."""
        try:
            service.redaction(request.redact)  # refused before any work
            body = await pool.analyze(request.log, request.format, request.redact)
        except UnredactedRefused as e:
            return _error(403, str(e))
        except Busy:
            return _error(503, "busy: every analysis worker is in use; retry shortly", {"Retry-After": "1"})
        except AnalysisTimeout:
            return _error(504, f"the analysis took longer than {service.timeout:g} s (the server's --timeout)")
        return Response(body, media_type="application/json")

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
        return {"status": "ok", "version": __version__, "rules": len(service.kb.rules), "workers": pool.workers}

    return BodyLimit(app, max_body)


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
) -> None:
    """Run the HTTP server until interrupted."""
    check_limits(max_body, timeout)
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
        app = create_app(service, pool, max_body)
        bound = sock.getsockname()[1]
        where = f"[{host}]" if ":" in host else host
        sys.stderr.write(
            f"tflog {__version__} serving http://{where}:{bound} (docs: /docs; {pool.workers} worker(s), "
            f"body limit {max_body} bytes, timeout {timeout:g} s, "
            f"{'redacting' if redact else 'not redacting'}{' unless a request opts out' if allow_unredacted else ''})\n"
        )
        if host not in ("127.0.0.1", "::1", "localhost"):
            sys.stderr.write("tflog: warning: the API has no authentication; put it behind a proxy that has\n")
        sys.stderr.flush()
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, server_header=False, timeout_keep_alive=15, limit_concurrency=1024
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        pool.stop()
        sock.close()
