"""The reference client's requests for every AsApi operation, for the
wire-parity fixture (crates/squonk2-as/tests/fixtures/wire.json).

Usage: python squonk2_capture.py > wire.json

Runs im-squonk2-client 7.0.0 (Python >= 3.11) against a recording HTTP
server on 127.0.0.1 (port chosen by the OS when binding) that answers each
request with the status the operation expects (201 for creates, 204 for
deletes, attach, detach, enable and disable, 200 otherwise), in the order
and with the inputs `tests/wire.rs` replays with tenantry. Every call must
come back `success=True`; the script fails otherwise. Prints the journal.
"""
import json
import os
import sys
import tempfile
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

journal = []
BASE = "/account-server-api"
NO_CONTENT = ("/attach", "/detach", "/enable", "/disable")


def status_for(method, path):
    if method == "POST":
        return 201
    if method == "PUT":
        return 201
    if method == "DELETE":
        return 204
    if method == "PATCH" and path.endswith(NO_CONTENT):
        return 204
    return 200


def multipart(content_type, body):
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    parts = []
    for p in msg.iter_parts():
        filename = p.get_param("filename", header="content-disposition")
        content = p.get_payload(decode=True).decode("utf-8", "replace")
        if filename == "" and content:
            # The reference's own source as the dummy file (§4.3).
            content = "<reference source file>"
        parts.append([p.get_param("name", header="content-disposition"), filename, content])
    return parts


class Recorder(BaseHTTPRequestHandler):
    def handle_any(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ct = self.headers.get("Content-Type")
        if ct and ct.startswith("multipart/form-data"):
            body = {"multipart": multipart(ct, raw)}
            ct = "multipart/form-data"
        elif raw:
            body = {"text": raw.decode()}
        else:
            body = None
        journal.append({
            "method": self.command,
            "path": url.path[len(BASE):],
            "query": url.query or None,
            "auth": self.headers.get("Authorization"),
            "content_type": ct,
            "body": body,
        })
        status = status_for(self.command, url.path)
        self.send_response(status)
        if status == 204:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        out = b'{"id": "x-1"}' if status == 201 else b"{}"
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
threading.Thread(target=server.serve_forever, daemon=True).start()
os.environ["SQUONK2_ASAPI_URL"] = f"http://127.0.0.1:{server.server_port}{BASE}"

from squonk2.as_api import AsApi  # noqa: E402  (reads the URL at import)
from squonk2.enumerations import (  # noqa: E402
    DefaultProductPrivacyEnum, EventStreamFormat, ScopeEnum)
import datetime  # noqa: E402

T = "tok-wire-1"
O = "org-11111111-2222-3333-4444-555555555555"
UN = "unit-22222222-3333-4444-5555-666666666666"
P = "product-33333333-4444-5555-6666-777777777777"
A = "asset-44444444-5555-6666-7777-888888888888"
D1, D2 = datetime.date(2024, 1, 2), datetime.date(2024, 2, 3)

tmp = tempfile.mkdtemp()
content_file = os.path.join(tmp, "content.txt")
with open(content_file, "w") as f:
    f.write("hello-file\n")
from pathlib import Path  # noqa: E402
content_path = Path(content_file)

calls = [
    lambda: AsApi.ping(),
    lambda: AsApi.get_version(),
    lambda: AsApi.get_event_stream_version(),
    lambda: AsApi.get_event_stream(T),
    lambda: AsApi.create_event_stream(T, event_format=EventStreamFormat.JSON_STRING),
    lambda: AsApi.delete_event_stream(T, event_stream_id=7),
    lambda: AsApi.get_available_products(T),
    lambda: AsApi.get_available_units(T),
    lambda: AsApi.get_available_assets(T),
    lambda: AsApi.get_available_assets(T, scope_id="dlister"),
    lambda: AsApi.get_available_assets(T, scope_id=P),
    lambda: AsApi.get_available_assets(T, scope_id=UN),
    lambda: AsApi.get_available_assets(T, scope_id=O),
    lambda: AsApi.create_asset(T, name="a2", description="desc", scope=ScopeEnum.UNIT,
                               content_string="KEY=1", scope_id=UN, is_secret=True),
    lambda: AsApi.create_asset(T, name="a3", description="", scope=ScopeEnum.USER,
                               content_file=content_path),
    lambda: AsApi.alter_asset(T, asset_id=A, description="d2"),
    lambda: AsApi.alter_asset(T, asset_id=A, content_file=content_path),
    lambda: AsApi.delete_asset(T, asset_id=A),
    lambda: AsApi.get_asset(T, asset_id=A),
    lambda: AsApi.attach_asset(T, asset_id=A, m_id=3),
    lambda: AsApi.detach_asset(T, asset_id=A, m_id=3),
    lambda: AsApi.enable_asset(T, asset_id=A),
    lambda: AsApi.disable_asset(T, asset_id=A),
    lambda: AsApi.get_merchants(T),
    lambda: AsApi.get_merchant(T, 1),
    lambda: AsApi.get_product(T, product_id=P),
    lambda: AsApi.get_product_default_storage_cost(T),
    lambda: AsApi.get_product_types(T),
    lambda: AsApi.get_products_for_unit(T, unit_id=UN),
    lambda: AsApi.get_products_for_organisation(T, org_id=O),
    lambda: AsApi.get_product_charges(T, product_id=P, from_=D1, until=D2, pbp=-1),
    lambda: AsApi.get_unit_charges(T, unit_id=UN, pbp=2),
    lambda: AsApi.create_unit(T, unit_name="U 1", org_id=O, billing_day=3),
    lambda: AsApi.create_personal_unit(T, billing_day=3),
    lambda: AsApi.delete_personal_unit(T),
    lambda: AsApi.get_personal_unit(T),
    lambda: AsApi.add_user_to_unit(T, unit_id=UN, username="bob"),
    lambda: AsApi.remove_user_from_unit(T, unit_id=UN, username="bob"),
    lambda: AsApi.create_organisation(T, org_name="Acme", org_owner="dlister"),
    lambda: AsApi.add_user_to_organisation(T, org_id=O, username="bob"),
    lambda: AsApi.remove_user_from_organisation(T, org_id=O, username="bob"),
    lambda: AsApi.delete_organisation(T, org_id=O),
    lambda: AsApi.get_organisation(T, org_id=O),
    lambda: AsApi.get_unit(T, unit_id=UN),
    lambda: AsApi.get_organisation_units(T, org_id=O),
    lambda: AsApi.get_units(T, unit_name="U 1&x"),
    lambda: AsApi.get_organisations(T, org_name="Acme"),
    lambda: AsApi.get_organisation_charges(T, org_id=O, from_=D1),
    lambda: AsApi.get_charges(T, until=D2),
    lambda: AsApi.get_organisation_users(T, org_id=O),
    lambda: AsApi.get_unit_users(T, unit_id=UN),
    lambda: AsApi.create_product(T, product_name="P", unit_id=UN,
                                 product_type="DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION",
                                 allowance=100, limit=200, flavour="GOLD"),
    lambda: AsApi.alter_product(T, product_id=P, product_name="", allowance=0, limit=5),
    lambda: AsApi.alter_product(T, product_id=P),
    lambda: AsApi.alter_unit(T, unit_id=UN, name="N",
                             default_product_privacy=DefaultProductPrivacyEnum.DEFAULT_PRIVATE),
    lambda: AsApi.alter_organisation(T, org_id=O,
                                     default_product_privacy=DefaultProductPrivacyEnum.ALWAYS_PUBLIC),
    lambda: AsApi.delete_product(T, product_id=P),
    lambda: AsApi.delete_unit(T, unit_id=UN),
    lambda: AsApi.get_account(T),
    lambda: AsApi.get_default_organisation(T),
    lambda: AsApi.get_actions(T, from_=D1, until=D2, merchant_id=4, product_id=P,
                              unit_id=UN, org_id=O, action_format=EventStreamFormat.JSON_STRING),
    lambda: AsApi.get_actions(T),
]

for i, call in enumerate(calls):
    rv = call()
    if not rv.success:
        sys.exit(f"call {i} failed: {rv}")
    if len(journal) != i + 1:
        sys.exit(f"call {i} sent {len(journal) - i} requests")

server.shutdown()
json.dump(journal, sys.stdout, indent=2, sort_keys=True)
print()
