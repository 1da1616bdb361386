#!/usr/bin/env bash
# Builds the web UI (web/): installs the packages pinned by
# web/package-lock.json when node_modules is missing or older than the
# lockfile, then bundles web/src with Vite.
#   scripts/web.sh --deps    install only (make setup)
#   scripts/web.sh OUTDIR    install when needed, then build into OUTDIR
#                            (the CMake build passes BUILD/web-dist)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web=$root/web

if ! command -v npm >/dev/null; then
  echo "web: npm is missing (scripts/setup.sh installs it), or configure with -DCENTAUR_WEB=OFF" >&2
  exit 1
fi

# One install at a time: several build directories may run this at once.
exec 9>"${TMPDIR:-/tmp}/centaur-web-$(id -u).lock"
flock 9

stamp=$web/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$web/package-lock.json" -nt "$stamp" ]; then
  # `npm install --no-save` installs exactly the lockfile's versions (and
  # checks their integrity hashes) without rewriting it. Not `npm ci`: npm 11
  # refuses lockfiles that leave out other platforms' optional packages
  # (rollup's and esbuild's native builds), which is what npm itself writes.
  echo "web: npm install (web/package-lock.json)" >&2
  (cd "$web" && npm install --no-save --no-audit --no-fund --loglevel=error >&2)
  touch "$stamp"
fi
[ "${1:-}" = "--deps" ] && exit 0

out=${1:-$web/dist}
cd "$web"
node node_modules/vite/bin/vite.js build --outDir "$out" --emptyOutDir --logLevel warn
