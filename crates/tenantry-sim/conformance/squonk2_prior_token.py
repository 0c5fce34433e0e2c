"""im-squonk2-client's Auth.get_access_token(prior_token=...) against the
tenantry-sim Keycloak: the prior token must verify against the realm's
public_key (RS256) and be handed back; a tampered one must be refused.

Usage: python squonk2_prior_token.py KEYCLOAK_URL
Prints one JSON line with what happened; exits non-zero on any failure.
"""

import base64
import json
import sys

from squonk2.auth import Auth


def main():
    url = sys.argv[1]
    common = dict(
        keycloak_url=url,
        keycloak_realm="squonk2",
        keycloak_client_id="account-server-api",
        username="dlister",
        password="dlister-pass",
    )
    first = Auth.get_access_token(**common)
    assert first, "no token from the token endpoint"
    again = Auth.get_access_token(prior_token=first, **common)
    assert again == first, "the prior token was not re-used"

    header, payload, signature = first.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["preferred_username"] = "admin"
    forged_payload = (
        base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    )
    forged = ".".join([header, forged_payload, signature])
    try:
        Auth.get_access_token(prior_token=forged, **common)
    except Exception as exc:  # authlib's BadSignatureError
        refused = type(exc).__name__
    else:
        raise AssertionError("a forged prior token was accepted")

    print(
        json.dumps(
            {
                "reused": again == first,
                "forged_refused_with": refused,
                "preferred_username": json.loads(
                    base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
                )["preferred_username"],
            }
        )
    )


if __name__ == "__main__":
    main()
