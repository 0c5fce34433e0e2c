"""Measures the reference Python client (eclsdk 1.11.1, ecl.sss.v1, Python 3.9).

usage: python references/ecl.py SEED WORKLOAD N CONCURRENCY

SEED         the simulator's seed JSON: its whole stdout line
             ({"services": {"ecl-sss": {...}}}) or the ecl-sss object alone
WORKLOAD     list           users() as the contract's super user (every
                            user of a contract of USERS users)
             create-delete  create_user(login_id, mail_address, "false"),
                            then delete_user(user_id) of the user it made
N            timed operations
CONCURRENCY  1: one client, a plain loop; >1: that many threads share the
             operations (one counter), each with its own connection (its
             own keystoneauth session and token)

Before timing, each client runs one untimed operation (Keystone login,
connections), as the Rust side does. Prints one JSON line:
{"ops": N, "secs": elapsed}. Keep the requests in step with src/ecl.rs
(the tenantry and bare reqwest ways).
"""

import json
import os
import sys
import threading
import time
import warnings

warnings.simplefilter("ignore")

# This file is named ecl.py like the others (references/<service>.py): its
# own folder must not be searched first, or `import ecl` finds this script
# instead of eclsdk's package.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != _here]

from ecl import connection  # noqa: E402
from ecl.sss.v1._proxy import Proxy  # noqa: E402

# Users of the benchmark's contract (src/ecl.rs USERS).
USERS = 10000


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def make(seed, workload):
    """(new_client, op): op(client, i) does operation i with a client."""
    # Unique to this process and measurement, as the Rust side's ids are.
    run = "py%d-%d" % (os.getpid(), int(time.time() * 1000))
    if workload == "list":

        def op(client, i):
            users = client.users()
            if len(users) != USERS:
                raise RuntimeError("listed %d users, expected %d" % (len(users), USERS))
    elif workload == "create-delete":

        def op(client, i):
            login = "bench-%s-%d" % (run, i)
            user = client.create_user(login, login + "@example.com", "false")
            client.delete_user(user.user_id)
    else:
        usage()

    def new_client():
        conn = connection.Connection(
            auth_url=seed["auth_url"],
            username=seed["username"],
            password=seed["password"],
            project_id=seed["project_id"],
            user_domain_id=seed["user_domain_id"],
        )
        # eclsdk 1.11.1 binds conn.sss to the v2 proxy: the v1 one is built
        # on the session (ecl-sss.md section 1.5), as the conformance
        # script does.
        return Proxy(conn.session)

    return new_client, op


def run(op, clients, start, n):
    """Runs op(client, start) .. op(client, start + n - 1) with one thread
    per client (none for a single client); returns the elapsed seconds."""
    if len(clients) == 1:
        client = clients[0]
        t0 = time.time()
        for i in range(start, start + n):
            op(client, i)
        return time.time() - t0

    lock = threading.Lock()
    state = {"next": start, "error": None}
    end = start + n

    def worker(client):
        while True:
            with lock:
                i = state["next"]
                if i >= end or state["error"] is not None:
                    return
                state["next"] = i + 1
            try:
                op(client, i)
            except Exception as err:  # report the first failure
                with lock:
                    if state["error"] is None:
                        state["error"] = err
                return

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.time() - t0
    if state["error"] is not None:
        raise state["error"]
    return secs


def warm_up(op, clients, start):
    """One untimed operation per client, all at once (each client logs in
    and opens its connection)."""
    errors = []

    def one(client, i):
        try:
            op(client, i)
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=one, args=(c, start + i))
               for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def main(argv):
    if len(argv) != 5:
        usage()
    seed = json.loads(argv[1])
    if "services" in seed:
        seed = seed["services"]["ecl-sss"]
    workload, n, concurrency = argv[2], int(argv[3]), max(int(argv[4]), 1)
    new_client, op = make(seed, workload)
    clients = [new_client() for _ in range(concurrency)]
    # The warm-up's indices follow the timed ones (the login ids stay
    # unique).
    warm_up(op, clients, n)
    secs = run(op, clients, 0, n)
    sys.stdout.write(json.dumps({"ops": n, "secs": secs}) + "\n")


if __name__ == "__main__":
    main(sys.argv)
