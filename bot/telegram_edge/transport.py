"""The HTTP client under python-telegram-bot: aiohttp, for its low cost per request.

PTB's default client is httpx. Measured by bench/load.py on this project's 2-core machine, an
httpx request cost the bot 1.2 ms of CPU one at a time and about 3 ms with many in flight
(connection-pool bookkeeping); aiohttp's cost 0.4 ms. That difference decides how many answers
a second one bot process can send. Errors map onto PTB's as its own client's do: time-outs
become TimedOut, other transport failures NetworkError.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from .. import __version__

# The bot's sends and the long poll get separate clients, as PTB's builder does by default.
CONNECTIONS = 64
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on aiohttp with PTB's default time-outs (5 s, 1 s for a free connection).

    aiohttp has no write time-out of its own: a request must be written within its read
    time-out. Proxies are taken from the environment (HTTPS_PROXY, NO_PROXY, …), as httpx
    does, but looked up once per host: aiohttp's own `trust_env` reads them, and ~/.netrc, at
    every request.
    """

    __slots__ = ("_connections", "_proxies", "_session", "_timeouts")

    def __init__(
        self,
        connection_pool_size: int = CONNECTIONS,
        read_timeout: float | None = READ_TIMEOUT,
        write_timeout: float | None = WRITE_TIMEOUT,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
    ) -> None:
        self._connections = connection_pool_size
        self._timeouts = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The read time-out used when a call does not give one."""
        return self._timeouts["read"]

    async def initialize(self) -> None:
        """Open the connection pool (inside the running event loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": f"briefing-bot/{__version__} (aiohttp)"},
            )

    async def shutdown(self) -> None:
        """Close every connection."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one Bot API request; return the HTTP status and the body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._given(read_timeout, "read")
        connect = self._given(connect_timeout, "connect")
        pool = self._given(pool_timeout, "pool")
        timeout = aiohttp.ClientTimeout(
            total=None,
            # Waiting for a free connection, then opening one.
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        data, headers = _body(request_data)
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    def _given(self, value: Any, name: str) -> float | None:
        return self._timeouts[name] if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value

    def _proxy(self, url: str) -> str | None:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            bypass = urllib.request.proxy_bypass(key[1]) if key[1] else True
            self._proxies[key] = None if bypass else urllib.request.getproxies().get(key[0])
        return self._proxies[key]


_JSON = {"Content-Type": "application/json"}


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """The request body and its content type: JSON, or multipart when files are sent.

    The Bot API takes a JSON object; making one costs far less than PTB's form encoding, which
    percent-quotes every character of the text.
    """
    if request_data is None:
        return None, None
    if not request_data.contains_files:
        return json.dumps(request_data.parameters).encode(), _JSON
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
