"""Python's gql (https://github.com/graphql-python/gql) against graphql-server: a query over
HTTP (requests transport), then over one WebSocket (websockets transport,
graphql-transport-ws) a subscription and, while it runs, the mutation whose event it should
report. Prints one JSON line per step; exits non-zero on failure.

    python gql_client.py http://127.0.0.1:4000/graphql ws://127.0.0.1:4000/graphql/ws
"""

import asyncio
import json
import sys

from gql import Client, gql
from gql.transport.requests import RequestsHTTPTransport
from gql.transport.websockets import WebsocketsTransport


def query(http_url: str) -> None:
    with Client(transport=RequestsHTTPTransport(url=http_url, timeout=10)) as http:
        user = http.execute(gql("query ($id: ID!) { user(id: $id) { id name } }"),
                            variable_values={"id": "1"})
        print(json.dumps({"query": user}), flush=True)


async def subscribe_and_mutate(ws_url: str) -> None:
    transport = WebsocketsTransport(
        url=ws_url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
    async with Client(transport=transport) as ws:
        events = ws.subscribe(gql("subscription { userCreated { id name email } }"))
        first = asyncio.ensure_future(anext(events))
        # graphql-transport-ws does not acknowledge `subscribe`: give the server a moment.
        await asyncio.sleep(0.5)
        created = await ws.execute(
            gql("mutation ($input: NewUserInput!) { createUser(input: $input) { id name } }"),
            variable_values={"input": {"name": "Guido van Rossum", "email": "guido@example.com"}},
        )
        print(json.dumps({"mutation": created}), flush=True)
        event = await asyncio.wait_for(first, timeout=10)
        print(json.dumps({"subscription": event}), flush=True)
        await events.aclose()


if __name__ == "__main__":
    query(sys.argv[1])
    asyncio.run(subscribe_and_mutate(sys.argv[2]))
