# -*- coding: utf-8 -*-
"""Captures the requests etunexus 0.6.8 (Python 2.7) sends for the CAS login
and every EMC2, ER3 and EI3 operation, against a recording HTTPS server on
127.0.0.1 (self-signed certificate, secure=False) that answers each with a
body the reference accepts. Writes the fixture of tests/wire.rs.

Usage: python2.7 etunexus_capture.py OUT.json WORKDIR
WORKDIR must hold up.csv and schema.json (the Rust test writes them) and
gets the certificate. Hosts are recorded as `etu.test`.
"""
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import urlparse
import BaseHTTPServer
import SocketServer

from etunexus.cas import CAS
from etunexus.emc import (EMC2, Group, User, UserRole, AppRole, AppPermission, DataSource,
                          ExporterSetting, ExporterExtraSchema)
from etunexus.er import (ER3, Logic, Alg_USER_BASED_CF, Alg_RANKING, Campaign, UserFilter, Layout,
                         AlgTraining_LDA)
from etunexus.ei import EI3, Band, BandCategory, BandGene, BandCombine
from datetime import date

OUT, WORK = sys.argv[1], sys.argv[2]
ROWS = []
STEP = ['']
HOST = ['']
VALIDATIONS = {}

GROUP = {"id": 2, "name": "workshop", "displayName": "Workshop", "createTime": 1484113449499}
USER = {"id": 3, "name": "workshop_user", "displayName": "Workshop User", "password": None,
        "department": "", "mail": "", "roles": [{"roleName": "Operator", "appId": "ETU-INSIGHT"},
        {"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}], "createTime": 1484129656168,
        "lastUpdateTime": 1487399443855}
DS = {"id": 7, "groupId": 2, "name": "ds", "displayName": "DS", "appIds": ["ETU-RECOMMENDER"],
      "contentType": "behavior", "type": "EVENT_COLLECTOR", "eventCollector": {"hostName": "*"}}
EXPORTER = {"enabled": True, "initalConvetTime": 1500000000000, "tupleKey": "ptuple",
            "extraSchema": "[{\"type\": \"string\", \"link\": \"\", \"name\": \"f\"}]",
            "parsingFormat": "NginxPlusLogParserDriver", "baseSchema": "[]", "updateTime": None}
CF = {"algId": "USER_BASED_CF", "weight": 1, "qualifier": "q-1",
      "setting": {"id": "USER_BASED_CF", "DATASOURCE": {"id": 7, "name": "ds"}, "TIMERANGE": 30,
                  "action": ["view"], "als_iteration": 10, "als_rank": 10}}
LOGIC = {"id": 11, "name": "lg", "displayName": "LG", "active": True, "numberOfRec": 10,
         "algType": "USER_BASE", "algInstances": [CF], "userFilter": None, "useLocation": False,
         "enableLastViewedItem": False, "delegateLogicName": None, "filteringLogicIds": [],
         "enableUpdating": True, "itemFilterSrc": None, "enableSameCategory": False,
         "avlItemFilterMode": "DISABLED", "createTime": 1500000000000, "updateTime": None,
         "executeTime": None, "successTime": None, "executeState": None}
CAMPAIGN = {"id": 21, "groupId": 2, "name": "c", "displayName": "C", "startTime": 1500000000000,
            "endTime": 1500086400000, "logics": [], "createTime": 1500000000000, "updateTime": None}
UF = {"id": 31, "name": "uf", "displayName": "UF", "createTime": 1, "updateTime": None}
LAYOUT = {"dataSrcName": "items", "loName": "lo", "loTitle": "Picks", "loTitleAlign": "center",
          "loItemCnt": 10, "loItemWidth": 200, "loItemHeight": 200, "loItemMargin": 20,
          "loBGColor": "rgba(255,255,255,0)", "loFGColor": "rgba(0,0,0,1)", "loCol": 5, "loRow": 2,
          "loFontSize": 16}
TRAINING = {"id": 43, "algId": "LDA", "state": "INIT", "createTime": 1, "updateTime": 1,
            "setting": {"TOPICS": 5, "DATASOURCE": {"id": 7, "name": "ds"}}}
BAND = {"id": 51, "categoryId": 61, "name": "b", "description": "desc", "type": "gene",
        "targetGene": {"geneId": "g1", "cid": 7, "operator": "IN", "operand": "a,b"},
        "needRefresh": True, "snapshotInfo": {"parent": None, "children": []}, "shared": False,
        "amount": 120, "updateTime": 1500000000000, "owner": "3"}
EIUSER = {"id": 3, "name": "workshop_user", "displayName": "Workshop User", "role": "Operator",
          "group": {"id": 2, "name": "workshop", "displayName": "Workshop"}}
GENECAT = {"id": 1, "name": "Basic", "subcategories": [], "genes": [
    {"id": "g_age", "name": "Age", "timerange": 0, "type": "number", "chartType": "bar",
     "uiInfo": {"Xaxis_id": "x", "unit": "y"}}]}
BANDCAT = {"id": 61, "name": "bc", "bands": []}

# (method, path regex) -> (status, answer); EI answers are wrapped below.
ROUTES = [
    ('GET', r'/commsrv/v1/group$', [GROUP]),
    ('POST', r'/commsrv/v1/group$', GROUP),
    ('POST', r'/commsrv/v1/group/2$', GROUP),
    ('DELETE', r'/commsrv/v1/group/2$', 2),
    ('GET', r'/commsrv/v1/user/me$', USER),
    ('GET', r'/commsrv/v1/group/2/user$', [USER]),
    ('POST', r'/commsrv/v1/group/2/user$', USER),
    ('POST', r'/commsrv/v1/user/3$', USER),
    ('DELETE', r'/commsrv/v1/user/3$', 3),
    ('POST', r'/commsrv/v1/user/3/password$', 3),
    ('GET', r'/commsrv/v1/app$', [{"id": "ETU-INSIGHT", "version": "3.0"}]),
    ('GET', r'/commsrv/v1/app/ETU-INSIGHT/permission$',
     {"appId": "ETU-INSIGHT", "permissions": [{"category": "band", "id": "band.add", "level": 2}]}),
    ('GET', r'/commsrv/v1/app/ETU-RECOMMENDER/role$',
     [{"name": "ADMIN", "permissions": [{"category": "logic", "id": "logic.del", "level": 3}]}]),
    ('POST', r'/commsrv/v1/app/ETU-RECOMMENDER/role$',
     {"name": "Operator", "permissions": [{"category": "logic", "id": "logic.add", "level": 2}]}),
    ('GET', r'/commsrv/v1/group/2/data-source$', [DS]),
    ('POST', r'/commsrv/v1/group/2/data-source$', DS),
    ('POST', r'/commsrv/v1/data-source/7$', DS),
    ('DELETE', r'/commsrv/v1/data-source/7$', 7),
    ('GET', r'/commsrv/v1/data-source/7/exporter$', EXPORTER),
    ('POST', r'/commsrv/v1/data-source/7/exporter$', EXPORTER),
    ('GET', r'/commsrv/v1/data-source/schema/behavior$',
     [{"name": "uid", "type": "string", "required": True, "link": ""}]),
    ('GET', r'/commsrv/v1/system/version$', {"version": "2.1", "build": "77", "branch": "main"}),
    ('GET', r'/commsrv/v1/audit$', {"startTime": 1500000000000, "endTime": 1500086400000, "events": []}),
    ('GET', r'/ER/V3/recsrv/v1/group$', [{"id": 2, "name": "workshop", "displayName": "W"}]),
    ('GET', r'/ER/V3/recsrv/v1/group/2/data-source$',
     [{"id": 7, "groupId": 2, "name": "ds", "displayName": "DS", "contentType": "item", "type": "UPLOAD"}]),
    ('GET', r'/ER/V3/recsrv/v1/group/2/logic$', [LOGIC]),
    ('POST', r'/ER/V3/recsrv/v1/group/2/logic$', LOGIC),
    ('POST', r'/ER/V3/recsrv/v1/logic/11$', LOGIC),
    ('DELETE', r'/ER/V3/recsrv/v1/logic/11$', 11),
    ('GET', r'/ER/V3/recsrv/v1/group/2/campaign$', [CAMPAIGN]),
    ('POST', r'/ER/V3/recsrv/v1/group/2/campaign$', CAMPAIGN),
    ('POST', r'/ER/V3/recsrv/v1/campaign/21$', CAMPAIGN),
    ('DELETE', r'/ER/V3/recsrv/v1/campaign/21$', 21),
    ('GET', r'/ER/V3/recsrv/v1/group/2/userfilter$', [UF]),
    ('POST', r'/ER/V3/recsrv/v1/group/2/userfilter$', UF),
    ('POST', r'/ER/V3/recsrv/v1/userfilter/31$', UF),
    ('DELETE', r'/ER/V3/recsrv/v1/userfilter/31$', 31),
    ('GET', r'/ER/V3/recsrv/v1/logic/11/layout$', LAYOUT),
    ('POST', r'/ER/V3/recsrv/v1/logic/11/layout$', LAYOUT),
    ('GET', r'/ER/V3/recsrv/v1/group/2/algtraining$', [TRAINING]),
    ('POST', r'/ER/V3/recsrv/v1/group/2/algtraining$', TRAINING),
    ('GET', r'/EI/V3/service/v1/user/(me|superme)$', EIUSER),
    ('GET', r'/EI/V3/service/v1/genecategory$', [GENECAT]),
    ('GET', r'/EI/V3/service/v1/bandcategory$', [BANDCAT]),
    ('POST', r'/EI/V3/service/v1/bandcategory(/61)?$', BANDCAT),
    ('DELETE', r'/EI/V3/service/v1/bandcategory/61$', [BANDCAT]),
    ('GET', r'/EI/V3/service/v1/sharingbandcategory$', [BANDCAT]),
    ('POST', r'/EI/V3/service/v1/band(/5\d)?$', BAND),
    ('DELETE', r'/EI/V3/service/v1/band/51$', {"id": 51}),
    ('GET', r'/EI/V3/service/v1/band/51/uidlist$', {"downloadLink": "EI/V3/dl/51.csv"}),
    ('POST', r'/EI/V3/service/v1/band/51/snapshot$', BAND),
    ('GET', r'/EI/V3/service/v1/fixedgenecategory$', [GENECAT]),
    ('POST', r'/EI/V3/service/v1/fixedgene/schema$', GENECAT),
    ('POST', r'/EI/V3/service/v1/fixedgene/data$', "1 rows"),
    ('GET', r'/EI/V3/service/v1/population/summary$', [{"key": "30-39", "amount": 12}]),
    ('GET', r'/EI/V3/service/v1/timeline/population/[^/]+/7$', []),
    ('GET', r'/EI/V3/service/v1/statistics/query$', {"2017-01-01": {"addBand": 2}}),
    ('GET', r'/EI/V3/service/v1/customerinformation/u1$', {"g_age": 31}),
    ('GET', r'/EI/V3/service/v1/uidbandlist/id$', {"bandIdList": [51], "bandNameList": ["b"]}),
    ('POST', r'/EI/V3/service/v1/item$', {"pidNumber": 42}),
    ('GET', r'/EI/V3/service/v1/summary/Summary_Revisit_7$', {"rate": 0.4}),
    ('(GET|DELETE)', r'/EI/V3/service/v1/suauth$', "ok"),
    ('GET', r'/EI/V3/service/v1/defaultbandcategory$', [BANDCAT]),
]


def host(s):
    return s.replace(HOST[0], 'etu.test') if isinstance(s, basestring) else s


def parse_body(ctype, raw):
    if not raw:
        return None
    ctype = ctype or ''
    if ctype.startswith('multipart/form-data'):
        boundary = ctype.split('boundary=', 1)[1]
        parts = []
        for chunk in raw.split('--' + boundary)[1:]:
            if chunk.startswith('--'):
                break
            head, content = chunk[2:].split('\r\n\r\n', 1)
            if content.endswith('\r\n'):
                content = content[:-2]
            name = re.search(r' name="([^"]*)"', head)
            fname = re.search(r'filename="([^"]*)"', head)
            ptype = re.search(r'Content-Type: (.*)', head)
            parts.append([name and name.group(1), fname and fname.group(1),
                          ptype and ptype.group(1).strip(), content.decode('utf-8')])
        # The reference's part order is its dict order (random); the file
        # part is always last. Text parts are sorted by name.
        files = [x for x in parts if x[1] is not None]
        return {'multipart': sorted(x for x in parts if x[1] is None) + files}
    try:
        return {'json': json.loads(raw)}
    except ValueError:
        pass
    if '=' in raw:
        return {'form': sorted([k, v] for k, v in urlparse.parse_qsl(raw, keep_blank_values=True))}
    return {'text': raw.decode('utf-8')}


class Handler(BaseHTTPServer.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(n) if n else ''
        url = urlparse.urlsplit(self.path)
        ctype = self.headers.get('Content-Type')
        ROWS.append({
            'step': STEP[0], 'method': self.command, 'path': url.path,
            'query': urlparse.parse_qsl(url.query, keep_blank_values=True) if url.query else None,
            'content_type': ctype and ctype.split(';')[0],
            'body': host_body(parse_body(ctype, raw)),
            'cookie': self.headers.get('Cookie'),
        })
        path = url.path
        if path == '/cas/v1/tickets' and self.command == 'POST':
            return self.reply(201, '', [('Location', 'https://%s/cas/v1/tickets/TGT-1-abc' % HOST[0])])
        if path.startswith('/cas/v1/tickets/'):
            return self.reply(200, 'ST-1-%s' % len(ROWS))
        if path.endswith('shiro-cas'):
            ticket = url.query
            if ticket in VALIDATIONS:
                return self.reply(403, 'used')
            VALIDATIONS[ticket] = 1
            return self.reply(200, 'ok', [('Set-Cookie', 'JSESSIONID=s-1; Path=/')])
        if path == '/EI/V3/dl/51.csv':
            return self.reply(200, 'uid\nu1\nu2\n')
        for method, pattern, answer in ROUTES:
            if re.match(method + '$', self.command) and re.match(pattern, path):
                if path.startswith('/EI/'):
                    answer = {'data': answer}
                return self.reply(200, json.dumps(answer), [('Content-Type', 'application/json')])
        return self.reply(404, '{}')

    do_GET = do_POST = do_DELETE = handle_any

    def reply(self, status, body, headers=()):
        ROWS[-1]['answer'] = {'status': status, 'headers': [[k, host(v)] for k, v in headers], 'body': body}
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def host_body(b):
    if b and 'form' in b:
        b['form'] = [[k, host(v)] for k, v in b['form']]
    return b


class Server(SocketServer.ThreadingMixIn, BaseHTTPServer.HTTPServer):
    daemon_threads = True


def main():
    cert = os.path.join(WORK, 'cert.pem')
    key = os.path.join(WORK, 'key.pem')
    subprocess.check_call(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
                           '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
                          stdout=open(os.devnull, 'w'), stderr=subprocess.STDOUT)
    srv = Server(('127.0.0.1', 0), Handler)
    srv.socket = ssl.wrap_socket(srv.socket, keyfile=key, certfile=cert, server_side=True)
    HOST[0] = '127.0.0.1:%d' % srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever)
    t.daemon = True
    t.start()
    up = os.path.join(WORK, 'up.csv')
    schema = os.path.join(WORK, 'schema.json')

    cas = CAS('workshop', 'admin', 'p@ss w', HOST[0], secure=False)
    emc = EMC2(cas, HOST[0])
    er = ER3(cas, HOST[0])
    ei = EI3(cas, HOST[0])

    def step(name, fn):
        STEP[0] = name
        try:
            fn()
        except Exception as e:  # the reference's own bugs (campaigns, do_snapshot)
            ROWS.append({'step': name, 'raised': type(e).__name__})

    step('login', lambda: (cas.login(), emc.login(), er.login(), ei.login()))

    def add_user():
        u = User('u1', 'U1', 'pw', roles=[UserRole('Viewer', 'ETU-RECOMMENDER')])
        emc.add_user(2, u)

    def update_user():
        d = dict(USER)
        d['roles'] = [{"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}, {"roleName": "Viewer", "appId": "ETU-INSIGHT"}]
        emc.update_user(User.from_dict(d))

    def add_ds():
        ds = DataSource('ds', 'DS', ['ETU-RECOMMENDER'], 'behavior')
        ds.init_event_collector('*')
        emc.add_data_source(2, ds)

    steps = [
        ('emc.get_groups', lambda: emc.get_groups()),
        ('emc.add_group', lambda: emc.add_group(Group(u'New G\u00e9', 'NG'))),
        ('emc.update_group', lambda: emc.update_group(Group.from_dict(GROUP))),
        ('emc.del_group', lambda: emc.del_group(2)),
        ('emc.me', lambda: emc.me()),
        ('emc.get_users', lambda: emc.get_users(2)),
        ('emc.add_user', add_user),
        ('emc.update_user', update_user),
        ('emc.del_user', lambda: emc.del_user(3)),
        ('emc.change_user_password', lambda: emc.change_user_password(3, 'n3w')),
        ('emc.get_apps', lambda: emc.get_apps()),
        ('emc.get_app_permission', lambda: emc.get_app_permission('ETU-INSIGHT')),
        ('emc.get_app_roles', lambda: emc.get_app_roles('ETU-RECOMMENDER')),
        ('emc.update_app_role', lambda: emc.update_app_role(
            'ETU-RECOMMENDER', AppRole('Operator', [AppPermission('logic', 'logic.add', 2)]))),
        ('emc.get_data_sources', lambda: emc.get_data_sources(2)),
        ('emc.add_data_source', add_ds),
        ('emc.update_data_source', lambda: emc.update_data_source(DataSource.from_dict(DS))),
        ('emc.del_data_source', lambda: emc.del_data_source(7)),
        ('emc.get_exporter_setting', lambda: emc.get_exporter_setting(7)),
        ('emc.update_exporter_setting', lambda: emc.update_exporter_setting(7, ExporterSetting(
            True, 1500000000000, extra_schema=[ExporterExtraSchema('f', 'string', '')]))),
        ('emc.get_data_source_schema', lambda: emc.get_data_source_schema('behavior')),
        ('emc.get_system_info', lambda: emc.get_system_info()),
        ('emc.get_audit_logs', lambda: emc.get_audit_logs(1500000000000, 1500086400000)),
        ('er.get_groups', lambda: er.get_groups()),
        ('er.get_data_sources', lambda: er.get_data_sources(2)),
        ('er.get_logics', lambda: er.get_logics(2)),
        ('er.add_logic', lambda: er.add_logic(2, Logic('lg', 'LG', True, 10, 'USER_BASE', [
            Alg_USER_BASED_CF(1, {"id": 7, "name": "ds"}, 30, ['view']),
            Alg_RANKING(2, {"id": 7, "name": "ds"}, 30, ['view'], False)]))),
        ('er.update_logic', lambda: er.update_logic(Logic.from_dict(LOGIC))),
        ('er.del_logic', lambda: er.del_logic(11)),
        ('er.get_campaigns', lambda: er.get_campaigns(2)),
        ('er.add_campaign', lambda: er.add_campaign(2, Campaign(2, 'c', 'C', 1500000000000, 1500086400000))),
        ('er.update_campaign', lambda: er.update_campaign(Campaign(
            2, 'c', 'C', 1500000000000, 1500086400000, id=21, create_time=1500000000000))),
        ('er.del_campaign', lambda: er.del_campaign(21)),
        ('er.get_user_filters', lambda: er.get_user_filters(2)),
        ('er.add_user_filter', lambda: er.add_user_filter(2, UserFilter('uf', 'UF'), up)),
        ('er.update_user_filter', lambda: er.update_user_filter(UserFilter('uf', 'UF', 31, 1), up)),
        ('er.del_user_filter', lambda: er.del_user_filter(31)),
        ('er.get_layout', lambda: er.get_layout(11)),
        ('er.update_layout', lambda: er.update_layout(11, Layout('items', 'lo', 'Picks'))),
        ('er.get_alg_trainings', lambda: er.get_alg_trainings(2)),
        ('er.add_alg_training', lambda: er.add_alg_training(2, AlgTraining_LDA({"id": 7, "name": "ds"}, 5))),
        ('ei.get_me', lambda: ei.get_me()),
        ('ei.get_superme', lambda: ei.get_superme()),
        ('ei.get_gene_categories', lambda: ei.get_gene_categories(2)),
        ('ei.get_band_categories', lambda: ei.get_band_categories()),
        ('ei.add_band_category', lambda: ei.add_band_category(dict_with(BandCategory(u'bc \u00e9&x'), isDefault=True))),
        ('ei.update_band_category', lambda: ei.update_band_category(BandCategory('bc2', id=61))),
        ('ei.del_band_category', lambda: ei.del_band_category(61)),
        ('ei.get_shared_band_categories', lambda: ei.get_shared_band_categories(2)),
        ('ei.add_band', lambda: ei.add_band(Band(61, 'b', 'desc', 'gene', target_gene=BandGene('g1', 7, 'IN', 'a,b')))),
        ('ei.update_band', lambda: ei.update_band(Band(61, 'c', '', 'combine',
                                                       target_band=BandCombine([51, 52], ['UNION']), id=53))),
        ('ei.del_band', lambda: ei.del_band(51)),
        ('ei.get_uid_list', lambda: ei.get_uid_list(51, os.path.join(WORK, 'uids.csv'))),
        ('ei.do_snapshot', lambda: ei.do_snapshot(51)),
        ('ei.get_fixed_gene_categories', lambda: ei.get_fixed_gene_categories()),
        ('ei.upload_fixed_gene_schema', lambda: ei.upload_fixed_gene_schema(2, schema)),
        ('ei.upload_fixed_gene_data', lambda: ei.upload_fixed_gene_data(2, up)),
        ('ei.get_population_summary', lambda: ei.get_population_summary('g_age', 7)),
        ('ei.get_population_timeline', lambda: ei.get_population_timeline(
            ['g1', 'g2'], 7, date(2017, 1, 1), date(2017, 1, 31), 'GE')),
        ('ei.get_statistics', lambda: ei.get_statistics(2, ['addBand', 'bandCount'], date(2017, 1, 1), date(2017, 1, 31))),
        ('ei.get_customer_info', lambda: ei.get_customer_info(7, 'u1')),
        ('ei.get_uid_band_list', lambda: ei.get_uid_band_list(3, 'u1')),
        ('ei.upload_item_data', lambda: ei.upload_item_data(2, up)),
        ('ei.get_summary', lambda: ei.get_summary('Summary_Revisit_7', 7, 51)),
        ('ei.do_su_login', lambda: ei.do_su_login('workshop', 'bob')),
        ('ei.do_su_logout', lambda: ei.do_su_logout()),
        ('ei.get_default_bandcategories', lambda: ei.get_default_bandcategories(7)),
    ]
    for name, fn in steps:
        step(name, fn)
    srv.shutdown()
    rows = [dict((k, host(v)) for k, v in r.items()) for r in ROWS]
    with open(OUT, 'w') as f:
        json.dump(rows, f, indent=1, sort_keys=True)
        f.write('\n')


def dict_with(d, **kw):
    d.update(kw)
    return d


main()
