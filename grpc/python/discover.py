"""What a generic tool sees without the .proto: reflection lists the services and describes
them, and the standard health check answers. Needs grpcio-reflection and grpcio-health-checking.

    pip install grpcio-reflection grpcio-health-checking
    python discover.py 127.0.0.1:50051
"""

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

with grpc.insecure_channel(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051") as channel:
    reflection = ProtoReflectionDescriptorDatabase(channel)
    print("services:", ", ".join(reflection.get_services()))
    service = reflection.FindFileContainingSymbol("users.v1.UserService").service[0]
    for method in service.method:
        request = ("stream " if method.client_streaming else "") + method.input_type
        response = ("stream " if method.server_streaming else "") + method.output_type
        print(f"  {method.name}({request}) returns ({response})")

    health = health_pb2_grpc.HealthStub(channel)
    for name in ["", "users.v1.UserService"]:
        reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        print(f"health {name or '(whole server)'}: {status}")
