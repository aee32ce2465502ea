#!/usr/bin/env bash
# Builds FerretDB (MongoDB wire protocol over SQLite) once into a cache dir and prints the
# binary's path. Used by the MongoDB storage tests where no mongod can be downloaded.
#
# `go install ...@v1.24.2` is not used: it reads the module's @v/list for deprecations, which
# some proxies refuse. `go mod download` of the exact version works, then we build in a copy,
# because the module cache is read-only and FerretDB's own main package panics unless
# build/version/version.txt (normally generated from git) exists.
set -euo pipefail

VERSION="v1.24.2"
CACHE_DIR="${RELANCE_CACHE_DIR:-$HOME/.cache/relance}"
OUT_DIR="$CACHE_DIR/ferretdb-$VERSION"
BIN="$OUT_DIR/ferretdb"

if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "ferretdb.sh: Go toolchain not found" >&2; exit 1; }

SRC_DIR="$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" \
  | sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}$/\1/p')"
[[ -n "$SRC_DIR" && -d "$SRC_DIR" ]] || { echo "ferretdb.sh: go mod download gave no Dir" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

cp -R "$SRC_DIR/." "$WORK/src"
chmod -R u+w "$WORK/src"
printf '%s\n' "$VERSION" > "$WORK/src/build/version/version.txt"
printf '%s\n' "unknown" > "$WORK/src/build/version/commit.txt"
printf '%s\n' "unknown" > "$WORK/src/build/version/branch.txt"
printf '%s\n' "unknown" > "$WORK/src/build/version/package.txt"

mkdir -p "$OUT_DIR"
# Build to a temp name then rename, so a concurrent run never sees a half-written binary.
(cd "$WORK/src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$OUT_DIR/ferretdb.tmp.$$" ./cmd/ferretdb) >&2
mv -f "$OUT_DIR/ferretdb.tmp.$$" "$BIN"
echo "$BIN"
