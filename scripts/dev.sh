#!/usr/bin/env bash
# The playground's one entry point for people and CI.
#
#   scripts/dev.sh serve   set up what is missing, then serve the playground
#   scripts/dev.sh test    set up what is missing, then run every check and test
#   scripts/dev.sh site    build the guide with the playground into one static
#                          site, target/site/ (SITE_PREFIX=/sub/path to publish
#                          it under a sub-path)
#   scripts/dev.sh bench   the engine and browser benchmarks (figures, not pass/fail)
#   scripts/dev.sh fuzz    the long fuzz run: a million inputs per target and
#                          10,000 fault schedules per preset (FUZZ_SEED=S
#                          repeats a run; FUZZ_INPUTS, SWEEP_SCHEDULES change
#                          the sizes)
#
# Why a shell script: it has to run on a machine with nothing but the stock
# toolchain, before any of our Rust compiles, and most of its work is calling
# other installers (rustup, cargo install, npm, apt). Every install step checks
# first and is skipped when its tool is already there at the right version, so a
# second run starts working within seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRUNK_VERSION="0.22.1"
MDBOOK_VERSION="0.5.4"
SERVE_PORT="${PORT:-8080}"
# The guide at the root, the playground in playground/ (see build_site).
SITE_DIR="target/site"

# wasm-opt from npm's binaryen comes first: Debian's older wasm-opt breaks the
# bundle (see ../shared/TOOLCHAIN.md), and Trunk finds tools only on PATH.
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# The engine's determinism test in the browser runs every preset; give it time.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"

START_ALL=$(date +%s)
TIMINGS=()

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33m!!  %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mxx  %s\033[0m\n' "$*" >&2; exit 1; }

# run_step NAME CMD...: runs CMD, records and prints how long it took.
run_step() {
    local name="$1"
    shift
    say "$name"
    local t0
    t0=$(date +%s)
    "$@"
    local dt=$(($(date +%s) - t0))
    TIMINGS+=("$(printf '%-44s %4ds' "$name" "$dt")")
    say "$name: done in ${dt}s"
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        die "need root to run: $* (install it yourself or run as root)"
    fi
}

# The wasm-bindgen version Cargo.lock resolved; the CLI must match it exactly.
locked_wasm_bindgen() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_target() {
    if rustup target list --installed | grep -qx wasm32-unknown-unknown; then return; fi
    run_step "install Rust target wasm32-unknown-unknown" rustup target add wasm32-unknown-unknown
}

ensure_trunk() {
    if command -v trunk >/dev/null && [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
        return
    fi
    say "Trunk $TRUNK_VERSION is missing: compiling it from crates.io (several minutes, once)."
    # --ignore-rust-version: Trunk 0.22 declares a newer rustc than this
    # machine's but builds fine with it. Its release profile asks for fat LTO,
    # one codegen unit and full optimisation, which matter little for a build
    # tool that mostly waits on cargo; relaxing them cut the cold compile here
    # from about 8.5 to 5 minutes.
    run_step "install trunk $TRUNK_VERSION" \
        env CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        cargo install --locked --ignore-rust-version "trunk@$TRUNK_VERSION"
}

ensure_mdbook() {
    if command -v mdbook >/dev/null && [ "$(mdbook --version 2>/dev/null)" = "mdbook v$MDBOOK_VERSION" ]; then
        return
    fi
    # Only the search feature: the live-reload server (`mdbook serve`) is not
    # needed to build, and leaving it out compiles faster.
    run_step "install mdbook $MDBOOK_VERSION" \
        cargo install --locked mdbook --version "$MDBOOK_VERSION" --no-default-features --features search
}

ensure_wasm_bindgen() {
    local want
    want="$(locked_wasm_bindgen)"
    [ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
    grep -q "^wasm_bindgen = \"$want\"" Trunk.toml ||
        die "Trunk.toml [tools] wasm_bindgen must be \"$want\" (the version in Cargo.lock)"
    if command -v wasm-bindgen >/dev/null && [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $want" ] &&
        command -v wasm-bindgen-test-runner >/dev/null; then
        return
    fi
    # No --locked: the CLI's own lockfile pins a crate the registry no longer has.
    run_step "install wasm-bindgen-cli $want" cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_node_modules() {
    if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] &&
        wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
        return
    fi
    run_step "npm ci (Playwright test runner, binaryen's wasm-opt)" npm ci --no-audit --no-fund
    wasm-opt --version | grep -q 'version 132' || die "wasm-opt on PATH is not binaryen 132: $(command -v wasm-opt)"
}

ensure_chromium() {
    if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return; fi
    install_chromium() {
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
    }
    run_step "install chromium + chromium-driver (Debian)" install_chromium
}

# Trunk builds offline, so cargo must already hold every crate.
fetch_crates() {
    cargo fetch --locked >/dev/null
}

setup_serve() {
    ensure_wasm_target
    ensure_trunk
    ensure_wasm_bindgen
    ensure_node_modules
    fetch_crates
}

setup_test() {
    setup_serve
    ensure_mdbook
    ensure_chromium
}

print_timings() {
    local total=$(($(date +%s) - START_ALL))
    say "timings"
    for t in "${TIMINGS[@]}"; do printf '    %s\n' "$t"; done
    printf '    %-44s %4ds\n' "total" "$total"
}

cmd_serve() {
    setup_serve
    say "Serving the playground at http://127.0.0.1:$SERVE_PORT/ (Ctrl-C stops; edits rebuild)"
    # The `serve` profile (Cargo.toml): optimised dependencies, so the
    # development build keeps its frames, and quick rebuilds of the app.
    exec trunk serve --port "$SERVE_PORT" --cargo-profile serve
}

build_release() {
    trunk build --release
    # The post_build hook wrote the content security policy; check the page kept it.
    node scripts/csp.mjs --check dist/index.html
}

# build_site PREFIX: the guide (docs/, mdBook) at the site's root and the
# playground's release build in playground/, as one static site in
# target/site/. PREFIX is the path the site will be served under: empty for a
# host's root, "/orderflow" to publish it at https://example.org/orderflow/.
# The guide's links and iframes are relative, so only the playground's build
# needs to know it (Trunk writes absolute asset paths).
build_site() {
    local prefix="${1%/}"
    [[ -z "$prefix" || "$prefix" =~ ^(/[A-Za-z0-9._~-]+)+$ ]] ||
        die "SITE_PREFIX must be empty or a path such as /orderflow (letters, digits, . _ ~ -), not '$1'"
    # mdBook empties its output folder first, so the playground goes in after.
    # site-url is where the 404 page finds the book's files.
    MDBOOK_OUTPUT__HTML__SITE_URL="$prefix/" mdbook build docs --dest-dir "$ROOT/$SITE_DIR"
    # No inline script left in the book; every page declares the policy.
    node scripts/site-csp.mjs "$SITE_DIR"
    trunk build --release --public-url "$prefix/playground/" --dist "$SITE_DIR/playground"
    node scripts/csp.mjs --check "$SITE_DIR/playground/index.html"
}

cmd_site() {
    setup_serve
    ensure_mdbook
    run_step "site: the guide (mdbook) + the playground (trunk) into $SITE_DIR/" build_site "${SITE_PREFIX:-}"
    print_timings
    say "The site is in $SITE_DIR/: upload its contents to ${SITE_PREFIX:-the root of a static host}/ (see README)."
    say "To look at it here: python3 -m http.server 8000 --bind 127.0.0.1 --directory $SITE_DIR"
}

cmd_test() {
    setup_test
    run_step "cargo fmt --check" cargo fmt --all -- --check
    run_step "clippy (native)" cargo clippy --workspace --all-targets --locked -- -D warnings
    run_step "clippy (wasm32)" cargo clippy --workspace --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
    # The fuzz targets run a few seconds each here (FUZZ_SECONDS), on a fixed
    # seed; `scripts/dev.sh fuzz` is the long run.
    run_step "native tests (cargo test; fuzz targets 3 s each)" \
        env FUZZ_SECONDS=3 cargo test --workspace --locked
    run_step "browser tests (wasm-bindgen-test, headless Chromium)" \
        cargo test --workspace --locked --target wasm32-unknown-unknown
    run_step "release build (trunk, at /)" build_release
    # The site's playground is also the release build under /playground/ that
    # the sub-path end-to-end tests use.
    run_step "site: guide + playground under /playground/ (mdbook, trunk)" build_site ""
    run_step "end-to-end tests (Playwright)" npx playwright test
    # Memory over two minutes of play at 1000x with faults; the 30-minute run
    # is `node scripts/soak.mjs` (see README).
    run_step "soak (2 minutes)" node scripts/soak.mjs --minutes 2
    run_step "bundle size" node scripts/size-report.mjs dist
    print_timings
    say "all tests passed"
}

# Benchmarks that print figures (not pass/fail): the engine natively, then
# the release build in headless Chromium.
cmd_bench() {
    setup_test
    run_step "engine benchmark (orderflow bench)" cargo run --locked -q -p orderflow-sim --profile perf -- bench
    run_step "release build" trunk build --release
    run_step "browser benchmark" node scripts/bench-browser.mjs dist
    print_timings
}

# The long fuzz run (not part of `test`): every fuzz target (the engine's:
# scenario bytes, scenario trees, typed scenarios, commands; the app's: raw
# and mutated links, and seeking against fresh runs, scaled to whole runs)
# with FUZZ_INPUTS inputs each, then the invariant sweep with
# SWEEP_SCHEDULES random fault schedules per preset. Prints the counts per
# target and the seed; a failing input is saved under target/fuzz-failures/
# with the command that reproduces it.
cmd_fuzz() {
    local seed="${FUZZ_SEED:-$(date +%s)}"
    local inputs="${FUZZ_INPUTS:-1000000}"
    local schedules="${SWEEP_SCHEDULES:-10000}"
    local log="target/fuzz-$seed.log"
    mkdir -p target
    say "fuzz: $inputs inputs per target, seed $seed (FUZZ_SEED=$seed repeats this run); log in $log"
    run_step "fuzz targets ($inputs inputs each)" \
        bash -c "set -o pipefail; FUZZ_SEED=$seed FUZZ_INPUTS=$inputs cargo test --workspace --locked fuzz_ -- --nocapture --test-threads=2 2>&1 | tee $log"
    run_step "invariant sweep ($schedules fault schedules per preset)" \
        bash -c "set -o pipefail; SWEEP_SCHEDULES=$schedules cargo test --workspace --locked invariants_hold_under_random_faults -- --nocapture 2>&1 | tee -a $log"
    print_timings
    say "counts (seed $seed)"
    grep -oE '(fuzz fuzz_|sweep ).*' "$log" | sed 's/^/    /'
}

case "${1:-}" in
serve) cmd_serve ;;
test) cmd_test ;;
site) cmd_site ;;
bench) cmd_bench ;;
fuzz) cmd_fuzz ;;
*)
    echo "usage: scripts/dev.sh serve | test | site | bench | fuzz" >&2
    exit 2
    ;;
esac
