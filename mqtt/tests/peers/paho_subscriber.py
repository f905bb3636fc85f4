"""Subscribes with paho-mqtt 2.x and prints each message as `topic payload`.

Usage: paho_subscriber.py PORT FILTER COUNT
Prints `ready` once the broker granted the subscription, then COUNT messages, then exits.
"""

import sys

import paho.mqtt.client as mqtt

port, topic_filter, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
received = 0


def on_connect(client, userdata, flags, reason_code, properties):
    client.subscribe(topic_filter, qos=1)


def on_subscribe(client, userdata, mid, reason_codes, properties):
    print("ready", flush=True)


def on_message(client, userdata, message):
    global received
    print(message.topic, message.payload.decode("utf-8", "replace"), flush=True)
    received += 1
    if received >= count:
        client.disconnect()


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect("127.0.0.1", port, keepalive=10)
client.loop_forever()
