#!/usr/bin/env bash
# Puts the offline RustSec advisory database where `cargo deny --offline` looks
# for it (deny.toml: db-path = ".ci/cache/advisory-dbs").
#
# cargo-deny reads a database only as a git checkout, in a folder named after the
# database URL: for https://github.com/rustsec/advisory-db that is
# `advisory-db-3157b0e258782691` (last URL path segment + xxhash64 of the URL).
# This machine cannot reach github.com, so the snapshot in ../shared/advisory-db
# (see its SNAPSHOT file) is copied there and committed in a throwaway repo.
#
# Idempotent: when the checkout already holds this snapshot, unchanged, only the
# fetch time is renewed (cargo-deny refuses a database "fetched" more than 90
# days ago; we re-fetch it from the snapshot on every run).
#
# Env: TENANTRY_ADVISORY_SNAPSHOT overrides the snapshot location.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
snapshot=${TENANTRY_ADVISORY_SNAPSHOT:-$root/../shared/advisory-db}
dbs=$root/.ci/cache/advisory-dbs
dest=$dbs/advisory-db-3157b0e258782691

if [ ! -d "$snapshot/crates" ]; then
  echo "setup-advisory-db: no advisory database snapshot at $snapshot (expected a crates/ folder)" >&2
  exit 1
fi
snapshot=$(cd "$snapshot" && pwd)
stamp="$(cat "$snapshot/SNAPSHOT" 2>/dev/null || echo "unknown snapshot") [from $snapshot]"

# git with a fixed identity, no signing, no hooks, whatever the user's config says.
g() {
  git -C "$dest" -c user.name="tenantry ci" -c user.email="ci@tenantry.invalid" \
    -c commit.gpgsign=false -c core.hooksPath=/dev/null -c core.autocrlf=false "$@"
}

current() {
  [ -d "$dest/.git" ] &&
    [ "$(cat "$dest/.git/tenantry-snapshot" 2>/dev/null)" = "$stamp" ] &&
    g rev-parse --verify -q HEAD >/dev/null &&
    [ -z "$(g status --porcelain --untracked-files=all)" ]
}

if current; then
  echo "advisory db: up to date at $dest"
else
  echo "advisory db: copying $snapshot -> $dest"
  if [ -e "$dest" ]; then
    chmod -R u+w "$dest"
    rm -rf "$dest"
  fi
  mkdir -p "$dest"
  cp -R "$snapshot/." "$dest/"
  chmod -R u+w "$dest" # the snapshot is read-only; keep our copy removable
  git init -q -b main "$dest"
  g add -A
  # Fixed author and date (the snapshot's, when its SNAPSHOT file names one): same
  # snapshot, same commit id.
  date=$(grep -o -m1 '[0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}' "$snapshot/SNAPSHOT" 2>/dev/null || true)
  date="${date:-2000-01-01}T00:00:00Z"
  GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
    g commit -q --no-verify -m "RustSec advisory-db snapshot" -m "$stamp"
  printf '%s\n' "$stamp" >"$dest/.git/tenantry-snapshot"
fi

# Record the "fetch" (cargo-deny takes the fetch time from FETCH_HEAD's mtime).
printf '%s\t\tbranch '\''main'\'' of %s\n' "$(g rev-parse HEAD)" "$snapshot" >"$dest/.git/FETCH_HEAD"
echo "advisory db: $(head -n 1 "$snapshot/SNAPSHOT" 2>/dev/null || echo "snapshot without SNAPSHOT file")"
