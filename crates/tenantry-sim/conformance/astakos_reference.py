# -*- coding: utf-8 -*-
"""Conformance check of the Astakos simulator with the real reference client.

Usage (Python 2.7, with astakosclient==0.19 and objpool importable):

    python astakos_reference.py BASE_URL SEED

BASE_URL is the simulator's base URL (e.g. http://127.0.0.1:8080); SEED is
the seed JSON (the line `tenantry-sim serve --service astakos` prints, or
just its "astakos" object) given inline or as a file path.

Every one of the 41 public entry points of astakosclient 0.19 is called
against the simulator, and each answer is checked for meaning, not only for
not raising. Prints `ok <name>` / `FAIL <name>: <reason>` per check and a
final line `N passed, M failed`; exits 1 if anything failed.
"""

import httplib
import json
import logging
import os
import sys
import traceback
import urllib
import urlparse

from astakosclient import AstakosClient, parse_endpoints, \
    get_token_from_cookie
from astakosclient.errors import AstakosClientException, BadRequest, \
    BadValue, Forbidden, NoEndpoints, NotFound, NoUserName, NoUUID, \
    QuotaLimit, Unauthorized

logging.getLogger("astakosclient").addHandler(logging.NullHandler())

PASSED = [0]
FAILED = [0]
CALLED = set()

ENTRY_POINTS = [
    "authenticate", "get_endpoints", "validate_token", "get_token",
    "get_usernames", "get_username", "service_get_usernames",
    "service_get_username", "get_uuids", "get_uuid", "service_get_uuids",
    "service_get_uuid", "get_services", "get_resources", "send_feedback",
    "get_quotas", "service_get_quotas", "service_get_project_quotas",
    "issue_commission_generic", "issue_one_commission",
    "issue_resource_reassignment", "mk_provisions",
    "get_pending_commissions", "get_commission_info", "commission_action",
    "accept_commission", "reject_commission", "resolve_commissions",
    "get_projects", "get_project", "create_project", "modify_project",
    "project_action", "application_action", "get_memberships",
    "get_membership", "membership_action", "join_project", "enroll_member",
    "parse_endpoints", "get_token_from_cookie",
]


def ok(name):
    PASSED[0] += 1
    print("ok %s" % name)


def fail(name, reason):
    FAILED[0] += 1
    print("FAIL %s: %s" % (name, str(reason).replace("\n", " ")))


def check(name, cond, reason="unexpected value"):
    if cond:
        ok(name)
    else:
        fail(name, reason)
    return cond


def eq(name, got, want):
    return check(name, got == want, "got %r, want %r" % (got, want))


def raises(_label, exc_class, fn, *args, **kwargs):
    """Check fn raises exc_class; return the exception (or None)."""
    try:
        value = fn(*args, **kwargs)
    except exc_class as e:
        ok(_label)
        return e
    except Exception as e:
        fail(_label, "raised %s(%s) instead of %s"
             % (type(e).__name__, e, exc_class.__name__))
        return None
    fail(_label, "returned %r instead of raising %s"
         % (value, exc_class.__name__))
    return None


def step(_label, fn, *args, **kwargs):
    """Call fn; on an exception, report it as a failure and return None."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:
        fail(_label, "raised %s: %s %s %s"
             % (type(e).__name__, e, getattr(e, "details", ""),
                getattr(e, "response", "")))
        return None


class Tracked(AstakosClient):
    """The unmodified client; records which public methods were called."""

    def __getattribute__(self, attr):
        if attr in ENTRY_POINTS:
            CALLED.add(attr)
        return AstakosClient.__getattribute__(self, attr)


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


class FakeRequest(object):
    """A Django-like request; astakosclient reads `COOKIE`, Django has
    `COOKIES`, so both are set."""

    def __init__(self, cookies):
        self.COOKIES = cookies
        self.COOKIE = cookies


def raw(base, method, path, token, body=None, ctype=None):
    """One request without the client: (status, body bytes)."""
    conn = httplib.HTTPConnection(urlparse.urlparse(base).netloc)
    headers = {"X-Auth-Token": token}
    if ctype:
        headers["Content-Type"] = ctype
    conn.request(method, path, body, headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def holding(c, user, project, resource):
    q = c.service_get_quotas(user=user, project_id=project)
    return q[user][project][resource]


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
    svc_token = seed["service_tokens"]["cyclades"]
    pithos_token = seed["service_tokens"]["pithos"]
    eresearch = seed["projects"]["eresearch"]
    teaching = seed["projects"]["teaching"]
    oa = seed["oauth2_client"]
    a_uuid, b_uuid, c_uuid = alice["uuid"], bob["uuid"], carol["uuid"]

    ca = Tracked(alice["token"], auth_url, retry=1)
    cb = Tracked(bob["token"], auth_url)
    cc = Tracked(carol["token"], auth_url)
    cadm = Tracked(admin["token"], auth_url)
    svc = Tracked(svc_token, auth_url, use_pool=True)
    pithos = Tracked(pithos_token, auth_url)

    # ------------------------------------------------ discovery / identity
    ep = step("get_endpoints", svc.get_endpoints)
    if ep is not None:
        names = [e["name"] for e in ep["access"]["serviceCatalog"]]
        check("get_endpoints catalog", "astakos_account" in names and
              "astakos_oauth2" in names, "names %r" % names)
        acc = [e for e in ep["access"]["serviceCatalog"]
               if e["name"] == "astakos_account"][0]
        eq("get_endpoints account url", acc["endpoints"][0]["publicURL"],
           base + "/account/v1.0")
        check("get_endpoints no token info", "token" not in ep["access"])
        eq("get_endpoints account_prefix", svc.account_prefix, "/account/v1.0")
        eq("get_endpoints ui_prefix", svc.ui_prefix, "/ui")
    ep2 = step("get_endpoints extra", svc.get_endpoints, extra=True)
    if ep2 is not None:
        eq("get_endpoints oauth2_prefix", svc.oauth2_prefix, "/oauth2/")
    bogus = Tracked("no-such-token", auth_url)
    step("get_endpoints public mode ignores token", bogus.get_endpoints)

    auth = step("authenticate", ca.authenticate)
    if auth is not None:
        a = auth["access"]
        eq("authenticate user id", a["user"]["id"], a_uuid)
        eq("authenticate user name", a["user"]["name"], alice["realname"])
        eq("authenticate token id", a["token"]["id"], alice["token"])
        eq("authenticate tenant", a["token"]["tenant"]["id"], a_uuid)
        check("authenticate token expires", bool(a["token"].get("expires")))
        check("authenticate projects",
              a_uuid in a["user"]["projects"] and
              eresearch in a["user"]["projects"],
              "projects %r" % a["user"].get("projects"))
        check("authenticate role ids are strings",
              all(isinstance(r["id"], basestring)
                  for r in a["user"]["roles"]))
    auth2 = step("authenticate tenant", ca.authenticate, tenant_name=a_uuid)
    check("authenticate tenant ok", auth2 is not None)
    raises("authenticate wrong tenant", BadRequest, ca.authenticate,
           tenant_name="someone-else")
    raises("authenticate unknown token", Unauthorized,
           Tracked("no-such-token", auth_url).authenticate)
    raises("authenticate service token", Unauthorized, svc.authenticate)

    # ----------------------------------------------------- parse_endpoints
    if auth is not None:
        oa2 = parse_endpoints(auth, ep_name="astakos_oauth2")
        eq("parse_endpoints oauth2 url", oa2[0]["endpoints"][0]["publicURL"],
           base + "/oauth2/")
        eq("parse_endpoints oauth2 type", oa2[0]["type"], "astakos_auth")
        by_type = parse_endpoints(auth, ep_type="account",
                                  ep_version_id="v1.0")
        eq("parse_endpoints by type", by_type[0]["name"], "astakos_account")
        raises("parse_endpoints NoEndpoints", NoEndpoints, parse_endpoints,
               auth, ep_name="no_such_service")
    CALLED.add("parse_endpoints")

    # ------------------------------------------------------------- OAuth2
    code = None
    conn = httplib.HTTPConnection(urlparse.urlparse(base).netloc)
    qs = urllib.urlencode({"response_type": "code", "client_id": oa["id"],
                           "redirect_uri": oa["redirect_uri"],
                           "state": "xyz"})
    conn.request("GET", "/oauth2/auth?" + qs,
                 headers={"X-Auth-Token": alice["token"]})
    resp = conn.getresponse()
    resp.read()
    loc = resp.getheader("location") or ""
    conn.close()
    params = urlparse.parse_qs(urlparse.urlparse(loc).query)
    code = (params.get("code") or [None])[0]
    check("oauth2 auth redirect", resp.status == 302 and code and
          params.get("state") == ["xyz"], "status %s location %r"
          % (resp.status, loc))
    tok = step("get_token", ca.get_token, "authorization_code", oa["id"],
               oa["secret"], code=code, redirect_uri=oa["redirect_uri"])
    access_token = None
    if tok is not None:
        access_token = tok.get("access_token")
        eq("get_token type", tok.get("token_type"), "Bearer")
        check("get_token expires_in", isinstance(tok.get("expires_in"),
                                                 (int, long)))
    raises("get_token code reuse", BadRequest, ca.get_token,
           "authorization_code", oa["id"], oa["secret"], code=code,
           redirect_uri=oa["redirect_uri"])
    raises("get_token bad secret", BadRequest, ca.get_token,
           "authorization_code", oa["id"], "wrong", code="x",
           redirect_uri=oa["redirect_uri"])

    if access_token:
        v = step("validate_token", svc.validate_token, access_token)
        if v is not None:
            eq("validate_token user", v["access"]["user"]["id"], a_uuid)
            eq("validate_token id", v["access"]["token"]["id"], access_token)
        v2 = step("validate_token belongsTo", svc.validate_token,
                  access_token, oa["redirect_uri"] + "/alice/file.txt")
        check("validate_token belongsTo ok", v2 is not None)
        raises("validate_token outside scope", NotFound, svc.validate_token,
               access_token, "https://elsewhere.example.org/")
    e = raises("validate_token unknown", NotFound, svc.validate_token,
               "no-such-oauth-token")
    check("validate_token unknown message",
          e is not None and "No such token" in (e.details or ""),
          e and e.details)

    # ------------------------------------------------------- user catalogs
    names = step("get_usernames", ca.get_usernames,
                 [a_uuid, b_uuid, "no-such-uuid"])
    if names is not None:
        eq("get_usernames map", names, {a_uuid: alice["name"],
                                        b_uuid: bob["name"]})
    eq("get_username", step("get_username", ca.get_username, b_uuid),
       bob["name"])
    raises("get_username NoUserName", NoUserName, ca.get_username, "1234")
    names = step("service_get_usernames", svc.service_get_usernames,
                 [c_uuid])
    eq("service_get_usernames map", names, {c_uuid: carol["name"]})
    eq("service_get_username",
       step("service_get_username", svc.service_get_username, a_uuid),
       alice["name"])
    raises("service_get_username NoUserName", NoUserName,
           svc.service_get_username, "1234")
    uuids = step("get_uuids", ca.get_uuids, [carol["name"], "nobody@x"])
    eq("get_uuids map", uuids, {carol["name"]: c_uuid})
    eq("get_uuid", step("get_uuid", cb.get_uuid, alice["name"]), a_uuid)
    raises("get_uuid NoUUID", NoUUID, ca.get_uuid, "nobody@example.org")
    uuids = step("service_get_uuids", svc.service_get_uuids,
                 [alice["name"], bob["name"]])
    eq("service_get_uuids map", uuids, {alice["name"]: a_uuid,
                                        bob["name"]: b_uuid})
    eq("service_get_uuid",
       step("service_get_uuid", svc.service_get_uuid, carol["name"]), c_uuid)
    raises("service_get_uuid NoUUID", NoUUID, svc.service_get_uuid, "x@y")
    # user_from_token / component_from_token look in one table each: a
    # token of the other kind is unknown there (401, not 403).
    raises("user token on service route", Unauthorized,
           ca.service_get_usernames, [a_uuid])
    raises("service token on user route", Unauthorized, svc.get_usernames,
           [a_uuid])
    # `displaynames` must be a list, for users and services alike.
    raises("displaynames null (service)", BadRequest,
           svc._displayname_catalog, None, svc.api_service_usercatalogs)
    raises("displaynames null (user)", BadRequest,
           ca._displayname_catalog, None, ca.api_usercatalogs)
    raises("unknown token", Unauthorized,
           Tracked("no-such-token", auth_url).get_quotas)

    # --------------------------------------------------------------- misc
    services = step("get_services", ca.get_services)
    if services is not None:
        check("get_services list", isinstance(services, list) and
              "cyclades" in [s.get("name") for s in services],
              "got %r" % services)
    res = step("get_resources", ca.get_resources)
    if res is not None:
        eq("get_resources ram unit", res.get("cyclades.ram", {}).get("unit"),
           "bytes")
        eq("get_resources vm unit", res.get("cyclades.vm", {}).get("unit"),
           None)
        # Only API-visible resources: not astakos.pending_app, nor
        # Cyclades' total_cpu and total_ram.
        hidden = ["astakos.pending_app", "cyclades.total_cpu",
                  "cyclades.total_ram"]
        eq("get_resources api-visible only", sorted(res),
           sorted(r for r in seed["resources"] if r not in hidden))
        eq("get_resources service names",
           [res[r]["service"] for r in ("cyclades.vm", "cyclades.floating_ip",
                                        "cyclades.network.private",
                                        "pithos.diskspace")],
           ["cyclades_compute", "cyclades_network", "cyclades_network",
            "pithos_object-store"])
        eq("get_resources fields", sorted(res["cyclades.vm"]),
           ["api_visible", "description", "service", "ui_visible", "unit"])
    # The reference labels its form application/octet-stream; Django then
    # sees an empty form and the real server answers 400.
    raises("send_feedback", BadRequest, ca.send_feedback, "hello world",
           "a&b=c")
    status, _ = raw(base, "POST", "/account/v1.0/feedback", alice["token"],
                    urllib.urlencode({"feedback_msg": "hello world",
                                      "feedback_data": "a&b=c"}),
                    "application/x-www-form-urlencoded")
    eq("feedback as a form", status, 200)
    raises("send_feedback service token", Unauthorized, svc.send_feedback,
           "x", "y")

    # ------------------------------------------------------------- quotas
    q = step("get_quotas", ca.get_quotas)
    if q is not None:
        check("get_quotas api-visible only",
              not set(["astakos.pending_app", "cyclades.total_cpu"]) &
              set(q.get(a_uuid, {})), q.get(a_uuid, {}).keys())
        check("get_quotas sources", a_uuid in q and eresearch in q,
              "keys %r" % q.keys())
        vm = q.get(a_uuid, {}).get("cyclades.vm", {})
        eq("get_quotas base vm", (vm.get("limit"), vm.get("usage"),
                                  vm.get("pending")), (2, 1, 0))
        check("get_quotas project fields", "project_limit" in vm and
              "project_usage" in vm and "project_pending" in vm)
        eq("get_quotas eresearch vm limit",
           q.get(eresearch, {}).get("cyclades.vm", {}).get("limit"), 5)
    sq = step("service_get_quotas", svc.service_get_quotas, user=a_uuid)
    if sq is not None:
        check("service_get_quotas shape", a_uuid in sq and
              a_uuid in sq[a_uuid] and eresearch in sq[a_uuid],
              "got %r" % sq.keys())
        check("service_get_quotas only cyclades",
              all(r.startswith("cyclades.")
                  for r in sq[a_uuid][a_uuid]), sq[a_uuid][a_uuid].keys())
        # The service calls show every resource of the component, API-
        # visible or not.
        check("service_get_quotas invisible resources",
              "cyclades.total_cpu" in sq[a_uuid][a_uuid],
              sq[a_uuid][a_uuid].keys())
    sq = step("service_get_quotas list+alias", svc.service_get_quotas,
              user=[a_uuid, b_uuid], project=eresearch)
    if sq is not None:
        eq("service_get_quotas filtered", sorted(sq.keys()),
           sorted([a_uuid, b_uuid]))
        eq("service_get_quotas project filter", sq[b_uuid].keys(),
           [eresearch])
    sq = step("service_get_quotas pithos", pithos.service_get_quotas,
              user=b_uuid)
    if sq is not None:
        eq("service_get_quotas pithos resources",
           sorted(sq[b_uuid][b_uuid].keys()), ["pithos.diskspace"])
    raises("service_get_quotas unknown user", NotFound,
           svc.service_get_quotas, user="no-such-user")
    pq = step("service_get_project_quotas", svc.service_get_project_quotas,
              project_id=[eresearch, teaching])
    if pq is not None:
        eq("service_get_project_quotas keys", sorted(pq.keys()),
           sorted([eresearch, teaching]))
        eq("service_get_project_quotas limit",
           pq[eresearch]["cyclades.vm"]["project_limit"], 20)
    raises("service_get_project_quotas unknown", NotFound,
           svc.service_get_project_quotas, project="no-such-project")

    # -------------------------------------------------------- commissions
    mk = svc.mk_provisions(a_uuid, a_uuid, "cyclades.vm", 1)
    eq("mk_provisions", mk, [
        {"holder": "user:" + a_uuid, "source": "project:" + a_uuid,
         "resource": "cyclades.vm", "quantity": 1},
        {"holder": "project:" + a_uuid, "source": None,
         "resource": "cyclades.vm", "quantity": 1}])

    before = holding(svc, a_uuid, a_uuid, "cyclades.vm")
    s1 = step("issue_one_commission", svc.issue_one_commission, a_uuid,
              {(a_uuid, "cyclades.vm"): 1}, name="create vm")
    check("issue_one_commission serial", isinstance(s1, (int, long)))
    after = holding(svc, a_uuid, a_uuid, "cyclades.vm")
    eq("issue adds pending", (after["usage"], after["pending"],
                              after["project_pending"]),
       (before["usage"] + 1, before["pending"] + 1,
        before["project_pending"] + 1))
    pending = step("get_pending_commissions", svc.get_pending_commissions)
    check("get_pending_commissions lists serial",
          pending is not None and s1 in pending, "got %r" % pending)
    eq("get_pending_commissions per service",
       step("pending (pithos)", pithos.get_pending_commissions), [])
    info = step("get_commission_info", svc.get_commission_info, s1)
    if info is not None:
        eq("get_commission_info serial", info.get("serial"), s1)
        eq("get_commission_info name", info.get("name"), "create vm")
        eq("get_commission_info provisions", info.get("provisions"), mk)
        check("get_commission_info issue_time", bool(info.get("issue_time")))
    # Non-ASCII text: the real server writes JSON with \uXXXX escapes
    # (json.dumps); the reference decodes answers with unicode(data), so
    # raw UTF-8 would make it raise.
    greek = u"\u03a9\u03bc\u03ad\u03b3\u03b1 \u2603 vm"
    sg = step("issue non-ASCII name", svc.issue_one_commission, a_uuid,
              {(a_uuid, "cyclades.vm"): 0}, name=greek)
    if sg is not None:
        info = step("get_commission_info non-ASCII",
                    svc.get_commission_info, sg)
        eq("non-ASCII commission name", info and info.get("name"), greek)
        status, body = raw(base, "GET", "/account/v1.0/commissions/%d" % sg,
                           svc_token)
        check("answers are ASCII with \\u escapes",
              status == 200 and all(ord(ch) < 128 for ch in body) and
              "\\u03a9" in body, "%s %r" % (status, body))
        svc.reject_commission(sg)
    eq("accept_commission", step("accept_commission",
                                 svc.accept_commission, s1), None)
    acc = holding(svc, a_uuid, a_uuid, "cyclades.vm")
    eq("accept moves to usage", (acc["usage"], acc["pending"]),
       (before["usage"] + 1, 0))
    raises("get_commission_info resolved", NotFound, svc.get_commission_info,
           s1)
    raises("accept_commission twice", NotFound, svc.accept_commission, s1)
    raises("get_commission_info non-numeric", BadRequest,
           svc.get_commission_info, "57lala")
    raises("get_commission_info unknown", NotFound,
           svc.get_commission_info, 999999)

    ram0 = holding(svc, a_uuid, eresearch, "cyclades.ram")
    s2 = step("issue_commission_generic", svc.issue_commission_generic,
              {(a_uuid, eresearch, "cyclades.ram"): 1024},
              {(eresearch, "cyclades.ram"): 1024}, name="ram")
    ram1 = holding(svc, a_uuid, eresearch, "cyclades.ram")
    eq("generic pending", ram1["pending"] - ram0["pending"], 1024)
    eq("reject_commission", step("reject_commission", svc.reject_commission,
                                 s2), None)
    ram2 = holding(svc, a_uuid, eresearch, "cyclades.ram")
    eq("reject releases pending", (ram2["usage"], ram2["pending"],
                                   ram2["project_usage"]),
       (ram0["usage"], ram0["pending"], ram0["project_usage"]))
    raises("reject_commission unknown", NotFound, svc.reject_commission,
           999999)
    raises("commission_action bad action", BadRequest,
           svc.commission_action, 999999, "lala")

    cpu_base = holding(svc, a_uuid, a_uuid, "cyclades.cpu")
    cpu_er = holding(svc, a_uuid, eresearch, "cyclades.cpu")
    s3 = step("issue_resource_reassignment", svc.issue_resource_reassignment,
              a_uuid, {(a_uuid, eresearch, "cyclades.cpu"): 1},
              name="move cpu")
    eq("commission_action accept",
       step("commission_action", svc.commission_action, s3, "accept"), None)
    eq("reassignment moved cpu",
       (holding(svc, a_uuid, a_uuid, "cyclades.cpu")["usage"],
        holding(svc, a_uuid, eresearch, "cyclades.cpu")["usage"]),
       (cpu_base["usage"] - 1, cpu_er["usage"] + 1))

    ram = holding(svc, a_uuid, a_uuid, "cyclades.ram")
    want = ram["limit"] - ram["usage"] + 1
    e = raises("QuotaLimit on 413", QuotaLimit, svc.issue_one_commission,
               a_uuid, {(a_uuid, "cyclades.ram"): want})
    if e is not None:
        eq("QuotaLimit status", e.status, 413)
        eq("QuotaLimit message", e.message,
           "Resource Limit Exceeded for your account.")
        eq("QuotaLimit details", e.details,
           "Limit for resource 'RAM' exceeded for your account. "
           "Available: %d, Requested: %d" % (ram["limit"] - ram["usage"],
                                             want))
        body = json.loads(e.response)
        eq("QuotaLimit body name", body["overLimit"]["data"]["name"],
           "NoCapacityError")
    eq("QuotaLimit left no pending",
       holding(svc, a_uuid, a_uuid, "cyclades.ram")["pending"], 0)
    e = raises("QuotaLimit on over-release", QuotaLimit,
               svc.issue_one_commission, a_uuid,
               {(a_uuid, "cyclades.floating_ip"): -1})
    if e is not None:
        check("over-release details", "Requested: -1" in e.details,
              e.details)
    s4 = step("issue forced", svc.issue_one_commission, a_uuid,
              {(a_uuid, "cyclades.ram"): want}, force=True)
    forced = holding(svc, a_uuid, a_uuid, "cyclades.ram")
    check("force exceeds limit", forced["usage"] > forced["limit"],
          "got %r" % forced)
    s5 = step("issue auto_accept", svc.issue_one_commission, a_uuid,
              {(a_uuid, "cyclades.disk"): 1}, auto_accept=True)
    pending = svc.get_pending_commissions()
    check("auto_accept not pending", s5 not in pending and s4 in pending,
          "pending %r" % pending)
    raises("issue on missing holding", NotFound, svc.issue_one_commission,
           c_uuid, {(teaching, "cyclades.vm"): 1})

    s6 = svc.issue_one_commission(a_uuid, {(eresearch, "cyclades.vm"): 1})
    r = step("resolve_commissions", svc.resolve_commissions, [s4, s6],
             [s6, 999999])
    if r is not None:
        eq("resolve accepted", r.get("accepted"), [s4])
        eq("resolve rejected", r.get("rejected"), [])
        eq("resolve failed", r.get("failed"), [
            [999999, {"itemNotFound": {
                "message": "serial 999999 does not exist", "code": 404}}],
            [s6, {"badRequest": {
                "message": "cannot both accept and reject serial %d" % s6,
                "code": 400}}]])
    r = step("resolve reject", svc.resolve_commissions, [], [s6])
    eq("resolve reject list", r and r.get("rejected"), [s6])
    eq("nothing pending", svc.get_pending_commissions(), [])

    # ------------------------------------------------------------- projects
    projs = step("get_projects", ca.get_projects)
    if projs is not None:
        ids = [p["id"] for p in projs]
        # Default mode: the projects the caller is a member of or owns.
        check("get_projects lists", eresearch in ids and a_uuid in ids and
              teaching not in ids, "ids %r" % ids)
    p = step("get_projects active", ca.get_projects, mode="active")
    check("get_projects active mode", p is not None and
          sorted(x["id"] for x in p) == sorted([eresearch, teaching]),
          "got %r" % (p and [x["id"] for x in p]))
    p = step("get_projects name", ca.get_projects, name="eresearch")
    eq("get_projects name filter", p and [x["id"] for x in p], [eresearch])
    p = step("get_projects owner", cb.get_projects, owner=b_uuid,
             state="active")
    eq("get_projects owner filter", p and [x["id"] for x in p], [teaching])
    eq("get_projects owner filter (not related)",
       ca.get_projects(owner=b_uuid), [])
    p = step("get_projects member", cc.get_projects, mode="member")
    eq("get_projects member mode", p and [x["id"] for x in p], [c_uuid])
    e = raises("get_projects bad state", BadRequest, ca.get_projects,
               state="bogus")
    gp = step("get_project", ca.get_project, eresearch)
    if gp is not None:
        eq("get_project fields", (gp["name"], gp["owner"], gp["state"],
                                  gp["system_project"]),
           ("eresearch", a_uuid, "active", False))
        eq("get_project resources",
           gp["resources"]["cyclades.vm"],
           {"member_capacity": 5, "project_capacity": 20})
        check("get_project no pending_app", "astakos.pending_app" not in
              gp["resources"], gp["resources"].keys())
    base = step("get_project base", ca.get_project, a_uuid)
    check("base project", base is not None and base["system_project"])
    eq("base project has no owner", base and base["owner"], None)
    raises("get_project unknown", NotFound, ca.get_project, "no-such-project")

    # Application validation, all before the pending-application limit.
    bad_specs = [
        ("name not in domain form", {"name": "not a domain"}),
        ("member above project capacity", {"resources": {"cyclades.vm": {
            "member_capacity": 5, "project_capacity": 4}}}),
        ("negative capacity", {"resources": {"cyclades.vm": {
            "member_capacity": -1, "project_capacity": 4}}}),
        ("resource not API-visible", {"resources": {"astakos.pending_app": {
            "member_capacity": 1, "project_capacity": 1}}}),
        ("end date in the past", {"end_date": "2001-01-01T00:00:00Z"}),
        ("end date without a zone", {"end_date": "2031-01-01"}),
        ("bad end date", {"end_date": "soon"}),
        ("bad join policy", {"join_policy": "sometimes"}),
    ]
    for label, change in bad_specs:
        spec = {"name": "bad.example.org", "end_date": "2031-01-01T00:00:00Z"}
        spec.update(change)
        raises("create_project " + label, BadRequest, cc.create_project,
               spec)
    raises("create_project no end date", BadRequest, cc.create_project,
           {"name": "bad.example.org"})

    specs = {"name": "lab.example.org", "end_date": "2031-01-01T00:00:00Z",
             "description": u"a lab \u2014 \u0391\u03b8\u03ae\u03bd\u03b1",
             "join_policy": "moderated",
             "leave_policy": "auto", "max_members": 5,
             "resources": {"cyclades.vm": {"member_capacity": 2,
                                           "project_capacity": 4}}}
    created = step("create_project", cc.create_project, specs)
    pid = created and created.get("id")
    app1 = created and created.get("application")
    if created:
        gp = cc.get_project(pid)
        eq("created is uninitialized", gp["state"], "uninitialized")
        eq("created last_application", (gp["last_application"]["id"],
                                        gp["last_application"]["state"]),
           (app1, "pending"))
        eq("non-ASCII project text", gp["description"], specs["description"])
        # Kept as a UTC datetime, shown with isoformat.
        eq("end_date as the server keeps it", gp["end_date"],
           "2031-01-01T00:00:00+00:00")
        names = [x["name"] for x in cc.get_projects(name="lab.example.org")]
        eq("created appears in get_projects", names, ["lab.example.org"])
        # Another user must not read the unapproved project.
        raises("unapproved project hidden", Forbidden, cb.get_project, pid)
        check("unapproved project not listed", pid not in
              [x["id"] for x in cb.get_projects()] + [
                  x["id"] for x in cb.get_projects(mode="active")])
        e = raises("modify uninitialized", AstakosClientException,
                   cc.modify_project, pid, {"description": "x"})
        eq("modify uninitialized status", e and e.status, 409)
    raises("approve by applicant", Forbidden, cc.application_action, pid,
           app1, "approve", "please")
    eq("application_action approve",
       step("application_action", cadm.application_action, pid, app1,
            "approve", "ok"), None)
    gp = cc.get_project(pid)
    eq("approved project", (gp["state"],
                            gp["resources"]["cyclades.vm"]["member_capacity"]),
       ("active", 2))
    mod = step("modify_project", cc.modify_project, pid,
               {"description": "a bigger lab",
                "resources": {"cyclades.vm": {"member_capacity": 3,
                                              "project_capacity": 6}}})
    app2 = mod and mod.get("application")
    check("modify_project new application", app2 and app2 != app1,
          "got %r" % mod)
    gp = cc.get_project(pid)
    la = gp["last_application"]
    eq("modification application shows what changed",
       (la["id"], la["description"], la["name"], la["resources"]),
       (app2, "a bigger lab", None,
        {"cyclades.vm": {"member_capacity": 3, "project_capacity": 6}}))
    raises("modify_project not owner", Forbidden, cb.modify_project, pid,
           {"description": "x"})
    mod3 = step("modify_project again", cc.modify_project, pid,
                {"description": "a bigger lab",
                 "resources": {"cyclades.vm": {"member_capacity": 3,
                                               "project_capacity": 6}}})
    app3 = mod3 and mod3.get("application")
    raises("approve replaced application", AstakosClientException,
           cadm.application_action, pid, app2, "approve")
    step("approve modification", cadm.application_action, pid, app3,
         "approve")
    gp = cc.get_project(pid)
    eq("modified project", (gp["state"], gp["description"],
                            gp["resources"]["cyclades.vm"]["member_capacity"]),
       ("active", "a bigger lab", 3))
    e = raises("approve twice conflicts", AstakosClientException,
               cadm.application_action, pid, app3, "approve")
    if e is not None:
        eq("approve twice status", e.status, 409)
        check("approve twice body", "conflict" in (e.response or ""),
              e.response)
    raises("suspend by owner", Forbidden, cc.project_action, pid, "suspend")
    eq("project_action suspend",
       step("project_action", cadm.project_action, pid, "suspend", "why"),
       None)
    eq("suspended", cc.get_project(pid)["state"], "suspended")
    e = raises("suspend twice", AstakosClientException, cadm.project_action,
               pid, "suspend")
    eq("suspend twice status", e and e.status, 409)
    step("unsuspend", cadm.project_action, pid, "unsuspend")
    eq("unsuspended", cc.get_project(pid)["state"], "active")
    step("terminate", cadm.project_action, pid, "terminate")
    eq("terminated", cc.get_project(pid)["state"], "terminated")
    step("reinstate", cadm.project_action, pid, "reinstate")
    eq("reinstated", cc.get_project(pid)["state"], "active")
    raises("unknown project action", BadRequest, cadm.project_action, pid,
           "explode")
    e = raises("terminate base project", AstakosClientException,
               cadm.project_action, c_uuid, "terminate")
    eq("terminate base status", e and e.status, 409)

    denied = cb.create_project({"name": "denied.example.org",
                                "end_date": "2031-01-01T00:00:00Z"})
    step("deny", cadm.application_action, denied["id"],
         denied["application"], "deny", "no")
    step("dismiss", cb.application_action, denied["id"],
         denied["application"], "dismiss")
    eq("dismissed project deleted",
       cadm.get_project(denied["id"])["state"], "deleted")
    cancelled = cb.create_project({"name": "cancel.example.org",
                                   "end_date": "2031-01-01T00:00:00Z"})
    step("cancel", cb.application_action, cancelled["id"],
         cancelled["application"], "cancel")
    eq("cancelled project deleted",
       cadm.get_project(cancelled["id"])["state"], "deleted")
    p1 = cb.create_project({"name": "p1.example.org", "end_date": "2031-01-01T00:00:00Z"})
    p2 = cb.create_project({"name": "p2.example.org", "end_date": "2031-01-01T00:00:00Z"})
    e = raises("pending application limit", AstakosClientException,
               cb.create_project, {"name": "p3.example.org",
                                   "end_date": "2031-01-01T00:00:00Z"})
    eq("pending application limit status", e and e.status, 409)
    # At the limit, an invalid application is still a 400: validation
    # comes first.
    raises("validation before the limit", BadRequest, cb.create_project,
           {"name": "p3 example", "end_date": "2031-01-01T00:00:00Z"})
    for x in (p1, p2):
        cb.application_action(x["id"], x["application"], "cancel")

    # ---------------------------------------------------------- memberships
    ms = step("get_memberships", ca.get_memberships, project_id=eresearch)
    carol_m = None
    if ms is not None:
        eq("get_memberships states",
           sorted((m["user"], m["state"]) for m in ms),
           sorted([(a_uuid, "accepted"), (b_uuid, "accepted"),
                   (c_uuid, "requested")]))
        carol_m = [m for m in ms if m["user"] == c_uuid][0]["id"]
    m = step("get_membership", ca.get_membership, carol_m)
    if m is not None:
        eq("get_membership", (m["project"], m["state"],
                              sorted(m["allowed_actions"])),
           (eresearch, "requested", ["accept", "reject"]))
        check("get_membership state date", "requested" in m)
    raises("membership accept by member", Forbidden, cc.membership_action,
           carol_m, "accept")
    eq("membership_action accept",
       step("membership_action", ca.membership_action, carol_m, "accept",
            "welcome"), None)
    eq("accepted", cc.get_membership(carol_m)["state"], "accepted")
    check("member sees project quotas", eresearch in cc.get_quotas())
    e = raises("accept twice", AstakosClientException, ca.membership_action,
               carol_m, "accept")
    eq("accept twice status", e and e.status, 409)
    raises("get_membership unknown", NotFound, ca.get_membership, 999999)
    raises("get_membership non-numeric", BadRequest, ca.get_membership, "x")
    eq("get_memberships alias",
       sorted(x["id"] for x in cc.get_memberships(project=eresearch)),
       [carol_m])

    # A system project's join policy is closed: 409, for anybody.
    for label, client, base_id in (("own", cc, c_uuid), ("other", cc, a_uuid)):
        e = raises("join base project (%s)" % label, AstakosClientException,
                   client.join_project, base_id)
        eq("join base project (%s) status" % label, e and e.status, 409)
    raises("join unknown project", NotFound, cc.join_project,
           "no-such-project")

    j = step("join_project", cc.join_project, teaching)
    jid = j and j.get("id")
    eq("join auto-accepted", jid and cc.get_membership(jid)["state"],
       "accepted")
    e = raises("join twice", AstakosClientException, cc.join_project,
               teaching)
    eq("join twice status", e and e.status, 409)
    step("leave (moderated)", cc.membership_action, jid, "leave")
    eq("leave requested", cc.get_membership(jid)["state"], "leave_requested")
    m = cb.get_membership(jid)
    eq("owner's actions on leave_requested", sorted(m["allowed_actions"]),
       ["remove"])
    e = raises("accept a leave request", AstakosClientException,
               cb.membership_action, jid, "accept")
    eq("accept a leave request status", e and e.status, 409)
    step("owner removes leave_requested", cb.membership_action, jid,
         "remove")
    eq("left", cc.get_membership(jid)["state"], "removed")

    e = raises("enroll unknown user", AstakosClientException,
               cb.enroll_member, teaching, "nobody@example.org")
    eq("enroll unknown user status", e and e.status, 409)
    e = raises("enroll unknown project", AstakosClientException,
               cb.enroll_member, "no-such-project", carol["name"])
    eq("enroll unknown project status", e and e.status, 409)
    if pid:
        en = step("enroll_member", cc.enroll_member, pid, bob["name"])
        eid = en and en.get("id")
        eq("enrolled", eid and cb.get_membership(eid)["state"], "accepted")
        check("enrolled member quotas", pid in cb.get_quotas())
        step("remove", cc.membership_action, eid, "remove")
        eq("removed", cb.get_membership(eid)["state"], "removed")
        eq("removed member limit", holding(svc, b_uuid, pid,
                                           "cyclades.vm")["limit"], 0)
        j2 = step("join moderated", cb.join_project, pid)
        j2 = j2 and j2.get("id")
        eq("join moderated requested", j2 and cb.get_membership(j2)["state"],
           "requested")
        step("cancel join", cb.membership_action, j2, "cancel")
        eq("cancelled", cb.get_membership(j2)["state"], "cancelled")
        raises("enroll by non-owner", Forbidden, cb.enroll_member, pid,
               alice["name"])

    # ---------------------------------------------------------- cookie
    req = FakeRequest({"_pithos2_a": urllib.quote(carol["name"] + "|" +
                                                  carol["token"])})
    t = get_token_from_cookie(req, "_pithos2_a")
    eq("get_token_from_cookie", t, carol["token"])
    eq("get_token_from_cookie missing",
       get_token_from_cookie(req, "nope"), None)
    CALLED.add("get_token_from_cookie")
    if t:
        eq("cookie token works",
           Tracked(t, auth_url).get_username(c_uuid), carol["name"])

    missing = [n for n in ENTRY_POINTS if n not in CALLED]
    check("all 41 entry points called", not missing and
          len(ENTRY_POINTS) == 41, "missing %r" % missing)
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:
        fail("script", traceback.format_exc())
    print("%d passed, %d failed" % (PASSED[0], FAILED[0]))
    sys.exit(1 if FAILED[0] else 0)
