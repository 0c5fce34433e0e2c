# -*- coding: utf-8 -*-
"""Measures the reference Python client (etunexus 0.6.8, EMC2, Python 2.7).

usage: python references/etunexus.py SEED WORKLOAD N CONCURRENCY

SEED         the simulator's seed JSON: its whole stdout line
             ({"services": {"etunexus": {...}}, "tls": {"cert_pem": PATH}})
WORKLOAD     quick-start  the seed's quick start: get_groups() and find
                          `workshop`, get_users(it) and find
                          `workshop_user`, add_user(a new user), give it
                          the roles Viewer on ER and EI with update_user,
                          del_user
             list         get_users(the `bench` group): USERS users
N            timed operations
CONCURRENCY  1: a plain loop; >1: that many threads share the operations
             (one counter)

TLS: verification stays on (secure=True, the reference's default). The
simulator's certificate is trusted through SSL_CERT_FILE (Python's trust
environment, as the conformance script is run): set here from the seed
line's tls.cert_pem, SSL_CERT_DIR unset. Python 2.7's
ssl.match_hostname takes no IP address, so the simulator is reached as
localhost (a name its certificate carries).

One CAS login and one EMC2 object for the whole process, shared by the
threads: the reference's HTTP stack is process-wide (every CAS object
installs a new global urllib2 opener, whose cookie jar holds the session),
and it sends `Connection: close` on every request, so there is no pool or
connection to keep per thread. The login (TGT, service ticket and its
presentation) is done before timing, then one untimed operation, as the
Rust side logs in and warms up first. Prints one JSON line:
{"ops": N, "secs": elapsed}. Keep the requests in step with
src/etunexus.rs (the tenantry and bare reqwest ways).
"""

import json
import os
import sys
import threading
import time

# This file is named etunexus.py like the others (references/<service>.py):
# its own folder must not be searched first, or `import etunexus` finds this
# script instead of the reference's package.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != _here]

# The group of USERS users (src/etunexus.rs GROUP, USERS).
GROUP = "bench"
USERS = 10000


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def main(argv):
    if len(argv) != 5:
        usage()
    line = json.loads(argv[1])
    seed = line["services"]["etunexus"] if "services" in line else line
    cert = line.get("tls", {}).get("cert_pem")
    if cert:
        os.environ["SSL_CERT_FILE"] = cert
        os.environ.pop("SSL_CERT_DIR", None)
    workload, n, concurrency = argv[2], int(argv[3]), max(int(argv[4]), 1)

    # After SSL_CERT_FILE is set (importing builds no TLS context yet, but
    # keep the order obvious).
    from etunexus.cas import CAS
    from etunexus.emc import EMC2, User, UserRole
    from etunexus.enum import AppId, AppRoleName

    host = str(seed["host"]).replace("127.0.0.1", "localhost")
    cas = CAS(str(seed["group"]), str(seed["username"]), str(seed["password"]), cas_host=host)
    if cas.login() is None:  # the reference swallows CAS errors
        raise RuntimeError("CAS login failed")
    emc2 = EMC2(cas, host=host)
    emc2.login()

    workshop = str(seed["workshop"]["group"])
    workshop_user = str(seed["workshop"]["user"]["username"])
    # Unique to this process and measurement, as the Rust side's names are.
    run = "py%d-%d" % (os.getpid(), int(time.time() * 1000))

    if workload == "quick-start":

        def op(i):
            groups = emc2.get_groups()
            group = filter(lambda x: x['name'] == workshop, groups)[0]
            users = emc2.get_users(group)
            filter(lambda x: x['name'] == workshop_user, users)[0]
            user = emc2.add_user(group, User("bench-%s-%d" % (run, i), "Bench user",
                                             "bench-password"))
            user['roles'] = [UserRole(AppRoleName.VIEWER, AppId.ER),
                             UserRole(AppRoleName.VIEWER, AppId.EI)]
            user = emc2.update_user(user)
            if len(user['roles']) != 2:
                raise RuntimeError("the updated user has %d roles" % len(user['roles']))
            emc2.del_user(user)
    elif workload == "list":
        found = filter(lambda x: x['name'] == GROUP, emc2.get_groups())
        if not found:
            raise RuntimeError("no group %s (the seed file's bulk users)" % GROUP)
        bench = found[0]

        def op(i):
            users = emc2.get_users(bench)
            if len(users) != USERS:
                raise RuntimeError("listed %d users, expected %d" % (len(users), USERS))
    else:
        usage()

    # The warm-up's index follows the timed ones (the user names stay
    # unique).
    op(n)
    secs = run_ops(op, concurrency, n)
    sys.stdout.write(json.dumps({"ops": n, "secs": secs}) + "\n")


def run_ops(op, concurrency, n):
    """Runs op(0) .. op(n - 1) on `concurrency` threads (none for 1);
    returns the elapsed seconds."""
    if concurrency == 1:
        t0 = time.time()
        for i in xrange(n):
            op(i)
        return time.time() - t0

    lock = threading.Lock()
    state = {"next": 0, "error": None}

    def worker():
        while True:
            with lock:
                i = state["next"]
                if i >= n or state["error"] is not None:
                    return
                state["next"] = i + 1
            try:
                op(i)
            except Exception as err:  # report the first failure
                with lock:
                    if state["error"] is None:
                        state["error"] = err
                return

    threads = [threading.Thread(target=worker) for _ in xrange(concurrency)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.time() - t0
    if state["error"] is not None:
        raise state["error"]
    return secs


if __name__ == "__main__":
    main(sys.argv)
