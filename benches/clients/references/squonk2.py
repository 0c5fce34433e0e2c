"""Measures the reference Python client (im-squonk2-client 7.0.0, Python 3.11).

usage: python references/squonk2.py SEED WORKLOAD N CONCURRENCY

SEED         the simulator's squonk2-as seed object plus the bench data:
             {"api_url", "keycloak_url", "realm", "client_id",
              "admin": {"username", "password"}, ...,
              "bench": {"unit_id", "charged_product_id", "products",
                        "charges", "product_id_prefix"}}
             (src/squonk2.rs reference_seed)
WORKLOAD     list  AsApi.get_products_for_unit (every product of the bench
                   unit), then AsApi.get_product_charges (every charge of
                   the charged product)
             get   AsApi.get_product, the id cycling through the bench
                   unit's products
N            timed operations
CONCURRENCY  1: a plain loop; >1: that many threads share the operations
             (one counter). AsApi's classmethods hold one process-wide lock
             (wrapt.synchronized), so its calls run one at a time whatever
             the threads: that is the reference as it is.

The token comes from the reference's own Auth.get_access_token (password
grant as the AS administrator, against the simulated Keycloak), once per
process; the AsApi classmethods are used unmodified. Before timing, one
untimed operation (the reference pools no connections to warm). Prints one JSON
line: {"ops": N, "secs": elapsed}. Keep the requests in step with
src/squonk2.rs (the tenantry and bare reqwest ways).
"""

import json
import os
import sys
import threading
import time

# This file is named squonk2.py like the others (references/<service>.py):
# its own folder must not be searched first, or `import squonk2` finds this
# script instead of the reference's package.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != _here]

from squonk2.as_api import AsApi  # noqa: E402
from squonk2.auth import Auth  # noqa: E402

# Every call's timeout_s: the Rust clients' 30 s (TransportConfig's
# default) instead of the reference's 4 s, so that a loaded machine times
# all three out alike (a listing of 10,000 products is built whole before
# its first byte is sent).
TIMEOUT_S = 30


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def ok(rv, what):
    if not rv.success:
        raise RuntimeError("%s: status %s: %s" % (what, rv.http_status_code, rv.msg))
    return rv.msg


def make(seed, workload):
    """op(token, i): operation i."""
    bench = seed["bench"]
    unit_id = bench["unit_id"]
    charged = bench["charged_product_id"]
    n_products, n_charges = bench["products"], bench["charges"]
    prefix = bench["product_id_prefix"]
    if workload == "list":

        def op(token, i):
            msg = ok(AsApi.get_products_for_unit(token, unit_id=unit_id, timeout_s=TIMEOUT_S), "products")
            if len(msg["products"]) != n_products:
                raise RuntimeError(
                    "listed %d products, expected %d" % (len(msg["products"]), n_products)
                )
            msg = ok(AsApi.get_product_charges(token, product_id=charged, timeout_s=TIMEOUT_S), "charges")
            if len(msg["items"]) != n_charges:
                raise RuntimeError(
                    "listed %d charges, expected %d" % (len(msg["items"]), n_charges)
                )
    elif workload == "get":

        def op(token, i):
            product_id = "%s%012d" % (prefix, i % n_products)
            msg = ok(AsApi.get_product(token, product_id=product_id, timeout_s=TIMEOUT_S), "product")
            got = msg["product"]["id"]
            if got != product_id:
                raise RuntimeError("asked for %s, got %s" % (product_id, got))
    else:
        usage()
    return op


def run(op, token, threads, start, n):
    """Runs op(token, start) .. op(token, start + n - 1) on `threads`
    threads (none for one); returns the elapsed seconds."""
    if threads == 1:
        t0 = time.time()
        for i in range(start, start + n):
            op(token, i)
        return time.time() - t0

    lock = threading.Lock()
    state = {"next": start, "error": None}
    end = start + n

    def worker():
        while True:
            with lock:
                i = state["next"]
                if i >= end or state["error"] is not None:
                    return
                state["next"] = i + 1
            try:
                op(token, i)
            except Exception as err:  # report the first failure
                with lock:
                    if state["error"] is None:
                        state["error"] = err
                return

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.time()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    secs = time.time() - t0
    if state["error"] is not None:
        raise state["error"]
    return secs


def main(argv):
    if len(argv) != 5:
        usage()
    seed = json.loads(argv[1])
    if "services" in seed:
        seed = seed["services"]["squonk2-as"]
    workload, n, concurrency = argv[2], int(argv[3]), max(int(argv[4]), 1)
    op = make(seed, workload)
    AsApi.set_api_url(seed["api_url"])
    token = Auth.get_access_token(
        keycloak_url=seed["keycloak_url"],
        keycloak_realm=seed["realm"],
        keycloak_client_id=seed["client_id"],
        username=seed["admin"]["username"],
        password=seed["admin"]["password"],
    )
    if not token:
        raise RuntimeError("no token from the simulated Keycloak")
    # The warm-up: one untimed operation. The reference keeps no connection
    # pool to fill (`requests.request` per call, a new connection each
    # time), so one per thread would warm nothing more; and 64 listings
    # of 10,000 entries, one after another under the reference's lock,
    # outlast the simulated Keycloak's 300 s token.
    run(op, token, 1, n, 1)
    secs = run(op, token, concurrency, 0, n)
    sys.stdout.write(json.dumps({"ops": n, "secs": secs}) + "\n")


if __name__ == "__main__":
    main(sys.argv)
