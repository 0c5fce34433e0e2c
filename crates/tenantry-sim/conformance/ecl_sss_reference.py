"""Every v1 operation of the reference client (eclsdk 1.11.1, ecl.sss.v1)
against the ECL SSS simulator and its Keystone.

Usage: python ecl_sss_reference.py SEED_JSON CONTRACT_TO_DELETE MONTH

SEED_JSON is the simulator's seed object (tenantry-sim's `ecl-sss`
section); CONTRACT_TO_DELETE an end-user contract the partner may delete;
MONTH a past billing month (YYYY-MM). Prints one JSON object: for each
operation (by its number in ecl-sss.md §2.1) either {"ok": value} or
{"error": class name, "message": text}. The test that runs it checks the
values and that each failure is the reference's own (§2.1, §6.2).
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")

from ecl import connection  # noqa: E402
from ecl.sss.v1._proxy import Proxy  # noqa: E402

seed = json.loads(sys.argv[1])
to_delete = sys.argv[2]
month = sys.argv[3]
auth_url = seed["auth_url"]


def proxy(username, password, project_id):
    conn = connection.Connection(
        auth_url=auth_url,
        username=username,
        password=password,
        project_id=project_id,
        user_domain_id="default",
    )
    # eclsdk 1.11.1 binds conn.sss to the v2 proxy: the v1 one is built by
    # hand on the session (ecl-sss.md §1.5).
    return Proxy(conn.session)


out = {}


def run(num, fn):
    try:
        out[str(num)] = {"ok": fn()}
    except Exception as e:  # the reference's failure, recorded as it is
        out[str(num)] = {"error": type(e).__name__, "message": str(e)}


def d(res):
    """A resource as the reference returns it (its known fields)."""
    if res is None:
        return None
    if isinstance(res, list):
        return [d(r) for r in res]
    if hasattr(res, "to_dict"):
        try:
            return {k: v for k, v in res.to_dict().items() if v is not None}
        except KeyError:
            # An empty resource (update_user, delete_role answer nothing):
            # to_dict looks up its missing id.
            return {}
    return res


owner = proxy(seed["username"], seed["password"], seed["project_id"])
p = seed["partner"]
partner = proxy(p["username"], p["password"], p["project_id"])
contract = seed["contract_id"]
user_id = seed["user"]["user_id"]
state = {}

# Users (#1-#6)
run(1, lambda: d(owner.users()))
run(2, lambda: d(owner.find_user(user_id)))
run(3, lambda: d(owner.get_user(user_id)))


def create_user():
    u = owner.create_user("ref-user", "ref-user@example.com", "false", password="Ref-pass-01")
    state["user"] = u.user_id
    return d(u)


run(4, create_user)
run(5, lambda: d(owner.update_user(state["user"], mail_address="ref-user2@example.com")))
state["mail_after_update"] = owner.get_user(state["user"]).mail_address if "user" in state else None

# Tenants and roles (#7-#12), before the user is deleted.
run(7, lambda: d(owner.tenants()))
run(8, lambda: d(owner.find_tenant(seed["project_id"])))


def create_tenant():
    t = owner.create_tenant(tenant_name="ref-tenant", description="reference", region="jp1")
    state["tenant"] = t.tenant_id
    return d(t)


run(9, create_tenant)
run(11, lambda: d(owner.create_role(state["user"], state["tenant"])))
run(12, lambda: d(owner.delete_role(state["tenant"], state["user"])))
run(10, lambda: d(owner.delete_tenant(state["tenant"])))
run(6, lambda: d(owner.delete_user(state["user"])))

# API key (#13): the owner rotates the ordinary user's key.
run(13, lambda: d(owner.update_api_key(user_id)))

# Channels, contracts, billing (#14-#20).
run(14, lambda: d(partner.channels("true")))
run(15, lambda: d(partner.create_contract(
    "ref-owner", "ref-owner@example.com", p["end_user_channel_id"], notify_password="false")))
run(16, lambda: d(partner.contracts(p["end_user_channel_id"])))
run(18, lambda: d(owner.get_contract(contract)))
run(19, lambda: d(owner.get_billing_info(contract, month)))
run(20, lambda: d(partner.get_monthly_billing_of_each_contract(p["contract_id"], month, contract)))
run(17, lambda: d(partner.delete_contract(to_delete)))

# IAM groups and roles (#21-#32).
g, r = seed["iam_group_id"], seed["iam_role_id"]
run(21, lambda: d(owner.iam_groups(contract)))
run(22, lambda: d(owner.create_iam_group("ref-group")))
run(23, lambda: d(owner.delete_iam_group(g)))
run(24, lambda: d(owner.assign_iam_role(g, r)))
run(25, lambda: d(owner.delete_assign_iam_role(g, r)))
run(26, lambda: d(owner.users_designated_iam_group(g)))
run(27, lambda: d(owner.assign_user(g, user_id)))
run(28, lambda: d(owner.delete_assign_user(g, user_id)))
run(29, lambda: d(owner.iam_roles(contract)))
run(30, lambda: d(owner.get_iam_role(r)))
run(31, lambda: d(owner.create_iam_role("ref-role", [])))
run(32, lambda: d(owner.delete_iam_role(r)))

out["state"] = state
print(json.dumps(out, sort_keys=True, default=str))
