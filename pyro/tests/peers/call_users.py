"""Calls the users object through a Pyro5 name server with Pyro5's own Proxy, as any Python
program would, and prints what each call returned or raised, one line each.

    python3 call_users.py NS_HOST:NS_PORT [NAME]

The daemon may be written in Rust or Python; this script cannot tell, which is the point.
"""
import json
import os
import sys

os.environ.setdefault("PYRO_SERIALIZER", "json")  # the serializer the Rust side speaks
import Pyro5.api  # noqa: E402
import Pyro5.errors  # noqa: E402

ns_host, ns_port = sys.argv[1].rsplit(":", 1)
name = sys.argv[2] if len(sys.argv) > 2 else "example.users"
users = Pyro5.api.Proxy(f"PYRONAME:{name}@{ns_host}:{ns_port}")
users._pyroTimeout = 5


def show(label, call):
    try:
        print(label, "->", json.dumps(call(), sort_keys=True))
    except Exception as error:  # a remote exception, raised here as a Python one
        print(label, "raised", type(error).__name__, str(error))
        if label == "get_user(42)":
            lines = "".join(Pyro5.errors.get_pyro_traceback(*sys.exc_info())).splitlines()
            remote = lines[lines.index(" +--- This exception occurred remotely (Pyro) - Remote traceback:") + 1]
            print("remote traceback starts:", remote.strip(" |"))


show("get_user(1)", lambda: users.get_user(1))
show("create_user(Barbara)", lambda: users.create_user("Barbara Liskov", "barbara@example.com"))
show("create_user(name=, email=)", lambda: users.create_user(name="Edsger Dijkstra", email="edsger@example.com"))
show("create_user(Barbara) again", lambda: users.create_user("Barbara Liskov", "barbara@example.com"))
show("create_user(bad email)", lambda: users.create_user("Nobody", "nobody"))
show("get_user(42)", lambda: users.get_user(42))
show("get_user('one')", lambda: users.get_user("one"))
show("list_users()", lambda: [u["name"] for u in users.list_users()])
show("delete_user(1)", lambda: users.delete_user(1))
users._pyroRelease()

# A Proxy with Pyro5's default serializer (serpent) is told why it cannot connect.
serpent = Pyro5.api.Proxy(f"PYRONAME:{name}@{ns_host}:{ns_port}")
serpent._pyroSerializer = "serpent"
show("serpent proxy", lambda: serpent.get_user(1))
