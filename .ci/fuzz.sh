#!/usr/bin/env bash
# Fuzz stage of CI (issue 17): builds every cargo-fuzz target on the stable
# toolchain (`-s none`: no sanitizer, so no nightly) and runs each for
# FUZZ_SECONDS (default 20) from its committed corpus, fuzz/corpus/<target>/.
# Fails on any crash, leak or timeout, and prints the input that caused it.
# New corpus entries go to a temporary directory: the committed corpus is
# only read.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-20}"
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
echo "fuzz build took $(( $(date +%s) - start )) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for t in $(cargo fuzz list); do
  mkdir -p "$work/$t" fuzz/corpus/"$t"
  dict=()
  case "$t" in
    log_lines | engine) dict=(-dict=fuzz/dict/log_lines.dict) ;;
  esac
  echo "== fuzz $t (${secs} s)"
  rm -rf fuzz/artifacts/"$t"
  if cargo fuzz run -s none -a "$t" "$work/$t" fuzz/corpus/"$t" -- \
      -max_total_time="$secs" -seed="$seed" -timeout=20 -print_final_stats=1 "${dict[@]}" \
      >"$work/$t.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done ' "$work/$t.log" || true
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "!! fuzz target $t failed; the end of its output:"
    tail -n 60 "$work/$t.log"
    for f in fuzz/artifacts/"$t"/*; do
      [ -f "$f" ] || continue
      echo "!! input $f ($(wc -c <"$f") bytes), as text:"
      head -c 4096 "$f" | cat -v
      echo
      echo "!! as base64:"
      head -c 4096 "$f" | base64
      echo "!! reproduce: cargo fuzz run -s none -a $t $f"
    done
  fi
done
echo "== fuzz stage took $(( $(date +%s) - start )) s"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
