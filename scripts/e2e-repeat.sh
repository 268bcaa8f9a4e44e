#!/usr/bin/env bash
# Runs the Playwright suite N times in a row against the builds already made
# (dist/ and the site in target/site/, whose playground/ is the sub-path build), stops at the first failing run, and prints
# a summary: a suite that cannot flake passes every time.
#
#   scripts/e2e-repeat.sh 5            # the whole suite five times
#   scripts/e2e-repeat.sh 5 e2e/a11y.spec.ts   # extra arguments go to Playwright
#
# Set E2E_PORT to move the static servers (see playwright.config.ts).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

N="${1:-}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/e2e-repeat.sh N [playwright args…]" >&2; exit 2; }
shift
[ -f dist/index.html ] && [ -f target/site/playground/index.html ] ||
    { echo "e2e-repeat: build first (scripts/dev.sh test, or its release build and scripts/dev.sh site)" >&2; exit 2; }

LOG_DIR="target/e2e-repeat"
mkdir -p "$LOG_DIR"
summary=()
status=0
for i in $(seq 1 "$N"); do
    log="$LOG_DIR/run-$i.log"
    t0=$(date +%s)
    if npx playwright test "$@" >"$log" 2>&1; then result="passed"; else result="FAILED"; status=1; fi
    dt=$(($(date +%s) - t0))
    counts="$(grep -E '^\s+[0-9]+ (passed|failed|flaky|skipped)' "$log" | tr -s ' ' | tr '\n' ' ')"
    summary+=("$(printf 'run %2d/%d: %-6s %4ds  %s' "$i" "$N" "$result" "$dt" "$counts")")
    echo "${summary[-1]}"
    if [ "$status" -ne 0 ]; then
        echo "e2e-repeat: run $i failed; its output is in $log:" >&2
        tail -n 60 "$log" >&2
        break
    fi
done
echo "e2e-repeat summary:"
printf '  %s\n' "${summary[@]}"
if [ "$status" -eq 0 ]; then echo "e2e-repeat: all $N runs passed"; fi
exit "$status"
