"""A Python SimpleXMLRPCServer (standard library only) for the Rust client to call: the same
user methods and fault codes as xmlrpc-server, introspection, system.multicall, and an echo
that sends every value back as Python decoded it.

Usage: python3 python_server.py   (binds 127.0.0.1 on a free port, prints "listening on PORT")
"""

import sys
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCServer

USERS = {1: {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"}}


def get(user_id):
    """users.get(id) -> {id, name, email}"""
    if user_id not in USERS:
        raise xmlrpc.client.Fault(1001, "user %d not found" % user_id)
    return USERS[user_id]


def create(fields):
    """users.create({name, email}) -> the stored user"""
    if any(u["email"].lower() == fields["email"].lower() for u in USERS.values()):
        raise xmlrpc.client.Fault(1003, "a user with email %s already exists" % fields["email"])
    user = {"id": max(USERS) + 1, "name": fields["name"], "email": fields["email"]}
    USERS[user["id"]] = user
    return user


def echo(*values):
    """echo(values...) -> [values...] as Python decoded them, plus their Python type names.
    Python reads <i8> but writes no integer beyond i4, so those come back as decimal strings."""
    fits = lambda v: not isinstance(v, int) or isinstance(v, bool) or -2**31 <= v < 2**31
    return [[v if fits(v) else str(v) for v in values], [type(v).__name__ for v in values]]


server = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, logRequests=False)
server.register_function(get, "users.get")
server.register_function(create, "users.create")
server.register_function(echo, "echo")
server.register_introspection_functions()
server.register_multicall_functions()
print("listening on", server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
