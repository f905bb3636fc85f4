"""A tarpc peer written by hand from the wire format, with nothing but Python's standard library.

It proves that the README's description of the frames is all a program needs: it looks
`example.users` up in the naming service, calls `Directory.get_user` twice (a user and the
remote exception), and calls `Directory.import_users` with a `Progress` callback that it
serves itself, so the Rust server calls into Python.

Usage: python3 tarpc_json_peer.py NAMES_HOST:PORT
Prints one line per result; exits 1 on any surprise.
"""

import json
import socket
import struct
import sys
import threading

MAX_FRAME = 256 * 1024

# Zero trace ids: "no trace", as a client without tracing sends.
TRACE = {"trace_id": [0] * 16, "span_id": 0, "sampling_decision": "Unsampled"}


def send_frame(sock, value):
    body = json.dumps(value).encode()
    sock.sendall(struct.pack(">I", len(body)) + body)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def recv_frame(sock):
    (length,) = struct.unpack(">I", recv_exact(sock, 4))
    if length > MAX_FRAME:
        raise ValueError(f"frame of {length} bytes is over the limit")
    return json.loads(recv_exact(sock, length))


class Proxy:
    """One connection to one object; `call` sends a request and waits for its response."""

    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.next_id = 0

    def call(self, method, args, deadline_secs=5):
        self.next_id += 1
        context = {"deadline": {"secs": deadline_secs, "nanos": 0}, "trace_context": TRACE}
        request = {"context": context, "id": self.next_id, "message": {method: args}}
        send_frame(self.sock, {"Request": request})
        response = recv_frame(self.sock)
        if response["request_id"] != self.next_id:
            raise ValueError(f"response to {response['request_id']}, expected {self.next_id}")
        message = response["message"]
        if "Err" in message:  # tarpc's ServerError: the call itself failed
            raise RuntimeError(f"server error: {message['Err']}")
        (name, result), = message["Ok"].items()
        if name != method:
            raise ValueError(f"answer to {name}, expected {method}")
        return result


def serve_progress(listener, updates):
    """The callback: answers every `Progress.update` the Rust server sends."""
    conn, _ = listener.accept()
    conn.settimeout(10)
    with conn:
        while True:
            try:
                frame = recv_frame(conn)
            except EOFError:
                return
            request = frame["Request"]
            update = request["message"]["Update"]
            updates.append((update["done"], update["total"]))
            send_frame(conn, {"request_id": request["id"], "message": {"Ok": {"Update": None}}})


def main():
    names = Proxy(sys.argv[1])
    entry = names.call("Lookup", {"name": "example.users"})["Ok"]
    print(f"lookup example.users: {entry['interface']}")

    users = Proxy(entry["addr"])
    ada = users.call("GetUser", {"id": 1})["Ok"]
    print(f"get_user 1: {ada['name']} <{ada['email']}>")
    missing = users.call("GetUser", {"id": 424242})
    print(f"get_user 424242: Err {json.dumps(missing['Err'])}")

    missing_name = names.call("Lookup", {"name": "no.such.object"})
    print(f"lookup no.such.object: Err {json.dumps(missing_name['Err'])}")

    listener = socket.create_server(("127.0.0.1", 0))
    updates = []
    thread = threading.Thread(target=serve_progress, args=(listener, updates), daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    batch = [{"name": f"Py {n}", "email": f"py{n}.{port}@example.com"} for n in range(1, 4)]
    report = users.call("ImportUsers", {"users": batch, "progress": f"127.0.0.1:{port}"})["Ok"]
    print(f"import_users: created {len(report['created'])}, progress {updates[-1]}")


if __name__ == "__main__":
    main()
