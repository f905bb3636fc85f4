"""Writes one tarpc request as a length-delimited JSON frame to stdout, for `nc` to send.

    python3 frame.py METHOD ARGS_JSON [ID]   e.g.  python3 frame.py Lookup '{"name":"example.users"}'
    python3 frame.py --raw JSON              any JSON, framed as it is (to send nonsense)

The frame is a 4-byte big-endian length, then that many bytes of JSON: tarpc's
`ClientMessage::Request` with a 5-second deadline and an empty trace context.
"""

import json
import struct
import sys


def main():
    if sys.argv[1] == "--raw":
        body = sys.argv[2].encode()
    else:
        method, args = sys.argv[1], json.loads(sys.argv[2])
        request_id = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        trace = {"trace_id": [0] * 16, "span_id": 0, "sampling_decision": "Unsampled"}
        context = {"deadline": {"secs": 5, "nanos": 0}, "trace_context": trace}
        message = {"Request": {"context": context, "id": request_id, "message": {method: args}}}
        body = json.dumps(message, separators=(",", ":")).encode()
    sys.stdout.buffer.write(struct.pack(">I", len(body)) + body)


if __name__ == "__main__":
    main()
