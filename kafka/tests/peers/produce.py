"""Produces orders with kafka-python, keyed by customer, as JSON values.

usage: produce.py BROKERS TOPIC FIRST_ID COUNT
Prints one line per delivered order: `delivered <id> <partition> <offset>`.
"""

import json
import sys

from kafka import KafkaProducer


def main() -> None:
    brokers, topic, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    producer = KafkaProducer(
        bootstrap_servers=brokers.split(","),
        acks="all",
        key_serializer=str.encode,
        value_serializer=lambda order: json.dumps(order).encode(),
    )
    futures = []
    for order_id in range(first, first + count):
        order = {
            "id": order_id,
            "customer": f"python-{order_id % 4}",
            "items": [{"sku": "PY-3", "quantity": 1 + order_id % 3, "unit_price_cents": 1_234}],
        }
        futures.append((order_id, producer.send(topic, key=order["customer"], value=order)))
    for order_id, future in futures:
        metadata = future.get(timeout=30)
        print(f"delivered {order_id} {metadata.partition} {metadata.offset}", flush=True)
    producer.close(timeout=10)


if __name__ == "__main__":
    main()
