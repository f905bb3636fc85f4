"""A Python client for grpc-server, generated from the same users.proto: no Rust involved.

    python -m grpc_tools.protoc -I ../proto --python_out=. --grpc_python_out=. ../proto/users.proto
    python users_client.py 127.0.0.1:50051
"""

import sys

import grpc
from grpc_status import rpc_status
from google.rpc import error_details_pb2

import users_pb2
import users_pb2_grpc


def bad_request_field(error):
    """The field named by a google.rpc.BadRequest detail, if the status carries one."""
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            return bad_request.field_violations[0].field
    return None


def main(addr):
    with grpc.insecure_channel(addr) as channel:
        users = users_pb2_grpc.UserServiceStub(channel)
        metadata = [("authorization", f"Bearer {sys.argv[2]}")] if len(sys.argv) > 2 else []

        user = users.GetUser(users_pb2.GetUserRequest(id=1), metadata=metadata, timeout=5)
        print(f"GetUser(1) -> #{user.id} {user.name} <{user.email}>")

        try:
            users.GetUser(users_pb2.GetUserRequest(id=99), metadata=metadata, timeout=5)
        except grpc.RpcError as error:
            print(f"GetUser(99) -> {error.code().name}: {error.details()}")

        try:
            users.CreateUser(users_pb2.CreateUserRequest(name="Py", email="nope"),
                             metadata=metadata, timeout=5)
        except grpc.RpcError as error:
            print(f"CreateUser(bad email) -> {error.code().name}: {error.details()}"
                  f" [BadRequest field: {bad_request_field(error)}]")

        listed = users.ListUsers(users_pb2.ListUsersRequest(limit=3), metadata=metadata, timeout=5)
        print("ListUsers(limit=3) ->", ", ".join(u.name for u in listed))

        new_users = (users_pb2.CreateUserRequest(name=n, email=e) for n, e in
                     [("Guido van Rossum", "guido@example.org"), ("Tim Peters", "tim@example.org")])
        reply = users.ImportUsers(new_users, metadata=metadata, timeout=5)
        print(f"ImportUsers(2 users) -> created {reply.created}")

        ids = (users_pb2.GetUserRequest(id=i) for i in [2, 42])
        for answer in users.LookupUsers(ids, metadata=metadata, timeout=5):
            found = answer.user.name if answer.HasField("user") else "not found"
            print(f"LookupUsers -> {answer.id}: {found}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051")
