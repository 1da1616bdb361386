#!/usr/bin/env bash
# Fetches and builds llama.cpp once per machine, into a cache keyed by its
# version, outside the clone. Prints the prefix on stdout when done.
#
# Source: the git bundle inside the npm package node-llama-cpp (pinned below,
# with the tarball's sha512 checked before anything is unpacked). The source
# is never vendored or committed.
#
# Layout of the prefix ($CENTAUR_LLAMA_CACHE, default
# ~/.cache/centaur/llama.cpp/<version>):
#   src/     the llama.cpp tree cloned from the bundle
#   build/   CPU-only static build: libllama, libggml*, libcommon, llama-server.
#            Without OpenMP: ggml's own thread pool sleeps when idle, where
#            libgomp's workers spin and, on a busy 2-core machine, made
#            decoding 7x slower.
#   ok       stamp written last; its presence means the prefix is complete
#
# A second call with the stamp present returns at once. The build path is
# absolute and stable, so ccache makes a rebuild after `rm -rf build` cheap.
set -euo pipefail

NPM_PACKAGE="node-llama-cpp"
NPM_VERSION="3.22.1"
LLAMA_TAG="v0.5.0"
SHA512="6e5b488a9b9699cd76dc7eed30880318a4ac4ab866865418795502e3c5d38d55bb5c624988927209d95333343f2e25a83e4183a5c2f816f883a60c3ba9f4e20f"
# The build configuration is part of the key: a changed configuration builds
# a new prefix instead of mixing objects.
BUILD_CONFIG="cpu-noomp"
KEY="${LLAMA_TAG}-${NPM_PACKAGE}-${NPM_VERSION}-${BUILD_CONFIG}"

CACHE_ROOT="${CENTAUR_LLAMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/centaur/llama.cpp}"
PREFIX="$CACHE_ROOT/$KEY"

if [ "${1:-}" = "--print-prefix" ]; then
  echo "$PREFIX"
  exit 0
fi

if [ -f "$PREFIX/ok" ]; then
  echo "$PREFIX"
  exit 0
fi

log() { echo "llama.cpp: $*" >&2; }

for tool in npm git cmake ninja sha512sum; do
  if ! command -v "$tool" >/dev/null; then
    log "'$tool' is missing; run scripts/setup.sh first"
    exit 1
  fi
done

mkdir -p "$PREFIX"
# One builder at a time per prefix (parallel `make` targets share it).
exec 9>"$PREFIX/.lock"
flock 9
if [ -f "$PREFIX/ok" ]; then
  echo "$PREFIX"
  exit 0
fi

if [ ! -f "$PREFIX/src/CMakeLists.txt" ]; then
  work="$(mktemp -d "$CACHE_ROOT/fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  log "fetching $NPM_PACKAGE@$NPM_VERSION (llama.cpp $LLAMA_TAG)"
  (cd "$work" && npm pack --silent "$NPM_PACKAGE@$NPM_VERSION" >/dev/null)
  tarball="$work/$NPM_PACKAGE-$NPM_VERSION.tgz"
  got="$(sha512sum "$tarball" | cut -d' ' -f1)"
  if [ "$got" != "$SHA512" ]; then
    log "integrity check failed for $NPM_PACKAGE-$NPM_VERSION.tgz"
    log "  expected sha512 $SHA512"
    log "  got      sha512 $got"
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/llama/gitRelease.bundle
  rm -rf "$PREFIX/src"
  git clone --quiet "$work/package/llama/gitRelease.bundle" "$work/src" 2>/dev/null
  rm -rf "$work/src/.git"
  mv "$work/src" "$PREFIX/src"
  rm -rf "$work"
  trap - EXIT
fi

launcher=()
# Paths relative to the prefix in ccache's hashes: another prefix (another
# configuration or user) reuses the objects.
export CCACHE_BASEDIR="$PREFIX"
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

log "building into $PREFIX/build (one time per machine; several minutes on 2 cores)"
cmake -S "$PREFIX/src" -B "$PREFIX/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DLLAMA_OPENSSL=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_APP=OFF \
  -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_COMMON=ON \
  -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF \
  -DGGML_OPENMP=OFF \
  "${launcher[@]}" >"$PREFIX/cmake.log" 2>&1 || {
  log "cmake failed; see $PREFIX/cmake.log"
  exit 1
}
cmake --build "$PREFIX/build" --target llama ggml llama-common llama-server \
  >"$PREFIX/build.log" 2>&1 || {
  tail -30 "$PREFIX/build.log" >&2
  log "build failed; see $PREFIX/build.log"
  exit 1
}
echo "$KEY" >"$PREFIX/ok"
log "ready"
echo "$PREFIX"
