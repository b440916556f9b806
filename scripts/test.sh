#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): type check, the tests under Bun and under Deno
# from source, the build, then the scenarios and end-to-end tests against the compiled binary.
# Ends with one plain line "N passed, N failed" holding the real totals.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export NO_COLOR=1
passed=0
failed=0
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

step() { printf '\n=== %s\n' "$*"; }

# A check that is not a test runner (type check, build) counts as one test.
check() {
  local name=$1; shift
  step "$name"
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

# bun test prints " N pass" / " N fail" on stderr.
bun_suite() {
  local name=$1; shift
  step "$name"
  local log="$log_dir/$(echo "$name" | tr -c 'a-z0-9' '_').log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -E '^\s*[0-9]+ pass$' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  f=$(grep -E '^\s*[0-9]+ fail$' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + p)); failed=$((failed + f))
  if [[ $rc -ne 0 && $f -eq 0 ]]; then failed=$((failed + 1)); echo "FAILED: $name exited $rc"; fi
}

# deno test prints "ok | N passed | N failed" (or "FAILED | ...").
deno_suite() {
  local name=$1; shift
  step "$name"
  local log="$log_dir/$(echo "$name" | tr -c 'a-z0-9' '_').log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local summary p f
  summary=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '(ok|FAILED) \| [0-9]+ passed' | tail -1)
  p=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [[ $rc -ne 0 && ${f:-0} -eq 0 ]]; then failed=$((failed + 1)); echo "FAILED: $name exited $rc"; fi
}

SOURCE_TESTS=(tests/unit tests/integration tests/scenarios)

check "type check (tsc --noEmit)" tsc --noEmit -p .
PERFLOOP_EXPECT_RUNTIME=bun bun_suite "tests under Bun (source)" bun test "${SOURCE_TESTS[@]}"
PERFLOOP_EXPECT_RUNTIME=deno deno_suite "tests under Deno (source)" deno test -A --no-check "${SOURCE_TESTS[@]}"
check "build (npm run build)" npm run --silent build
if [[ -x dist/perfloop ]]; then
  PERFLOOP_BIN="$PWD/dist/perfloop" PERFLOOP_EXPECT_RUNTIME=bun bun_suite "scenarios and e2e against dist/perfloop" bun test tests/scenarios tests/e2e
fi

echo
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
