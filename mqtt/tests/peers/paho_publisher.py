"""Publishes COUNT readings of DEVICE with paho-mqtt 2.x at QoS 1, as a device of this crate
would: retained `online`, JSON readings, retained `offline`.

Usage: paho_publisher.py PORT DEVICE COUNT
"""

import json
import sys
import time

import paho.mqtt.client as mqtt

port, device, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
status = f"devices/{device}/status"

client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
client.will_set(status, "offline", qos=1, retain=True)
client.connect("127.0.0.1", port, keepalive=10)
client.loop_start()
client.publish(status, "online", qos=1, retain=True).wait_for_publish(10)
for seq in range(1, count + 1):
    reading = {
        "sensor": device,
        "seq": seq,
        "value": 20.5,
        "unit": "°C",
        "timestamp_ms": int(time.time() * 1000),
    }
    client.publish(f"devices/{device}/temperature", json.dumps(reading), qos=1).wait_for_publish(10)
client.publish(status, "offline", qos=1, retain=True).wait_for_publish(10)
client.disconnect()
client.loop_stop()
print(f"published {count}")
