"""A TCP proxy between the Rasa server and the action server, for the fault tests. It forwards bytes
both ways; when told to, it answers every call with the HTTP 500 that rasa-sdk's server sends when
an action raises. When the action server behind it is down, it closes the connection, as a dead
server's port would, so Rasa sees a broken connection.

It listens on 127.0.0.1 only, in a thread of the test process, and stops with the test session.
"""
from __future__ import annotations

import asyncio
import socket
import threading
from typing import Optional

FORWARD = "forward"
ACTION_RAISES = "action_raises"

ERROR_BODY = b'{"description":"Internal Server Error","status":500,"message":"The server encountered an internal error."}'
ERROR_RESPONSE = (b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
                  b"content-length: " + str(len(ERROR_BODY)).encode() + b"\r\nconnection: close\r\n\r\n" + ERROR_BODY)


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode = FORWARD
        self.calls = 0
        self._loop = asyncio.new_event_loop()
        self._server: Optional[asyncio.base_events.Server] = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def start(self) -> "FaultProxy":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.calls += 1
        try:
            if self.mode == ACTION_RAISES:
                await _read_request(reader)
                writer.write(ERROR_RESPONSE)
                await writer.drain()
                return
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            except OSError:
                return  # the action server is down: the connection closes unanswered
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


async def _read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass
