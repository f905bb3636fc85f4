"""Sends the chat server a message over its 16 KiB limit and prints the close it gets back.

    python3 -m venv .venv && .venv/bin/pip install websockets
    .venv/bin/python websocket/examples/oversize.py   # with websocket-server running
"""

import asyncio
import json

from websockets.client import connect
from websockets.exceptions import ConnectionClosed


async def main() -> None:
    # max_size=None: let the server, not this client, decide what is too big.
    async with connect("ws://127.0.0.1:8080/ws", max_size=None) as ws:
        await ws.send(json.dumps({"type": "join", "name": "big"}))
        await ws.recv()  # the welcome
        await ws.send(json.dumps({"type": "say", "text": "x" * 20000}))
        try:
            await ws.recv()
        except ConnectionClosed as closed:
            print("closed:", closed.rcvd.code, closed.rcvd.reason)


asyncio.run(main())
