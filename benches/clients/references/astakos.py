# -*- coding: utf-8 -*-
"""Measures the reference Python client (astakosclient 0.19, Python 2.7).

usage: python references/astakos.py SEED WORKLOAD N CONCURRENCY

SEED         the simulator's seed JSON: its whole stdout line
             ({"services": {"astakos": {...}}}) or the astakos object alone
WORKLOAD     lookup      get_usernames([one uuid]) with the user token
             commission  issue_one_commission (one (source, resource)
                         provision pair) + accept_commission, service token
N            timed operations
CONCURRENCY  1: one client, a plain loop; >1: that many threads share the
             operations (one counter), each with its own client (the
             reference client is not thread-safe: it keeps per-request
             state such as log_request on the instance), all with
             use_pool=True, pool_size=CONCURRENCY (objpool keeps one pool
             per host for the whole process, so they share the connections)

Before timing, each client runs one untimed operation (discovery,
connections), as the Rust side does. Prints one JSON line:
{"ops": N, "secs": elapsed}. Keep the requests in step with
src/astakos.rs (the tenantry and bare reqwest ways).
"""

import json
import sys
import threading
import time

from astakosclient import AstakosClient

# The commission: user:<holder> from project:<holder's base project> and the
# project holding itself, one byte of cyclades.ram each (base quota 8 GiB).
RESOURCE = "cyclades.ram"


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def make(seed, workload, concurrency):
    """(new_client, op): op(client, i) does operation i with a client."""
    pool = dict(use_pool=True, pool_size=max(concurrency, 1))
    if workload == "lookup":
        token = seed["user_token"]
        uuids = [str(u["uuid"]) for u in seed["users"]]

        def op(client, i):
            got = client.get_usernames([uuids[i % len(uuids)]])
            if not got:
                raise RuntimeError("empty uuid_catalog")
    elif workload == "commission":
        token = seed["service_token"]
        holder = str(seed["user_uuid"])
        provisions = {(holder, RESOURCE): 1}

        def op(client, i):
            serial = client.issue_one_commission(holder, provisions)
            client.accept_commission(serial)
    else:
        usage()

    def new_client():
        return AstakosClient(str(token), str(seed["auth_url"]), **pool)
    return new_client, op


def run(op, clients, start, n):
    """Runs op(client, start) .. op(client, start + n - 1) with one thread
    per client (none for a single client); returns the elapsed seconds."""
    if len(clients) == 1:
        client = clients[0]
        t0 = time.time()
        for i in xrange(start, start + n):
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


def warm_up(op, clients):
    """One untimed operation per client, all at once (each client
    discovers its endpoints; the pool opens its connections)."""
    errors = []

    def one(client, i):
        try:
            op(client, i)
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=one, args=(c, i))
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
        seed = seed["services"]["astakos"]
    workload, n, concurrency = argv[2], int(argv[3]), max(int(argv[4]), 1)
    new_client, op = make(seed, workload, concurrency)
    clients = [new_client() for _ in xrange(concurrency)]
    warm_up(op, clients)
    secs = run(op, clients, 0, n)
    sys.stdout.write(json.dumps({"ops": n, "secs": secs}) + "\n")


if __name__ == "__main__":
    main(sys.argv)
