"""Looks at a Kafka cluster with kafka-python: topics, offsets and consumer groups.

usage: cluster_info.py topics | offsets TOPIC | group GROUP TOPIC
The broker is $KAFKA_BROKERS (default 127.0.0.1:9092).
"""

import os
import sys

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

BROKERS = os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092").split(",")


def partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "topics"
    consumer = KafkaConsumer(bootstrap_servers=BROKERS)
    if command == "topics":
        for topic in sorted(consumer.topics()):
            print(f"{topic}: {len(consumer.partitions_for_topic(topic) or [])} partition(s)")
    elif command == "offsets":
        topic = sys.argv[2]
        tps = partitions(consumer, topic)
        first, last = consumer.beginning_offsets(tps), consumer.end_offsets(tps)
        for tp in tps:
            print(f"{topic}[{tp.partition}]: offsets {first[tp]}..{last[tp]} ({last[tp] - first[tp]} events)")
    elif command == "group":
        group, topic = sys.argv[2], sys.argv[3]
        admin = KafkaAdminClient(bootstrap_servers=BROKERS)
        # kafka-python 3: {group: {TopicPartition: OffsetAndMetadata}}, committed ones only.
        committed = admin.list_group_offsets(group).get(group, {})
        tps = partitions(consumer, topic)
        last = consumer.end_offsets(tps)
        for tp in tps:
            offset = committed[tp].offset if tp in committed else None
            lag = "-" if offset is None else last[tp] - offset
            print(f"{group} {topic}[{tp.partition}]: committed {offset}, end {last[tp]}, lag {lag}")
        admin.close()
    else:
        sys.exit(__doc__)
    consumer.close()


if __name__ == "__main__":
    main()
