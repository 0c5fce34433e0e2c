# -*- coding: utf-8 -*-
"""The reference client (etunexus 0.6.8, Python 2.7) against the Etu Nexus
simulator over TLS: the seed's quick start, then every EMC2, ER3 and EI3
operation, the expiry path and a failed login.

Usage: SSL_CERT_FILE=<the simulator's certificate> python etunexus_reference.py SEED_JSON WORKDIR

SEED_JSON is the simulator's seed object (tenantry-sim's `etunexus`
section); WORKDIR a directory for the files the reference uploads and
downloads. TLS verification stays on (`secure=True`): the certificate is
trusted through SSL_CERT_FILE, which urllib2's default context honours.
Prints one JSON object: for each step (`qs.N`, `emc.N`, `er.N`, `ei.N` by
the operation's number in etunexus.md §5-§7, plus `fail.*`) either
{"ok": value} or {"error": class name, "message": text, "code": status}.
The test that runs it checks the values and that each failure is the
reference's own (etunexus.md §10, §11).
"""
import json
import os
import sys
import urllib2
from datetime import date, timedelta

from etunexus.cas import CAS
from etunexus.emc import (EMC2, AppPermission, AppRole, DataSource, ExporterExtraSchema,
                          ExporterSetting, Group, User)
from etunexus.er import (ER3, Alg_RANKING, Alg_USER_BASED_CF, AlgTraining_LDA, Campaign, Layout,
                         Logic, UserFilter)
from etunexus.ei import EI3, Band, BandCategory, BandCombine, BandGene
from etunexus.emc import UserRole
from etunexus.enum import AppId, AppRoleName, BandType, LogicAlgType

seed = json.loads(sys.argv[1])
work = sys.argv[2]
# Python 2.7's ssl.match_hostname takes no IP address, so the reference
# reaches the simulator by the certificate's DNS name, localhost.
host = seed["host"].replace("127.0.0.1", "localhost")
ws = seed["workshop"]

out = {}
state = {}


def plain(v):
    """JSON-able copy of what the reference returned."""
    if isinstance(v, dict):
        return dict((k, plain(x)) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def run(key, fn):
    try:
        out[key] = {"ok": plain(fn())}
    except Exception as e:  # the reference's failure, recorded as it is
        rec = {"error": type(e).__name__, "message": str(e)}
        if isinstance(e, urllib2.HTTPError):
            rec["code"] = e.code
        out[key] = rec
    return out[key].get("ok")


def path(name, content=None):
    p = os.path.join(work, name)
    if content is not None:
        with open(p, "wb") as f:
            f.write(content)
    return p


# --- the seed's quick start (as the system administrator) -------------------
cas = CAS(seed["group"], seed["username"], seed["password"], cas_host=host)
run("qs.1", lambda: cas.login())
emc2 = EMC2(cas, host=host)
run("qs.2", lambda: emc2.login())
groups = run("qs.3", lambda: emc2.get_groups())
workshop_group = filter(lambda x: x['name'] == 'workshop', emc2.get_groups())[0]
workshop_users = emc2.get_users(workshop_group)
run("qs.4", lambda: filter(lambda x: x['name'] == 'workshop_user', workshop_users)[0])
new_user = User('new_workshop_user', 'New workshop user', 'password')
run("qs.5", lambda: emc2.add_user(workshop_group, new_user))
# The seed filters its earlier list; the new user is only in a fresh one.
update_user = filter(lambda x: x['name'] == 'new_workshop_user', emc2.get_users(workshop_group))[0]
update_user['roles'] = [UserRole(AppRoleName.VIEWER, AppId.ER), UserRole(AppRoleName.VIEWER, AppId.EI)]
run("qs.6", lambda: emc2.update_user(update_user))
run("qs.7", lambda: emc2.del_user(update_user))
run("qs.8", lambda: [u['name'] for u in emc2.get_users(workshop_group)])

# --- EMC2 (§5) -----------------------------------------------------------------
run("emc.1", lambda: emc2.get_groups())
g = run("emc.2", lambda: emc2.add_group(Group('lab', u'New G\u00e9')))
lab = Group.from_dict(g)
lab['displayName'] = 'Lab'
run("emc.3", lambda: emc2.update_group(lab))
run("emc.5", lambda: emc2.me())
run("emc.6", lambda: emc2.get_users(lab))
u = run("emc.7", lambda: emc2.add_user(lab, User('u1', 'U1', 'pw', roles=[UserRole(AppRoleName.VIEWER, AppId.ER)])))
u1 = User.from_dict(u)
u1['mail'] = 'u1@example.com'
run("emc.8", lambda: emc2.update_user(u1))
run("emc.10", lambda: emc2.change_user_password(u1, 'pw2'))
state["u1_login_new_password"] = CAS('lab', 'u1', 'pw2', cas_host=host).login() is not None
# A new CAS object replaces the process-wide opener (§1.2 #29): log in the
# administrator's objects again by building them anew.
cas = CAS(seed["group"], seed["username"], seed["password"], cas_host=host)
emc2 = EMC2(cas, host=host)
emc2.login()
run("emc.9", lambda: emc2.del_user(u1))
run("emc.11", lambda: emc2.get_apps())
run("emc.12", lambda: emc2.get_app_permission(AppId.EI))
roles = run("emc.13", lambda: emc2.get_app_roles(AppId.EI))
viewer = filter(lambda r: r['name'] == 'Viewer', emc2.get_app_roles(AppId.EI))[0]
viewer_role = AppRole(viewer['name'], [AppPermission(p['category'], p['id'], p['level']) for p in viewer['permissions']])
viewer_role['permissions'][0]['level'] = 0
run("emc.14", lambda: emc2.update_app_role(AppId.EI, viewer_role))
run("emc.15", lambda: emc2.get_data_sources(workshop_group))
ds = DataSource('ds', 'DS', [AppId.ER], 'behavior')
ds.init_event_collector('*')
d = run("emc.16", lambda: emc2.add_data_source(lab, ds))
lab_ds = DataSource.from_dict(d)
lab_ds['displayName'] = 'DS2'
run("emc.17", lambda: emc2.update_data_source(lab_ds))
run("emc.19", lambda: emc2.get_exporter_setting(lab_ds))
setting = ExporterSetting(True, 1500000000000, extra_schema=[ExporterExtraSchema('f', 'string', '')])
run("emc.20", lambda: emc2.update_exporter_setting(lab_ds, setting))
run("emc.18", lambda: emc2.del_data_source(lab_ds))
run("emc.4", lambda: emc2.del_group(lab))
run("emc.21", lambda: emc2.get_data_source_schema('behavior'))
run("emc.22", lambda: emc2.get_system_info())
run("emc.23", lambda: emc2.get_audit_logs(1, 99999999999999))

# --- ER3 (§6), as the workshop's administrator ------------------------------------
wcas = CAS(ws["group"], ws["admin"]["username"], ws["admin"]["password"], cas_host=host)
er3 = ER3(wcas, host=host)
run("er.login", lambda: er3.login())
gid = ws["group_id"]
run("er.1", lambda: er3.get_groups())
sources = run("er.2", lambda: er3.get_data_sources(gid))
behavior = filter(lambda s: s['contentType'] == 'behavior', sources)[0]
uf = run("er.12", lambda: er3.add_user_filter(gid, UserFilter('uf', 'UF'), path('up.csv', 'uid\nu1\nu2\n')))
uf = UserFilter.from_dict(uf)
uf['displayName'] = 'UF2'
run("er.13", lambda: er3.update_user_filter(uf, path('up2.csv', 'uid\nu3\n')))
run("er.11", lambda: er3.get_user_filters(gid))
logic = Logic('lg', 'LG', True, 10, LogicAlgType.USER_BASE,
              [Alg_USER_BASED_CF(1, behavior, 30, ['view']),
               Alg_RANKING(2, behavior, 30, ['view'], gen_non_category_rec=False)],
              user_filter=uf)
lg = run("er.4", lambda: er3.add_logic(gid, logic))
run("er.3", lambda: er3.get_logics(gid))
lg = er3.get_logics(gid)[0]
lg['numberOfRec'] = 20
run("er.5", lambda: er3.update_logic(lg))
run("er.15.before", lambda: er3.get_layout(lg))
run("er.16", lambda: er3.update_layout(lg, Layout('ws_item', 'lo', 'Title', item_count=8)))
run("er.15", lambda: er3.get_layout(lg))
run("er.7.empty", lambda: er3.get_campaigns(gid))
campaign = Campaign(gid, 'c', 'C', 1500000000000, 1600000000000, logics=[lg])
run("er.8", lambda: er3.add_campaign(gid, campaign))
run("er.7", lambda: er3.get_campaigns(gid))
state["campaigns_after_add"] = len(er3.request_get('/group/%d/campaign' % gid))
stored = er3.request_get('/group/%d/campaign' % gid)[0]
campaign['id'] = stored['id']
campaign['displayName'] = 'C2'
run("er.9", lambda: er3.update_campaign(campaign))
state["campaign_after_update"] = er3.request_get('/group/%d/campaign' % gid)[0]['displayName']
run("er.10", lambda: er3.del_campaign(stored['id']))
run("er.18", lambda: er3.add_alg_training(gid, AlgTraining_LDA(behavior, 5)))
run("er.17", lambda: er3.get_alg_trainings(gid))
run("er.17.again", lambda: er3.get_alg_trainings(gid))
run("er.6", lambda: er3.del_logic(lg))
run("er.14", lambda: er3.del_user_filter(uf))

# --- EI3 (§7) -------------------------------------------------------------------------
ei3 = EI3(wcas, host=host)
run("ei.login", lambda: ei3.login())
dsid = behavior['id']
run("ei.1", lambda: ei3.get_me())
run("ei.2", lambda: ei3.get_superme())
run("ei.3", lambda: ei3.get_gene_categories(gid))
bc = BandCategory(u'bc \u00e9&x')
bc['isDefault'] = True
bc = run("ei.5", lambda: ei3.add_band_category(bc))
bc = BandCategory.from_dict(bc)
bc['name'] = 'bc2'
run("ei.6", lambda: ei3.update_band_category(bc))
women = run("ei.9", lambda: ei3.add_band(Band(bc['id'], 'women', 'desc', BandType.GENE,
                                              target_gene=BandGene('gender', dsid, 'IN', 'female'))))
listed = run("ei.9.upload", lambda: ei3.add_band(Band(bc['id'], 'listed', '', BandType.UPLOAD, shared=True),
                                                 path('uids.csv', 'uid\nws-u01\nws-u02\nws-u03\n')))
women = Band.from_dict(women)
women['name'] = 'everyone'
women['targetGene'] = BandGene('gender', dsid, 'IN', 'female,male')
run("ei.10", lambda: ei3.update_band(women))
combined = run("ei.9.combine", lambda: ei3.add_band(Band(bc['id'], 'c', 'd', BandType.COMBINE,
                                                         target_band=BandCombine([listed['id'], women['id']], ['INTERSECT']))))
run("ei.4", lambda: ei3.get_band_categories())
run("ei.8", lambda: ei3.get_shared_band_categories(gid))
run("ei.26", lambda: ei3.get_default_bandcategories(dsid))
saved = run("ei.12", lambda: ei3.get_uid_list(listed['id'], path('uidlist.csv')))
state["uidlist"] = open(path('uidlist.csv')).read()
run("ei.13", lambda: ei3.do_snapshot(listed['id']))
run("ei.15", lambda: ei3.upload_fixed_gene_schema(gid, path('schema.json', json.dumps(
    {"name": "Loyalty", "genes": [{"id": "tier", "name": "Tier"}]}))))
run("ei.16", lambda: ei3.upload_fixed_gene_data(gid, path('fixed.csv', 'uid,tier\nws-u01,gold\nws-u02,gold\n')))
run("ei.14", lambda: ei3.get_fixed_gene_categories())
run("ei.17", lambda: ei3.get_population_summary('gender', dsid))
run("ei.18", lambda: [dict(t, data=[[str(day), n] for day, n in t['data']])
                      for t in ei3.get_population_timeline(['gender', 'age'], dsid, date(2017, 1, 1),
                                                           date(2017, 1, 3), 'GE')])
today = date.today()
run("ei.19", lambda: ei3.get_statistics(gid, ['addBand', 'updateBand', 'downloadUidList', 'bandCount'],
                                        today - timedelta(days=1), today + timedelta(days=1)))
run("ei.20", lambda: ei3.get_customer_info(dsid, 'ws-u02'))
me = ei3.get_me()
run("ei.21", lambda: ei3.get_uid_band_list(me['id'], 'ws-u02'))
run("ei.21.none", lambda: ei3.get_uid_band_list(me['id'], 'nobody'))
run("ei.22", lambda: ei3.upload_item_data(gid, path('items.csv', 'pid,title\n1,a\n2,b\n3,c\n')))
run("ei.23", lambda: ei3.get_summary('Summary_Revisit_7', dsid, listed['id']))
run("ei.24", lambda: ei3.do_su_login(ws["group"], ws["user"]["username"]))
state["me_under_su"] = ei3.get_me()['name']
state["superme_under_su"] = ei3.get_superme()['name']
run("ei.25", lambda: ei3.do_su_logout())
state["me_after_su"] = ei3.get_me()['name']
run("ei.7.nonempty", lambda: ei3.del_band_category(bc['id']))
run("ei.11.combined", lambda: ei3.del_band(combined['id']))
run("ei.11", lambda: ei3.del_band(women['id']))
ei3.del_band(listed['id'])
for b in ei3.get_band_categories()[0]['bands']:
    ei3.del_band(b['id'])
run("ei.7", lambda: ei3.del_band_category(bc['id']))

# --- the session expires: what the real Shiro answers (§2.5) -------------------------
req = urllib2.Request('https://%s/_sim/etunexus/expire-sessions' % host, data='')
state["expire_status"] = urllib2.urlopen(req).getcode()
run("fail.expired_get", lambda: emc2.get_groups())
run("fail.expired_delete", lambda: emc2.del_user(999))
# The same object keeps its ticket and cannot log in again; a new one can.
emc2_again = EMC2(cas, host=host)
run("fail.relogin", lambda: emc2_again.login() is not None)
run("fail.after_relogin", lambda: len(emc2_again.get_groups()))

# --- a wrong password (§2.2, §10 #3) --------------------------------------------------
bad = CAS(ws["group"], ws["user"]["username"], 'wrong', cas_host=host)
run("fail.bad_password_tgt", lambda: bad.login())
bad_app = EMC2(bad, host=host)
run("fail.bad_password_login", lambda: bad_app.login())
run("fail.after_failed_login", lambda: bad_app.get_groups())

print(json.dumps({"results": out, "state": state}, sort_keys=True))
