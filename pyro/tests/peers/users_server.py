"""A users object served by Python's own Pyro5 daemon and registered in a name server: the
peer that `pyro-client` (Rust) calls.

    python3 users_server.py NS_HOST:NS_PORT NAME

Prints `ready PYRO:...` once registered, then serves until it is killed.
"""
import sys

import Pyro5.api

ns_host, ns_port = sys.argv[1].rsplit(":", 1)
name = sys.argv[2]


@Pyro5.api.expose
class Users:
    def __init__(self):
        self.users = {1: {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"}}

    def get_user(self, id):
        if id not in self.users:
            raise LookupError(f"user {id} not found")
        return self.users[id]

    def create_user(self, name, email):
        if "@" not in email:
            raise ValueError("invalid email: must look like name@example.com")
        user = {"id": max(self.users) + 1, "name": name, "email": email}
        self.users[user["id"]] = user
        return user

    def list_users(self):
        return list(self.users.values())


daemon = Pyro5.api.Daemon(host="127.0.0.1")
uri = daemon.register(Users(), objectId=name)
Pyro5.api.locate_ns(ns_host, int(ns_port)).register(name, uri)
print("ready", uri, flush=True)
daemon.requestLoop()
