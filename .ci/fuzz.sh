#!/usr/bin/env bash
# Fuzz stage of CI (issue 17): builds every cargo-fuzz target on the stable
# toolchain (`-s none`: no sanitizer, so no nightly; `-a`: debug assertions
# and overflow checks) and runs each for FUZZ_SECONDS from its committed
# corpus, fuzz/corpus/<target>/, FUZZ_JOBS targets at a time.
#
# Budget: the whole stage (clean build + runs) within 6 minutes on 2 cores.
# A clean build of the ten targets takes about 8.7 minutes of CPU time
# (measured, fuzz/README.md "CI budget"), an estimated 4.5 to 5 minutes on
# 2 otherwise idle cores; the runs get the rest: 10 targets x 10 s, 2 at a
# time, about 55 s.
# Dictionaries: fuzz/dict/log_lines.dict for the log targets,
# fuzz/dict/json.dict for the JSON ones.
#
# Fails on any crash, panic, leak or timeout (a single input over 20 s), and
# prints the input (as text and base64) and the command that reproduces it.
# New corpus entries go to a temporary directory: the committed corpus is
# only read.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-10}"
jobs="${FUZZ_JOBS:-2}"
# A fixed seed: a CI run explores the same inputs first every time, so a
# run cannot pass or fail by luck of the draw (FUZZ_SEED=0: a random seed).
seed="${FUZZ_SEED:-1}"
export CARGO_TERM_COLOR=never

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

start=$(date +%s)
echo "== fuzz build (all targets, -s none, debug assertions on)"
cargo fuzz build -s none -a
echo "fuzz build took $(($(date +%s) - start)) s"
bin=fuzz/target/x86_64-unknown-linux-gnu/release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One target: its log in $work/<t>.log, its exit status in $work/<t>.rc.
run_one() {
  local t=$1 rc=0
  local dict=()
  case "$t" in
    log_lines | engine) dict=(-dict=fuzz/dict/log_lines.dict) ;;
    scenario) ;;
    *) dict=(-dict=fuzz/dict/json.dict) ;;
  esac
  mkdir -p "$work/$t" fuzz/artifacts/"$t"
  rm -f fuzz/artifacts/"$t"/*
  if [ ! -d fuzz/corpus/"$t" ]; then
    echo "no committed corpus fuzz/corpus/$t" >"$work/$t.log"
    echo 1 >"$work/$t.rc"
    return
  fi
  "$bin/$t" "$work/$t" fuzz/corpus/"$t" -artifact_prefix=fuzz/artifacts/"$t"/ \
    -max_total_time="$secs" -seed="$seed" -timeout=20 -print_final_stats=1 "${dict[@]}" \
    >"$work/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$work/$t.rc"
}

targets=$(cargo fuzz list)
echo "== fuzz runs: $(echo "$targets" | wc -w) targets, ${secs} s each, $jobs at a time"
running=0
for t in $targets; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$t" &
  running=$((running + 1))
done
wait

passed=0
failed=0
for t in $targets; do
  rc=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log")
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok  $t: ${runs:-?} inputs, ${speed:-?}/s"
    continue
  fi
  failed=$((failed + 1))
  echo "!! fuzz target $t failed (exit $rc); the end of its output:"
  grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse|INITED)' "$work/$t.log" | tail -n 60
  for f in fuzz/artifacts/"$t"/*; do
    [ -f "$f" ] || continue
    echo "!! input $f ($(wc -c <"$f") bytes), as text:"
    head -c 4096 "$f" | cat -v
    echo
    echo "!! as base64:"
    head -c 4096 "$f" | base64
    echo "!! reproduce: cargo fuzz run -s none -a $t $f"
  done
done
echo "== fuzz stage took $(($(date +%s) - start)) s"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
