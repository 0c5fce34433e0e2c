"""The reference client's requests for every SSS v1 operation, for the
wire-parity fixture (crates/ecl-sss/tests/fixtures/wire.json).

Usage: python ecl_sss_capture.py SEED_JSON CONTRACT_TO_DELETE

Runs eclsdk 1.11.1's v1 proxy against the ECL simulator, in the order and
with the inputs `tests/wire.rs` replays with tenantry; the simulator's
journal is the capture. The twelve IAM operations never reach the network
in eclsdk (their resources have no service filter, ecl-sss.md §2.1): as
the notes did, the SSS filter is patched in so that their requests can be
recorded. Failures after a request was sent (TypeError on the IAM and
contract listings, the 400 of create_contract) are expected and ignored.
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")

from ecl import connection  # noqa: E402
from ecl.sss import sss_service  # noqa: E402
from ecl.sss.v1 import iam_group, iam_role  # noqa: E402
from ecl.sss.v1._proxy import Proxy  # noqa: E402

iam_group.IAMGroup.service = sss_service.SssService()
iam_role.IAMRole.service = sss_service.SssService()

seed = json.loads(sys.argv[1])
doomed = sys.argv[2]
MONTH = "2024-05"


def proxy(username, password, project_id):
    conn = connection.Connection(
        auth_url=seed["auth_url"], username=username, password=password,
        project_id=project_id, user_domain_id="default")
    return Proxy(conn.session)


def attempt(fn):
    try:
        return fn()
    except Exception:  # the request is in the journal; see the docstring
        return None


owner = proxy(seed["username"], seed["password"], seed["project_id"])
p = seed["partner"]
partner = proxy(p["username"], p["password"], p["project_id"])
E, U = seed["contract_id"], seed["user"]["user_id"]
G0, R0 = seed["iam_group_id"], seed["iam_role_id"]
CH = p["end_user_channel_id"]

attempt(lambda: owner.users())
attempt(lambda: owner.find_user(U))
attempt(lambda: owner.get_user(U))
new = owner.create_user("wire-user", "wire-user@example.com", "false", password="Wire-pass-01").user_id
attempt(lambda: owner.update_user(new, mail_address="wire2@example.com"))
attempt(lambda: owner.tenants())
attempt(lambda: owner.find_tenant(seed["project_id"]))
t = owner.create_tenant(tenant_name="wire-tenant", description="wire", region="jp1").tenant_id
attempt(lambda: owner.create_role(new, t))
attempt(lambda: owner.delete_role(t, new))
attempt(lambda: owner.delete_tenant(t))
attempt(lambda: owner.delete_user(new))
attempt(lambda: owner.update_api_key(U))
attempt(lambda: partner.channels("true"))
attempt(lambda: partner.create_contract(
    "wire-owner", "wire-owner@example.com", CH, password="Wire-pass-02",
    external_reference_id="REF-1", notify_password="true"))
attempt(lambda: partner.contracts(CH))
attempt(lambda: partner.delete_contract(doomed))
attempt(lambda: owner.get_contract(E))
attempt(lambda: owner.get_billing_info(E, MONTH))
attempt(lambda: partner.get_monthly_billing_of_each_contract(p["contract_id"], MONTH, E))
attempt(lambda: owner.iam_groups(E))
g = owner.create_iam_group("wire-group", description="wire").iam_group_id
attempt(lambda: owner.assign_iam_role(g, R0))
attempt(lambda: owner.users_designated_iam_group(g))
attempt(lambda: owner.assign_user(g, U))
attempt(lambda: owner.delete_assign_user(g, U))
attempt(lambda: owner.delete_assign_iam_role(g, R0))
attempt(lambda: owner.delete_iam_group(g))
attempt(lambda: owner.iam_roles(E))
rule = {"basePath": "/ecl-sss", "ipAddress": "*", "path": "*", "verb": "GET"}
r = owner.create_iam_role("wire-role", [rule], description="wire").iam_role_id
attempt(lambda: owner.get_iam_role(r))
attempt(lambda: owner.delete_iam_role(r))
print("captured")
