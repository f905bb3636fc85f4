"""Python's zeep, given nothing but the WSDL URL, calls every operation of the service.

    python3 soap/tests/peers/zeep_client.py http://127.0.0.1:7882/soap?wsdl

Prints one line per call; faults are printed with their code, message and detail, as
zeep.exceptions.Fault reports them.
"""

import sys

import zeep
from zeep.exceptions import Fault


def show_fault(call, fault):
    # fault.detail is the <detail> element (lxml); its child is one of the XSD's detail elements.
    detail = ""
    if fault.detail is not None and len(fault.detail):
        element = fault.detail[0]
        fields = ", ".join(f"{zeep.helpers.etree.QName(c).localname}={c.text}" for c in element)
        detail = f" [{zeep.helpers.etree.QName(element).localname}: {fields}]"
    print(f"{call} -> Fault {fault.code}: {fault.message}{detail}")


def main(wsdl_url):
    client = zeep.Client(wsdl_url)
    service = client.service

    user = service.GetUser(id=1)
    print(f"GetUser(1) -> #{user.id} {user.name} <{user.email}>")

    created = service.CreateUser(name="Barbara Liskov", email="barbara@example.com")
    print(f"CreateUser -> #{created.id} {created.name} <{created.email}>")

    page = service.ListUsers(offset=1, limit=3)
    names = ", ".join(u.name for u in page.user)
    print(f"ListUsers(offset=1, limit=3) -> {names} (total {page.total})")

    for call, invoke in [
        ("GetUser(42)", lambda: service.GetUser(id=42)),
        ("CreateUser(again)", lambda: service.CreateUser(name="B", email="barbara@example.com")),
        ("CreateUser(bad email)", lambda: service.CreateUser(name="X", email="nobody")),
        ("ListUsers(limit=500)", lambda: service.ListUsers(limit=500)),
    ]:
        try:
            invoke()
            print(f"{call} -> no fault")
        except Fault as fault:
            show_fault(call, fault)


if __name__ == "__main__":
    main(sys.argv[1])
