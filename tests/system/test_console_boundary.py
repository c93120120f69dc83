"""A running console and its sandbox answer only their own Host names (DNS rebinding)."""
from __future__ import annotations

import http.client
import http.cookiejar
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from tests.running_console import running_console


def status_for(url: str, path: str, host: str) -> tuple[int, str]:
    """GET `path` from `url`'s address with the `Host` header a rebinding page would send."""
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host)
        connection.endheaders()
        reply = connection.getresponse()
        return reply.status, reply.read().decode()
    finally:
        connection.close()


def test_a_rebinding_page_reaches_neither_the_console_nor_its_sandbox(tmp_path: Path) -> None:
    with running_console(tmp_path / "console.log", CONSOLE_PASSWORD="pw") as console:
        console_port = urlsplit(console.base_url).port
        sandbox_port = urlsplit(console.sandbox_url).port
        status, text = status_for(console.base_url, "/login", f"evil.example:{console_port}")
        assert status == 403 and "is not served by this console" in text
        status, text = status_for(console.sandbox_url, "/_sandbox/state",
                                  f"evil.example:{sandbox_port}")
        assert status == 403 and "is not served by this sandbox" in text
        # The same requests with the names they really have are served.
        assert status_for(console.base_url, "/login", f"127.0.0.1:{console_port}")[0] == 200
        assert status_for(console.sandbox_url, "/_sandbox/health",
                          f"localhost:{sandbox_port}")[0] == 200


def test_the_console_passes_the_sandbox_its_boundary_settings(tmp_path: Path) -> None:
    with running_console(tmp_path / "console.log", SANDBOX_ISOLATION="0",
                         SANDBOX_ALLOWED_HOSTS="dev.internal") as console:
        sandbox_port = urlsplit(console.sandbox_url).port
        assert status_for(console.sandbox_url, "/_sandbox/health",
                          f"dev.internal:{sandbox_port}")[0] == 200
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(console.login_url()) as reply:
            dashboard = reply.read().decode()
        assert 'id="sandbox-isolation"' in dashboard  # handlers run unisolated: said once
        assert dashboard.count('id="sandbox-isolation"') == 1
