"""Fetching a calendar address safely: http/https only, no private addresses, bounded.

- Only http and https (a `webcal://` address is https: services normalise it on input).
- The host is resolved here and every address it resolves to must be public (not private,
  loopback, link-local, multicast, reserved or unspecified) unless `allow_private`
  (MEDIATION_CALENDAR_ALLOW_PRIVATE, for tests and closed networks); the connection then goes
  to the address that was checked, so a second DNS answer cannot point it elsewhere.
- Redirects are followed by hand (at most MAX_REDIRECTS), each target checked the same way.
- One deadline for the whole fetch (`timeout` seconds) and a size cap: at most `max_bytes` + 1
  bytes are read, and a larger body is refused.
- `etag` / `last_modified` make the request conditional; a 304 answer has no body.

Nothing here touches the database. Errors are `FetchError(code, detail)`; the detail never
contains the address (it is a secret).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 5
USER_AGENT = "mediation-calendar-import/1"
CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch that failed: `code` is one of models.ERROR_CODES, `detail` a short reason."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Fetched:
    not_modified: bool
    body: bytes | None
    etag: str | None
    last_modified: str | None


def check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError("bad_scheme", parts.scheme or "none")
    if not parts.hostname:
        raise FetchError("bad_scheme", "no host")


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to: every address `host` resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("unreachable", f"name not resolved ({exc.__class__.__name__})") from None
    addresses = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not allow_private and not _is_public(ip):
            raise FetchError("private_address", str(ip))
        addresses.append(str(ip))
    if not addresses:
        raise FetchError("unreachable", "name not resolved")
    return addresses[0]


class _HTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _HTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
          timeout: float = 15.0, max_bytes: int = 5 * 1024 * 1024,
          allow_private: bool = False) -> Fetched:
    deadline = time.monotonic() + timeout

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError("timeout", f"no complete answer within {timeout:g} s")
        return left

    for _hop in range(MAX_REDIRECTS + 1):
        check_scheme(url)
        parts = urlsplit(url)
        https = parts.scheme.lower() == "https"
        try:
            port = parts.port or (443 if https else 80)
        except ValueError:
            raise FetchError("bad_scheme", "bad port") from None
        address = resolve(parts.hostname, port, allow_private)
        connection = (_HTTPS if https else _HTTP)(parts.hostname, port, address, remaining())
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5",
                   "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = None
        try:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                status = response.status
                if status in (301, 302, 303, 307, 308):
                    location = response.getheader("Location")
                    if not location:
                        raise FetchError("http_status", f"{status} without a Location")
                    url = urljoin(url, location.strip())
                    continue
                if status == 304 and (etag or last_modified):
                    return Fetched(True, None, etag, last_modified)
                if status != 200:
                    raise FetchError("http_status", f"{status} {response.reason}".strip())
                length = response.getheader("Content-Length")
                if length and length.strip().isdigit() and int(length) > max_bytes:
                    raise FetchError("too_large", f"{int(length)} bytes")
                body = _read(response, connection, max_bytes, remaining)
                return Fetched(False, body, response.getheader("ETag"),
                               response.getheader("Last-Modified"))
            except TimeoutError:
                raise FetchError("timeout", f"no complete answer within {timeout:g} s") from None
            except ssl.SSLError as exc:
                raise FetchError("unreachable", f"TLS: {exc.reason or exc.__class__.__name__}") from None
            except (OSError, http.client.HTTPException, ValueError) as exc:
                raise FetchError("unreachable", exc.__class__.__name__) from None
        finally:
            if response is not None:
                response.close()
            connection.close()
    raise FetchError("redirects", f"more than {MAX_REDIRECTS}")


def _read(response: http.client.HTTPResponse, connection: http.client.HTTPConnection,
          max_bytes: int, remaining) -> bytes:
    """The body, at most `max_bytes` (reading one byte more tells a larger body), before the
    deadline (each read waits at most the time left)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        left = remaining()
        if connection.sock is not None:
            connection.sock.settimeout(left)
        chunk = response.read(min(CHUNK, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"more than {max_bytes} bytes")
