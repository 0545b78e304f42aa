#!/usr/bin/env bash
# Time from a fresh clone to the first event printed by the README's demo.
#
#   .ci/time-to-first-event.sh [cold|warm] [REPO]
#
# cold: a fresh clone, an empty CARGO_TARGET_DIR and an empty CARGO_HOME (so
#       the registry index and every crate are downloaded too);
# warm: the same clone and directories again (nothing to build).
# Prints the seconds until the build finished and until the first event line
# ("<") of `ptp-sim demo`, and the load average before and after.
set -euo pipefail
mode=${1:-cold}
repo=${2:-$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)}
work=${TTFE_DIR:-/tmp/ttfe}
demo_cmd=${DEMO_CMD:-$(sed -n '/^## Quick start/,/^## /p' "$repo/README.md" | grep -m1 '^cargo run')}
if [ "$mode" = cold ]; then
    rm -rf "$work"
    mkdir -p "$work"
    git clone --quiet "$repo" "$work/clone"
fi
cd "$work/clone"
export CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/target"
echo "command: $demo_cmd"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
log="$work/demo.log"
: >"$log"
setsid bash -c "$demo_cmd" >"$log" 2>&1 &
pid=$!
first=""
built=""
while kill -0 "$pid" 2>/dev/null; do
    [ -n "$built" ] || { grep -q 'ptp-sim demo:' "$log" && built=$(date +%s.%N); }
    if grep -q '^ *[0-9.]*    < ' "$log"; then first=$(date +%s.%N); break; fi
    sleep 0.2
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -m1 '^ *[0-9.]*    < ' "$log" || tail -5 "$log"
# The demo's own process group: nothing it started outlives the measurement.
kill -INT -- "-$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ -z "$first" ]; then
    echo "no event line seen" >&2
    exit 1
fi
awk -v s="$start" -v b="${built:-$first}" -v f="$first" \
    'BEGIN { printf "%s: ptp-sim started after %.0f s, first event after %.0f s\n", "'"$mode"'", b - s, f - s }'
