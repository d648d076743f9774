"""Loopback HTTP proxy serving a SampleWeb (proxy-form and origin-form requests) plus control endpoints."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .web import SampleWeb

CONTROL_HOSTS = {"127.0.0.1", "localhost"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], web: SampleWeb) -> None:
        super().__init__(addr, _Handler)
        self.web = web
        self.log: list[dict] = []
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        """A client that gives up (timeout, truncated body) resets the connection: expected, not news."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        return

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _handle(self, method: str) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path.startswith(("http://", "https://")):
            u = urlsplit(self.path)
            host, target = u.netloc, u.path + (f"?{u.query}" if u.query else "")
        else:
            host, target = self.headers.get("Host", ""), self.path
        hostname = host.split(":")[0].lower()
        web = self.server.web
        if hostname in CONTROL_HOSTS:
            return self._control(method, target)
        resp = web.respond(method, host, target, dict(self.headers.items()), body)
        with self.server.lock:
            self.server.log.append({"method": method, "host": hostname, "path": target, "status": resp.status,
                                    "body": body.decode("latin-1")})
        if resp.sleep:
            time.sleep(resp.sleep)
        self.send_response(resp.status)
        for k, v in resp.headers:
            if k != "Content-Length":
                self.send_header(k, v)
        declared = len(resp.body) + (4096 if resp.truncate else 0)
        self.send_header("Content-Length", str(declared))
        if resp.truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(resp.body[: len(resp.body) // 2] if resp.truncate else resp.body)
        if resp.truncate:
            self.wfile.flush()
            self.close_connection = True

    def _control(self, method: str, target: str) -> None:
        u = urlsplit(target)
        web, srv = self.server.web, self.server
        ct, status = "application/json; charset=utf-8", 200
        if u.path == "/_truth.json":
            data = json.dumps(web.truth(), ensure_ascii=False).encode()
        elif u.path == "/_log.json":
            with srv.lock:
                data = json.dumps(srv.log, ensure_ascii=False).encode()
        elif u.path == "/_night":
            q = parse_qs(u.query)
            if "n" in q:
                web.set_night(int(q["n"][0]))
            data = json.dumps({"night": web.night}).encode()
        elif u.path == "/_registry.toml":
            data, ct = web.registry_toml(f"http://127.0.0.1:{srv.server_address[1]}").encode(), "text/plain; charset=utf-8"
        elif u.path == "/":
            links = "".join(f'<li><a href="http://{h}/">{h}</a></li>' for h in web.hosts)
            data, ct = f"<html><body><h1>gongkai sample web</h1><ul>{links}</ul></body></html>".encode(), "text/html; charset=utf-8"
        else:
            data, status, ct = b"not found", 404, "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", ct)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)


class ServerHandle:
    """A running server: ``.port``, ``.url``, ``.stop()``, ``.set_night(n)``, ``.log()``."""

    def __init__(self, srv: _Server, thread: threading.Thread) -> None:
        self._srv, self._thread = srv, thread
        self.port = srv.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.web = srv.web

    def stop(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()
        self._thread.join(timeout=5)

    def set_night(self, n: int) -> None:
        self._srv.web.set_night(n)

    def log(self) -> list[dict]:
        with self._srv.lock:
            return list(self._srv.log)


def serve_in_thread(web: SampleWeb, port: int = 0) -> ServerHandle:
    """Start serving ``web`` on 127.0.0.1:port (0 = any free port) in a daemon thread."""
    srv = _Server(("127.0.0.1", port), web)
    th = threading.Thread(target=srv.serve_forever, name="sampleweb", daemon=True)
    th.start()
    return ServerHandle(srv, th)


def run_server(port: int = 8399, seed: int = 1, scale: int = 1, night: int = 1) -> None:
    """Serve forever (the ``gongkai web`` command)."""
    srv = _Server(("127.0.0.1", port), SampleWeb(seed=seed, scale=scale, night=night))
    print(f"sample web: {len(srv.web.hosts)} sites, proxy http://127.0.0.1:{srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
