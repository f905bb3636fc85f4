"""A Python client for grpc-server, generated from the same users.proto: no Rust involved.

    pip install grpcio-tools grpcio-status
    cd grpc/python
    python -m grpc_tools.protoc -I ../proto --python_out=. --grpc_python_out=. ../proto/users.proto
    python users_client.py 127.0.0.1:50051 [TOKEN]
"""

import queue
import sys
import time

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

import users_pb2
import users_pb2_grpc


def bad_request_field(error):
    """The field named by the google.rpc.BadRequest detail of a failed call, if any."""
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            return bad_request.field_violations[0].field
    return None


def main(addr, token):
    metadata = [("authorization", f"Bearer {token}")] if token else []
    with grpc.insecure_channel(addr) as channel:
        users = users_pb2_grpc.UserServiceStub(channel)

        user = users.GetUser(users_pb2.GetUserRequest(id=1), metadata=metadata, timeout=5)
        print(f"GetUser(1) -> #{user.id} {user.name} <{user.email}>")

        try:
            users.GetUser(users_pb2.GetUserRequest(id=99), metadata=metadata, timeout=5)
        except grpc.RpcError as error:
            print(f"GetUser(99) -> {error.code().name}: {error.details()}")

        try:
            bad = users_pb2.CreateUserRequest(name="Py", email="nope")
            users.CreateUser(bad, metadata=metadata, timeout=5)
        except grpc.RpcError as error:
            print(f"CreateUser(bad email) -> {error.code().name}: {error.details()}"
                  f" [BadRequest field: {bad_request_field(error)}]")

        listed = users.ListUsers(users_pb2.ListUsersRequest(limit=3), metadata=metadata, timeout=5)
        print("ListUsers(limit=3) ->", ", ".join(u.name for u in listed))

        new_users = [("Guido van Rossum", "guido@example.org"), ("Tim Peters", "tim@example.org")]
        requests = (users_pb2.CreateUserRequest(name=n, email=e) for n, e in new_users)
        reply = users.ImportUsers(requests, metadata=metadata, timeout=5)
        print(f"ImportUsers(2 users) -> created {reply.created}")

        ids = (users_pb2.GetUserRequest(id=i) for i in [2, 42])
        for answer in users.LookupUsers(ids, metadata=metadata, timeout=5):
            found = answer.user.name if answer.HasField("user") else "not found"
            print(f"LookupUsers -> {answer.id}: {found}")

        # A client stream that dawdles past its 300 ms deadline.
        def dawdle():
            yield users_pb2.CreateUserRequest(name="Slow Poke", email="slow@example.org")
            time.sleep(1)
            yield users_pb2.CreateUserRequest(name="Too Late", email="late@example.org")

        try:
            users.ImportUsers(dawdle(), metadata=metadata, timeout=0.3)
        except grpc.RpcError as error:
            print(f"ImportUsers(dawdling, 300 ms deadline) -> {error.code().name}")

        # Open a lookup conversation, read one answer, then walk away.
        pending = queue.Queue()
        pending.put(users_pb2.GetUserRequest(id=3))
        call = users.LookupUsers(iter(pending.get, None), metadata=metadata)
        print(f"LookupUsers -> {next(call).user.name}, then cancel()")
        call.cancel()
        pending.put(None)  # lets the request iterator's thread finish
        print(f"  the call ended with {call.code().name}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051",
         sys.argv[2] if len(sys.argv) > 2 else None)
