"""Every AsApi classmethod of the reference client (im-squonk2-client 7.0.0)
against the tenantry-sim Squonk2 Account Server and its Keycloak.

Usage: python squonk2_as_reference.py SEED_JSON EXPECT_JSON

SEED_JSON is the simulator's seed object (tenantry-sim's `squonk2-as`
section); EXPECT_JSON what the test arranged beforehand:
{"product_charges": {"count", "coins"}, "org_charges": {"count", "coins"}}
for the seeded product and organisation.

Tokens come from the reference's own Auth.get_access_token (password grant,
then the prior_token path, which must hand the same token back). Every
public AsApi classmethod is called at least once; each call must come back
successful (`ApiRv.success`) with the right data, which is checked here.
Prints one JSON object:
{"operations": {name: {"ok": true, "status": n} | {"ok": false, "error": text}},
 "count": n, "public_methods": [...], "missing": [...],
 "tokens": {...}, "refusals": {...}, "ids": {...}}
"""
import datetime
import json
import sys
import tempfile
import traceback
from pathlib import Path

from squonk2.as_api import AsApi
from squonk2.auth import Auth
from squonk2.enumerations import (
    DefaultProductPrivacyEnum,
    EventStreamFormat,
    ScopeEnum,
)

seed = json.loads(sys.argv[1])
expect = json.loads(sys.argv[2])
out = {"operations": {}, "tokens": {}, "refusals": {}, "ids": {}}
ops = out["operations"]


def run(name, fn, check=None, status=None):
    """Call one AsApi method; it must succeed, with `status` if given, and
    pass `check` (which asserts on the returned data)."""
    try:
        rv = fn()
        code = None
        if hasattr(rv, "success"):
            code = rv.http_status_code
            assert rv.success, f"success=False status={code} msg={rv.msg}"
            assert isinstance(rv.msg, dict), rv.msg
            if status is not None:
                assert code == status, f"status {code}, expected {status}"
        value = check(rv) if check else None
        entry = {"ok": True, "status": code}
        if value is not None:
            entry["value"] = value
        if name in ops and ops[name]["ok"] is False:
            return rv
        ops[name] = entry
        return rv
    except Exception as exc:  # recorded, and the test fails on it
        ops[name] = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "trace": traceback.format_exc(limit=3),
        }
        return None


def refused(label, rv, status):
    """A call the simulator must refuse the way the real server does."""
    out["refusals"][label] = {
        "success": rv.success,
        "status": rv.http_status_code,
        "ok": (not rv.success) and rv.http_status_code == status,
    }


def token(username, password, prior=None):
    return Auth.get_access_token(
        keycloak_url=seed["keycloak_url"],
        keycloak_realm=seed["realm"],
        keycloak_client_id=seed["client_id"],
        username=username,
        password=password,
        prior_token=prior,
    )


# --- tokens: the password grant, then the prior_token path ------------------
user = token(seed["username"], seed["password"])
assert user, "no token for the seeded user"
again = token(seed["username"], seed["password"], prior=user)
admin = token(seed["admin"]["username"], seed["admin"]["password"])
assert admin, "no token for the admin"
bob = token(seed["other"]["username"], seed["other"]["password"])
assert bob, "no token for the other user"
out["tokens"] = {
    "password_grant": bool(user),
    "prior_reused": again == user,
    "admin": bool(admin),
}

api_url = seed["api_url"]
# The simulator dates charges and actions in UTC.
today = datetime.datetime.now(datetime.timezone.utc).date()
ids = out["ids"]

# --- local configuration ---------------------------------------------------
run("set_api_url", lambda: AsApi.set_api_url(api_url))


def check_api_url(rv):
    assert rv == (api_url, True), rv


run("get_api_url", AsApi.get_api_url, check_api_url)

# --- service, account --------------------------------------------------------
def version_is(v):
    def check(rv):
        assert rv.msg["version"] == v, rv.msg
    return check


run("ping", AsApi.ping, version_is("4.7.0"), 200)
run("get_version", AsApi.get_version, version_is("4.7.0"), 200)
run("get_event_stream_version", AsApi.get_event_stream_version, version_is("1.0.0"), 200)


def check_account(rv):
    assert rv.msg["username"] == seed["username"], rv.msg
    assert rv.msg["caller_has_admin_privilege"] is False, rv.msg


run("get_account", lambda: AsApi.get_account(user), check_account, 200)


def check_default(rv):
    assert rv.msg["id"] == seed["default_organisation_id"], rv.msg
    assert rv.msg["name"] == "Default", rv.msg


run("get_default_organisation", lambda: AsApi.get_default_organisation(user), check_default, 200)

# --- organisations ---------------------------------------------------------------
def created(prefix, key):
    def check(rv):
        new = rv.msg["id"]
        assert new.startswith(prefix + "-") and len(new) == len(prefix) + 37, rv.msg
        ids[key] = new
        return new
    return check


run(
    "create_organisation",
    lambda: AsApi.create_organisation(admin, org_name="Ref Org", org_owner=seed["username"]),
    created("org", "org"),
    201,
)
org = ids.get("org", "org-00000000-0000-4000-8000-000000000000")


def check_orgs(rv):
    got = [(o["id"], o["name"]) for o in rv.msg["organisations"]]
    assert got == [(org, "Ref Org")], got


run("get_organisations", lambda: AsApi.get_organisations(user, org_name="Ref Org"), check_orgs, 200)


def check_org(rv):
    assert rv.msg["id"] == org and rv.msg["name"] == "Ref Org", rv.msg
    assert rv.msg["owner_id"] == seed["username"], rv.msg
    assert rv.msg["caller_is_member"] is True, rv.msg


run("get_organisation", lambda: AsApi.get_organisation(user, org_id=org), check_org, 200)


def check_org_altered(rv):
    assert rv.msg["name"] == "Ref Org 2", rv.msg
    assert rv.msg["default_product_privacy"] == "DEFAULT_PUBLIC", rv.msg


run(
    "alter_organisation",
    lambda: AsApi.alter_organisation(
        user,
        org_id=org,
        name="Ref Org 2",
        default_product_privacy=DefaultProductPrivacyEnum.DEFAULT_PUBLIC,
    ),
    check_org_altered,
    200,
)
bob_name = seed["other"]["username"]
run(
    "add_user_to_organisation",
    lambda: AsApi.add_user_to_organisation(user, org_id=org, username=bob_name),
    None,
    201,
)


def users_are(*names):
    def check(rv):
        got = sorted(u["username"] for u in rv.msg["users"])
        assert got == sorted(names), got
    return check


run(
    "get_organisation_users",
    lambda: AsApi.get_organisation_users(user, org_id=org),
    users_are(bob_name, seed["username"]),
    200,
)
run(
    "remove_user_from_organisation",
    lambda: AsApi.remove_user_from_organisation(user, org_id=org, username=bob_name),
    None,
    204,
)
# Bob is no member now: the server's 403.
refused("bob_get_organisation_403", AsApi.get_organisation(bob, org_id=org), 403)

# --- units ---------------------------------------------------------------------------
run(
    "create_unit",
    lambda: AsApi.create_unit(user, unit_name="Ref Unit", org_id=org, billing_day=3),
    created("unit", "unit"),
    201,
)
unit = ids.get("unit", "unit-00000000-0000-4000-8000-000000000000")


def check_unit(rv):
    assert rv.msg["id"] == unit and rv.msg["name"] == "Ref Unit", rv.msg
    assert rv.msg["billing_day"] == 3 and rv.msg["owner_id"] == seed["username"], rv.msg


run("get_unit", lambda: AsApi.get_unit(user, unit_id=unit), check_unit, 200)


def check_org_units(rv):
    assert rv.msg["organisation"]["id"] == org, rv.msg
    assert [u["id"] for u in rv.msg["units"]] == [unit], rv.msg


run("get_organisation_units", lambda: AsApi.get_organisation_units(user, org_id=org), check_org_units, 200)


def check_units_named(rv):
    groups = rv.msg["units"]
    assert [(g["organisation"]["id"], [u["id"] for u in g["units"]]) for g in groups] == [
        (org, [unit])
    ], groups


run("get_units", lambda: AsApi.get_units(user, unit_name="Ref Unit"), check_units_named, 200)


def check_available_units(rv):
    seen = {u["id"] for g in rv.msg["units"] for u in g["units"]}
    assert {unit, seed["unit_id"]} <= seen, seen


run("get_available_units", lambda: AsApi.get_available_units(user), check_available_units, 200)


def check_unit_altered(rv):
    assert rv.msg["name"] == "Ref Unit 2", rv.msg
    assert rv.msg["default_product_privacy"] == "DEFAULT_PRIVATE", rv.msg


run(
    "alter_unit",
    lambda: AsApi.alter_unit(
        user,
        unit_id=unit,
        name="Ref Unit 2",
        default_product_privacy=DefaultProductPrivacyEnum.DEFAULT_PRIVATE,
    ),
    check_unit_altered,
    200,
)
run(
    "add_user_to_unit",
    lambda: AsApi.add_user_to_unit(user, unit_id=unit, username=bob_name),
    None,
    201,
)
# Again: already a member, 200 (also a success for the reference).
refused_again = AsApi.add_user_to_unit(user, unit_id=unit, username=bob_name)
out["refusals"]["add_user_again_200"] = {
    "success": refused_again.success,
    "status": refused_again.http_status_code,
    "ok": refused_again.success and refused_again.http_status_code == 200,
}
run(
    "get_unit_users",
    lambda: AsApi.get_unit_users(user, unit_id=unit),
    users_are(bob_name, seed["username"]),
    200,
)
run(
    "remove_user_from_unit",
    lambda: AsApi.remove_user_from_unit(user, unit_id=unit, username=bob_name),
    None,
    204,
)

# --- personal unit -----------------------------------------------------------------
run(
    "create_personal_unit",
    lambda: AsApi.create_personal_unit(user, billing_day=7),
    created("unit", "personal_unit"),
    201,
)


def check_personal(rv):
    assert rv.msg["id"] == ids.get("personal_unit"), rv.msg
    assert rv.msg["personal"] is True and rv.msg["billing_day"] == 7, rv.msg
    assert rv.msg["organisation_id"] == seed["default_organisation_id"], rv.msg


run("get_personal_unit", lambda: AsApi.get_personal_unit(user), check_personal, 200)
run("delete_personal_unit", lambda: AsApi.delete_personal_unit(user), None, 204)
refused("get_personal_unit_after_delete_404", AsApi.get_personal_unit(user), 404)

# --- products --------------------------------------------------------------------
def check_types(rv):
    types = {t["type"]: t.get("flavours") for t in rv.msg["product_types"]}
    assert types["DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION"] == [
        "EVALUATION",
        "BRONZE",
        "SILVER",
        "GOLD",
    ], types
    assert "DATA_MANAGER_STORAGE_SUBSCRIPTION" in types, types


run("get_product_types", lambda: AsApi.get_product_types(user), check_types, 200)
run(
    "create_product",
    lambda: AsApi.create_product(
        user,
        product_name="Ref Product",
        unit_id=unit,
        product_type="DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION",
        allowance=100,
        limit=200,
        flavour="GOLD",
    ),
    created("product", "product"),
    201,
)
product = ids.get("product", "product-00000000-0000-4000-8000-000000000000")


def check_product(rv):
    p = rv.msg
    assert p["product"]["id"] == product and p["product"]["name"] == "Ref Product", p
    assert p["product"]["flavour"] == "GOLD", p
    assert p["product"]["type"] == "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION", p
    assert p["unit"]["id"] == unit and p["organisation"]["id"] == org, p
    assert (p["coins"]["allowance"], p["coins"]["limit"]) == (100, 200), p


run("get_product", lambda: AsApi.get_product(user, product_id=product), check_product, 200)


def check_product_altered(rv):
    p = rv.msg
    assert p["product"]["name"] == "Ref Product 2", p
    assert (p["coins"]["allowance"], p["coins"]["limit"]) == (150, 300), p


run(
    "alter_product",
    lambda: AsApi.alter_product(
        user, product_id=product, product_name="Ref Product 2", allowance=150, limit=300
    ),
    check_product_altered,
    200,
)


def products_are(*want):
    def check(rv):
        got = [p["product"]["id"] for p in rv.msg["products"]]
        assert rv.msg["count"] == len(got), rv.msg
        assert sorted(got) == sorted(want), got
    return check


run(
    "get_products_for_unit",
    lambda: AsApi.get_products_for_unit(user, unit_id=unit),
    products_are(product),
    200,
)
run(
    "get_products_for_organisation",
    lambda: AsApi.get_products_for_organisation(user, org_id=org),
    products_are(product),
    200,
)
run(
    "get_available_products",
    lambda: AsApi.get_available_products(user),
    products_are(product, seed["product_id"]),
    200,
)


def check_cost(rv):
    assert rv.msg["cost"] == "0.25", rv.msg


run(
    "get_product_default_storage_cost",
    lambda: AsApi.get_product_default_storage_cost(user),
    check_cost,
    200,
)
# A unit that still has a product cannot be deleted (the server's 400).
refused("delete_unit_with_products_400", AsApi.delete_unit(user, unit_id=unit), 400)

# --- merchants ---------------------------------------------------------------------
def check_merchants(rv):
    got = [(m["id"], m["kind"]) for m in rv.msg["merchants"]]
    assert got == [(1, "DATA_MANAGER"), (2, "DATA_MANAGER")], got


run("get_merchants", lambda: AsApi.get_merchants(user), check_merchants, 200)


def check_merchant(rv):
    assert rv.msg["id"] == seed["merchant_id"] and rv.msg["name"] == "Data Manager", rv.msg


run("get_merchant", lambda: AsApi.get_merchant(user, seed["merchant_id"]), check_merchant, 200)

# --- assets ------------------------------------------------------------------------
run(
    "create_asset",
    lambda: AsApi.create_asset(
        user,
        name="ref-asset",
        description="from the reference",
        scope=ScopeEnum.UNIT,
        content_string="hello-string",
        scope_id=unit,
    ),
    created("asset", "asset"),
    201,
)
asset = ids.get("asset", "asset-00000000-0000-4000-8000-000000000000")
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "content.txt"
    path.write_text("hello-file\n")
    run(
        "create_asset",
        lambda: AsApi.create_asset(
            user,
            name="ref-file-asset",
            description="",
            scope=ScopeEnum.USER,
            content_file=path,
            is_secret=True,
        ),
        created("asset", "file_asset"),
        201,
    )
file_asset = ids.get("file_asset", "asset-00000000-0000-4000-8000-000000000001")


def check_unit_assets(rv):
    got = [(a["id"], a["name"]) for a in rv.msg["assets"]]
    assert got == [(asset, "ref-asset")], got


run(
    "get_available_assets",
    lambda: AsApi.get_available_assets(user, scope_id=unit),
    check_unit_assets,
    200,
)


def check_user_assets(rv):
    got = [a["id"] for a in rv.msg["assets"]]
    assert got == [file_asset], got
    assert rv.msg["assets"][0]["secret"] is True, rv.msg
    assert "content" not in rv.msg["assets"][0], rv.msg


run(
    "get_available_assets",
    lambda: AsApi.get_available_assets(user, scope_id=seed["username"]),
    check_user_assets,
    200,
)


def check_asset(rv):
    a = rv.msg
    assert a["id"] == asset and a["name"] == "ref-asset", a
    assert (a["scope"], a["scope_id"]) == ("UNIT", unit), a
    assert a["content"] == "hello-string" and a["secret"] is False, a
    assert a["description"] == "from the reference", a


run("get_asset", lambda: AsApi.get_asset(user, asset_id=asset), check_asset, 200)


def check_asset_altered(rv):
    assert rv.msg["description"] == "altered", rv.msg
    assert rv.msg["content"] == "hello-again", rv.msg


run(
    "alter_asset",
    lambda: AsApi.alter_asset(
        user, asset_id=asset, description="altered", content_string="hello-again"
    ),
    check_asset_altered,
    200,
)


def asset_state(merchants, disabled):
    def check(rv):
        a = AsApi.get_asset(user, asset_id=asset).msg
        assert a["merchants"] == merchants and a["disabled"] is disabled, a
    return check


m_id = seed["merchant_id"]
run("attach_asset", lambda: AsApi.attach_asset(user, asset_id=asset, m_id=m_id), asset_state([m_id], False), 204)
refused("attach_twice_409", AsApi.attach_asset(user, asset_id=asset, m_id=m_id), 409)
run("disable_asset", lambda: AsApi.disable_asset(user, asset_id=asset), asset_state([m_id], True), 204)
run("enable_asset", lambda: AsApi.enable_asset(user, asset_id=asset), asset_state([m_id], False), 204)
run("detach_asset", lambda: AsApi.detach_asset(user, asset_id=asset, m_id=m_id), asset_state([], False), 204)
run("delete_asset", lambda: AsApi.delete_asset(user, asset_id=asset), None, 204)
run("delete_asset", lambda: AsApi.delete_asset(user, asset_id=file_asset), None, 204)
refused("get_deleted_asset_404", AsApi.get_asset(user, asset_id=asset), 404)

# --- event streams -----------------------------------------------------------------
def check_stream_created(rv):
    assert isinstance(rv.msg["id"], int) and rv.msg["id"] > 0, rv.msg
    assert rv.msg["format"] == "JSON_STRING", rv.msg
    assert rv.msg["location"].startswith("ws://"), rv.msg
    ids["event_stream"] = rv.msg["id"]


run(
    "create_event_stream",
    lambda: AsApi.create_event_stream(user, event_format=EventStreamFormat.JSON_STRING),
    check_stream_created,
    201,
)


def check_stream(rv):
    assert rv.msg["id"] == ids.get("event_stream"), rv.msg


run("get_event_stream", lambda: AsApi.get_event_stream(user), check_stream, 200)
run(
    "delete_event_stream",
    lambda: AsApi.delete_event_stream(user, event_stream_id=ids.get("event_stream", 1)),
    None,
    204,
)

# --- charges (administrators) ------------------------------------------------------
def charges_are(want, key, value):
    def check(rv):
        assert rv.msg["count"] == want["count"], rv.msg
        assert abs(rv.msg["coins"] - want["coins"]) < 1e-9, rv.msg
        assert rv.msg["currency"] == "COIN", rv.msg
        assert abs(sum(i["coins"] for i in rv.msg["items"]) - rv.msg["coins"]) < 1e-9, rv.msg
        if key:
            assert rv.msg[key] == value, rv.msg
        return {"count": rv.msg["count"], "coins": rv.msg["coins"]}
    return check


run(
    "get_product_charges",
    lambda: AsApi.get_product_charges(admin, product_id=seed["product_id"]),
    charges_are(expect["product_charges"], "product_id", seed["product_id"]),
    200,
)
run(
    "get_unit_charges",
    lambda: AsApi.get_unit_charges(admin, unit_id=seed["unit_id"], until=today + datetime.timedelta(days=1), from_=today),
    charges_are(expect["product_charges"], "unit_id", seed["unit_id"]),
    200,
)
run(
    "get_organisation_charges",
    lambda: AsApi.get_organisation_charges(admin, org_id=seed["organisation_id"]),
    charges_are(expect["org_charges"], "organisation_id", seed["organisation_id"]),
    200,
)
run("get_charges", lambda: AsApi.get_charges(admin), charges_are(expect["org_charges"], None, None), 200)
prior = AsApi.get_product_charges(admin, product_id=seed["product_id"], pbp=-1)
out["refusals"]["product_charges_prior_period_empty"] = {
    "success": prior.success,
    "status": prior.http_status_code,
    "ok": prior.success and prior.msg.get("count") == 0,
}
refused("user_charges_403", AsApi.get_charges(user), 403)

# --- actions -----------------------------------------------------------------------
def check_actions(rv):
    names = [a["action"] for a in rv.msg["actions"]]
    assert names[:2] == ["CREATE_ORGANISATION", "ALTER_ORGANISATION"], names
    assert all(a["org_id"] == org for a in rv.msg["actions"]), rv.msg
    json.loads(rv.msg["actions"][0]["message"])  # JSON_STRING: JSON text
    return len(names)


run(
    "get_actions",
    lambda: AsApi.get_actions(admin, org_id=org, action_format=EventStreamFormat.JSON_STRING, from_=today),
    check_actions,
    200,
)

# --- cleanup: product, unit, organisation ------------------------------------------
run("delete_product", lambda: AsApi.delete_product(user, product_id=product), None, 204)
run("delete_unit", lambda: AsApi.delete_unit(user, unit_id=unit), None, 204)
run("delete_organisation", lambda: AsApi.delete_organisation(admin, org_id=org), None, 204)
refused("get_deleted_organisation_404", AsApi.get_organisation(admin, org_id=org), 404)

public = sorted(
    name
    for name in vars(AsApi)
    if not name.startswith("_") and isinstance(vars(AsApi)[name], classmethod)
)
out["public_methods"] = public
out["missing"] = [m for m in public if m not in ops]
out["count"] = len([m for m in public if m in ops])
print(json.dumps(out))
