"""Headless Chromium driven over the DevTools protocol, for the page tests: every request a page makes is
recorded, and a proxy that refuses everything stands between the browser and the network."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


class _Refuse(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            self.server.requests.append(line)
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


class RefusingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on 127.0.0.1 that forwards nothing and remembers what it was asked for."""

    daemon_threads = True

    def __init__(self):
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _Refuse)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class Page:
    """What one page load gave: the DOM after its scripts ran, and the URL of every request it made."""

    def __init__(self, dom: str, requests: list[str], screenshot: bytes | None):
        self.dom = dom
        self.requests = requests
        self.screenshot = screenshot

    @property
    def remote_requests(self) -> list[str]:
        """Requests for anything but a local file or inline data: none may leave the machine."""
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]


class Browser:
    """One headless Chromium; open() loads a URL in its page and returns a Page."""

    def __init__(self, chromium: str):
        self.proxy = RefusingProxy()
        self._profile = tempfile.mkdtemp(prefix="juesuan-cdp-")
        self._process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", "--disable-extensions",
             "--hide-scrollbars", "--remote-debugging-port=0", f"--user-data-dir={self._profile}",
             f"--proxy-server=http://127.0.0.1:{self.proxy.server_address[1]}", "--proxy-bypass-list=<-loopback>",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t["type"] == "page")
        self._socket = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self._ids = itertools.count(1)
        self._events: list[dict] = []
        self._call("Network.enable")
        self._call("Page.enable")

    def _call(self, method: str, **params) -> dict:
        call_id = next(self._ids)
        self._socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=120))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._events.append(message)

    def _drain(self, until: str | None, quiet: float) -> None:
        """Collect events until `until` arrives, then until none has come for `quiet` seconds."""
        seen = until is None or any(e.get("method") == until for e in self._events)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                message = json.loads(self._socket.recv(timeout=quiet if seen else 120))
            except TimeoutError:
                if seen:
                    return
                raise
            self._events.append(message)
            seen = seen or message.get("method") == until

    def open(self, url: str, width: int = 1280, height: int = 1600, screenshot: bool = False) -> Page:
        """Load url, let its scripts run, and return its DOM, its requests and (optionally) a PNG of it."""
        self._events.clear()
        self._call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                   mobile=False)
        self._call("Page.navigate", url=url)
        self._drain("Page.loadEventFired", quiet=1.0)
        dom = self._call("Runtime.evaluate", expression="document.documentElement.outerHTML",
                         returnByValue=True)["result"]["value"]
        shot = base64.b64decode(self._call("Page.captureScreenshot", format="png")["data"]) if screenshot else None
        requests = [e["params"]["request"]["url"] for e in self._events
                    if e.get("method") == "Network.requestWillBeSent"]
        return Page(dom, requests, shot)

    def close(self) -> None:
        try:
            self._socket.close()
        finally:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self.proxy.close()
            shutil.rmtree(self._profile, ignore_errors=True)
