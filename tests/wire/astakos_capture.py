# -*- coding: utf-8 -*-
"""Wire capture: what the reference client (astakosclient 0.19) sends.

Usage (Python 2.7, with astakosclient==0.19 and objpool importable):

    python astakos_capture.py BASE_URL SEED

BASE_URL is a FRESH seeded Astakos simulator's base URL; SEED its seed JSON
(inline or a file path). Every HTTP operation of the reference (the 38
entry points that send requests, some in several variants) is called once,
each from a fresh client whose default headers carry
`X-Tenantry-Op: <operation>`, so the simulator's journal can be grouped by
operation. The inputs are fixed (taken from the seed, never from answers),
and the order is fixed: the simulator is stateful (commission serials,
application and membership ids count up), and
`tests/wire_astakos.rs` replays the same sequence with the Rust client.
Errors are ignored: only the requests matter.

Prints `ok <op>` or `refused <op>: <error>` per operation and a closing
`N passed, 0 failed` line (N = operations called).
"""

import json
import logging
import os
import sys

from astakosclient import AstakosClient
from astakosclient.errors import AstakosClientException

logging.getLogger("astakosclient").addHandler(logging.NullHandler())

# Fixed inputs that are not in the seed (the Rust side uses the same).
ACCESS_TOKEN = "wire-access-token"
AUTH_CODE = "wire-auth-code"
NO_SUCH_SERIAL = 999999


def load_seed(arg):
    if os.path.exists(arg):
        with open(arg) as f:
            arg = f.read()
    seed = json.loads(arg.strip().splitlines()[0] if arg.strip() else "{}")
    if "services" in seed:
        seed = seed["services"]
    if "astakos" in seed:
        seed = seed["astakos"]
    return seed


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    base = sys.argv[1].rstrip("/")
    seed = load_seed(sys.argv[2])
    auth_url = seed.get("auth_url") or base + "/identity/v2.0"
    users = dict((u["name"].split("@")[0], u) for u in seed["users"])
    alice, bob, carol, admin = (users["alice"], users["bob"],
                                users["carol"], users["admin"])
    a_uuid, b_uuid, c_uuid = alice["uuid"], bob["uuid"], carol["uuid"]
    tokens = {
        "alice": alice["token"], "bob": bob["token"],
        "carol": carol["token"], "admin": admin["token"],
        "service": seed["service_tokens"]["cyclades"],
    }
    eresearch = seed["projects"]["eresearch"]
    teaching = seed["projects"]["teaching"]
    oa = seed["oauth2_client"]

    # (operation, whose token, call). Keep in step with `run_rust` in
    # tests/wire_astakos.rs.
    ops = [
        # identity
        ("get_endpoints", "service", lambda c: c.get_endpoints()),
        ("get_endpoints extra", "service",
         lambda c: c.get_endpoints(extra=True)),
        ("authenticate", "alice", lambda c: c.authenticate()),
        ("authenticate tenant_name", "alice",
         lambda c: c.authenticate(tenant_name=a_uuid)),
        ("validate_token", "service",
         lambda c: c.validate_token(ACCESS_TOKEN)),
        ("validate_token belongs_to", "service",
         lambda c: c.validate_token(ACCESS_TOKEN,
                                    oa["redirect_uri"] + "/alice/f.txt")),
        ("get_token", "alice",
         lambda c: c.get_token("authorization_code", oa["id"], oa["secret"],
                               code=AUTH_CODE,
                               redirect_uri=oa["redirect_uri"])),
        # user catalogs
        ("get_usernames", "alice",
         lambda c: c.get_usernames([a_uuid, b_uuid, "no-such-uuid"])),
        ("get_username", "alice", lambda c: c.get_username(b_uuid)),
        ("service_get_usernames", "service",
         lambda c: c.service_get_usernames([c_uuid, a_uuid])),
        ("service_get_username", "service",
         lambda c: c.service_get_username(a_uuid)),
        ("get_uuids", "alice",
         lambda c: c.get_uuids([carol["name"], "nobody@example.org"])),
        ("get_uuid", "bob", lambda c: c.get_uuid(alice["name"])),
        ("service_get_uuids", "service",
         lambda c: c.service_get_uuids([alice["name"], bob["name"]])),
        ("service_get_uuid", "service",
         lambda c: c.service_get_uuid(carol["name"])),
        # misc
        ("get_services", "alice", lambda c: c.get_services()),
        ("get_resources", "alice", lambda c: c.get_resources()),
        ("send_feedback", "alice",
         lambda c: c.send_feedback("hello world", "a&b=c")),
        # quotas
        ("get_quotas", "alice", lambda c: c.get_quotas()),
        ("service_get_quotas", "service", lambda c: c.service_get_quotas()),
        ("service_get_quotas user", "service",
         lambda c: c.service_get_quotas(user=a_uuid)),
        ("service_get_quotas project", "service",
         lambda c: c.service_get_quotas(project_id=eresearch)),
        ("service_get_quotas users project", "service",
         lambda c: c.service_get_quotas(user=[a_uuid, b_uuid],
                                        project_id=eresearch)),
        ("service_get_project_quotas", "service",
         lambda c: c.service_get_project_quotas()),
        ("service_get_project_quotas project", "service",
         lambda c: c.service_get_project_quotas(project_id=eresearch)),
        # commissions: serials 1, 2, 3, 4 on a fresh simulator
        ("issue_one_commission", "service",
         lambda c: c.issue_one_commission(
             a_uuid, {(a_uuid, "cyclades.vm"): 1}, name="create vm")),
        ("issue_commission_generic", "service",
         lambda c: c.issue_commission_generic(
             {(a_uuid, eresearch, "cyclades.ram"): 1024},
             {(eresearch, "cyclades.ram"): 1024}, name="ram")),
        ("issue_resource_reassignment", "service",
         lambda c: c.issue_resource_reassignment(
             a_uuid, {(a_uuid, eresearch, "cyclades.cpu"): 1},
             name="move cpu")),
        ("issue_one_commission force auto_accept", "service",
         lambda c: c.issue_one_commission(
             a_uuid, {(a_uuid, "cyclades.disk"): 1}, name="disk",
             force=True, auto_accept=True)),
        ("get_pending_commissions", "service",
         lambda c: c.get_pending_commissions()),
        ("get_commission_info", "service",
         lambda c: c.get_commission_info(1)),
        ("commission_action", "service",
         lambda c: c.commission_action(3, "accept")),
        ("accept_commission", "service", lambda c: c.accept_commission(1)),
        ("reject_commission", "service", lambda c: c.reject_commission(2)),
        ("resolve_commissions", "service",
         lambda c: c.resolve_commissions([4, NO_SUCH_SERIAL], [3])),
        # projects: applications 1 and 2 are seeded; create gives 3,
        # modify 4
        ("get_projects", "alice", lambda c: c.get_projects()),
        ("get_projects all filters", "alice",
         lambda c: c.get_projects(name="eresearch", state="active",
                                  owner=a_uuid, mode="member")),
        ("get_project", "alice", lambda c: c.get_project(eresearch)),
        ("create_project", "carol",
         lambda c: c.create_project({
             "name": "lab.example.org",
             "end_date": "2031-01-01T00:00:00Z",
             "description": "a lab", "join_policy": "moderated",
             "leave_policy": "auto", "max_members": 5,
             "resources": {"cyclades.vm": {"member_capacity": 2,
                                           "project_capacity": 4}}})),
        ("modify_project", "bob",
         lambda c: c.modify_project(teaching, {
             "description": "more teaching",
             "resources": {"cyclades.vm": {"member_capacity": 2,
                                           "project_capacity": 40}}})),
        ("application_action", "admin",
         lambda c: c.application_action(teaching, 4, "approve", "ok")),
        # memberships: 1-4 are the users' base-project memberships, 5-7
        # eresearch's (carol's request is 7), 8 teaching's; join gives 9,
        # enroll 10
        ("get_memberships", "alice", lambda c: c.get_memberships()),
        ("get_memberships project", "alice",
         lambda c: c.get_memberships(project_id=eresearch)),
        ("get_membership", "alice", lambda c: c.get_membership(7)),
        ("membership_action", "alice",
         lambda c: c.membership_action(7, "accept", "welcome")),
        ("join_project", "carol", lambda c: c.join_project(teaching)),
        ("enroll_member", "bob",
         lambda c: c.enroll_member(teaching, admin["name"])),
        # last: it suspends teaching
        ("project_action", "admin",
         lambda c: c.project_action(teaching, "suspend", "why")),
    ]
    for name, who, call in ops:
        client = AstakosClient(tokens[who], auth_url,
                               headers={"X-Tenantry-Op": name})
        try:
            call(client)
            print("ok %s" % name)
        except AstakosClientException as e:
            print("refused %s: %s %s" % (name, e.status, e))
    print("%d passed, 0 failed" % len(ops))
    return 0


if __name__ == "__main__":
    sys.exit(main())
