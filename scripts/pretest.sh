#!/usr/bin/env bash
# npm test's first half (package.json "pretest"): what the tests need, one line per
# step. A step's own output is shown only when it fails; system-deps.sh says itself
# which packages it installs, and why.
set -euo pipefail
cd "$(dirname "$0")/.."
# npm puts these on the PATH; so does running this script by hand.
export PATH="$PWD/node_modules/.bin:$PATH"

step() {
  local what="$1" log
  shift
  echo "pretest: $what" >&2
  log="$(mktemp /tmp/nodeswitch-pretest.XXXXXX.log)"
  if ! "$@" </dev/null >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "pretest: failed: $what" >&2
    exit 1
  fi
  rm -f "$log"
}

echo "pretest: the Debian packages the tests use (scripts/system-deps.sh test)" >&2
bash scripts/system-deps.sh test
step "building the addon (node-gyp build)" node-gyp build
step "building the test-only addon (test/addon: nodeswitch_testing.node)" bash scripts/build-testing-addon.sh
step "compiling the TypeScript (tsc -p tsconfig.json)" tsc -p tsconfig.json
step "type-checking the tests (tsc -p tsconfig.test.json)" tsc -p tsconfig.test.json
step "linting (npm run lint: eslint, clang-format --dry-run over native/)" npm run --silent lint
