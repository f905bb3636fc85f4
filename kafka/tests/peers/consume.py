"""Reads a topic from the beginning with kafka-python in a fresh consumer group.

usage: consume.py BROKERS TOPIC GROUP COUNT
Prints one line per event, `<partition> <offset> <key> <value>`, until COUNT events arrived
(exit 0) or 30 seconds passed without them (exit 1).
"""

import sys
import time

from kafka import KafkaConsumer


def main() -> None:
    brokers, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=brokers.split(","),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    seen = 0
    deadline = time.monotonic() + 30
    while seen < count and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                key = record.key.decode() if record.key is not None else "-"
                print(f"{record.partition} {record.offset} {key} {record.value.decode()}", flush=True)
                seen += 1
    consumer.close()
    sys.exit(0 if seen >= count else 1)


if __name__ == "__main__":
    main()
