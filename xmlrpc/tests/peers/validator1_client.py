"""Python's standard xmlrpc.client against xmlrpc-server: every method and the whole
validator1 suite, with the checks the suite's own client made.

Usage: python3 validator1_client.py http://127.0.0.1:PORT/RPC2
Prints one "ok <test>" line per test and exits non-zero on the first failure.
"""

import datetime
import random
import string
import sys
import xmlrpc.client

url = sys.argv[1]
server = xmlrpc.client.ServerProxy(url, allow_none=True)
v = server.validator1


def ok(name):
    print("ok", name, flush=True)


def fault_code(call):
    try:
        call()
    except xmlrpc.client.Fault as fault:
        return fault.faultCode
    raise AssertionError("expected a fault")


# validator1, in the specification's order.
structs = [{"moe": random.randint(-100, 100), "larry": random.randint(-100, 100),
            "curly": random.randint(-100, 100)} for _ in range(random.randint(5, 20))]
assert v.arrayOfStructsTest(structs) == sum(s["curly"] for s in structs)
ok("validator1.arrayOfStructsTest")

text = "".join(random.choice("<>&'\"abc ") for _ in range(200))
counts = v.countTheEntities(text)
assert counts == {"ctLeftAngleBrackets": text.count("<"), "ctRightAngleBrackets": text.count(">"),
                  "ctAmpersands": text.count("&"), "ctApostrophes": text.count("'"),
                  "ctQuotes": text.count('"')}, counts
ok("validator1.countTheEntities")

stooges = {"moe": 17, "larry": -3, "curly": 42}
assert v.easyStructTest(stooges) == 56
ok("validator1.easyStructTest")

echo = {"substruct0": {"variable0": 1, "variable1": "two"}, "name": "<&>", "list": [1, 2.5, True]}
assert v.echoStructTest(echo) == echo
ok("validator1.echoStructTest")

when = xmlrpc.client.DateTime(datetime.datetime(2000, 4, 1, 12, 30, 45))
blob = xmlrpc.client.Binary(bytes(range(256)))
answer = v.manyTypesTest(2**31 - 1, True, "x < y & z", 3.25, when, blob)
assert answer == [2**31 - 1, True, "x < y & z", 3.25, when, blob], answer
ok("validator1.manyTypesTest")

words = ["".join(random.choice(string.ascii_letters) for _ in range(8))
         for _ in range(random.randint(100, 200))]
assert v.moderateSizeArrayCheck(words) == words[0] + words[-1]
ok("validator1.moderateSizeArrayCheck")

calendar = {}
for year in ("1999", "2000", "2001"):
    calendar[year] = {}
    for month in ("01", "02", "03", "04", "05"):
        calendar[year][month] = {}
        for day in ("01", "02", "03"):
            calendar[year][month][day] = {"moe": 1, "larry": 2, "curly": 3}
calendar["2000"]["04"]["01"] = {"moe": 12, "larry": 30, "curly": 58}
assert v.nestedStructTest(calendar) == 100
ok("validator1.nestedStructTest")

assert v.simpleStructReturnTest(7) == {"times10": 70, "times100": 700, "times1000": 7000}
ok("validator1.simpleStructReturnTest")

# The user methods and their faults (codes as in the jsonrpc crate).
assert server.users.get(1) == {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"}
assert fault_code(lambda: server.users.get(99)) == 1001
email = "python-%d@example.com" % random.randint(0, 10**9)
created = server.users.create({"name": "Python Peer", "email": email})
assert created["name"] == "Python Peer" and created["email"] == email, created
assert server.users.get(created["id"]) == created
assert fault_code(lambda: server.users.create({"name": "X", "email": "nope"})) == 1002
assert fault_code(lambda: server.users.create({"name": "X", "email": email})) == 1003
assert [u["id"] for u in server.users.list({"offset": 1, "limit": 2})] == [2, 3]
assert server.users.list({"offset": None, "limit": 1})[0]["id"] == 1  # <nil/> is accepted
ok("users")

# Wrong types and unknown methods are faults.
assert fault_code(lambda: server.users.get("one")) == -32602
assert fault_code(lambda: v.easyStructTest({"moe": 1})) == -32602
assert fault_code(lambda: server.no.such.method()) == -32601
ok("faults")

# Introspection and multicall, as Python's own SimpleXMLRPCServer offers them.
methods = server.system.listMethods()
assert "validator1.manyTypesTest" in methods and "system.multicall" in methods, methods
assert server.system.methodSignature("users.get") == [["struct", "int"]]
assert "1001" in server.system.methodHelp("users.get")
multi = xmlrpc.client.MultiCall(server)
multi.users.get(2)
multi.users.get(99)
multi.validator1.simpleStructReturnTest(3)
results = multi()
assert results[0]["name"] == "Alan Turing"
try:
    results[1]
    raise AssertionError("expected a fault inside the multicall")
except xmlrpc.client.Fault as fault:
    assert fault.faultCode == 1001
assert results[2] == {"times10": 30, "times100": 300, "times1000": 3000}
ok("introspection and multicall")
