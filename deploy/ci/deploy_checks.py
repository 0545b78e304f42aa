#!/usr/bin/env python3
"""Checks of the deployment files that need more than a shell one-liner.

Called by .ci/deploy-checks.sh with the Python of its tool venv (PyYAML is
installed there). Every subcommand prints what it checked and exits non-zero
on the first kind of failure it finds, after reporting all instances of it.

  split RENDERED.yaml CORE.yaml CRD.yaml
      Split a rendered kustomization into objects of built-in kinds (for
      kubernetes-validate) and Prometheus Operator objects (checked here).
  crds CRD.yaml... --services RENDERED.yaml...
      Structural check of ServiceMonitor and PrometheusRule objects.
  rules-sync RULES.yaml PROMETHEUSRULE.yaml
      The PrometheusRule's spec.groups equal the plain rules file's groups.
  dashboard DASHBOARD.json
      The dashboard parses and every panel has a unique id, a datasource and
      non-empty queries.
  metrics SCRAPE.txt --rules RULES.yaml --dashboard DASHBOARD.json
      Every openshift_ptp_* / cne_* name the rules and the dashboard query
      appears in the scrape, and every label they match on exists there.
  guide GUIDE.md RENDERED.yaml...
      Every argument of the proxy and ptp-sim containers in the manifests
      appears verbatim in the operator guide.
"""

import json
import re
import sys

import yaml

CRD_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}
# Labels that Prometheus adds at scrape time (target labels); they are not
# in a raw /metrics scrape.
TARGET_LABELS = {"namespace", "pod", "service", "job", "instance", "container"}
METRIC_RE = re.compile(r"\b((?:openshift_ptp|cne)_[a-zA-Z0-9_]+)")
SELECTOR_RE = re.compile(r"\b((?:openshift_ptp|cne)_[a-zA-Z0-9_]+)\s*\{([^}]*)\}")
MATCHER_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*')
GROUPING_RE = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def fail(msgs):
    for m in msgs:
        print(f"  FAIL {m}")
    sys.exit(1)


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def cmd_split(rendered, core_out, crd_out):
    core, crds = [], []
    for d in load_docs(rendered):
        (crds if (d.get("apiVersion"), d.get("kind")) in CRD_KINDS else core).append(d)
    for path, docs in ((core_out, core), (crd_out, crds)):
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump_all(docs, f, sort_keys=False)
    print(f"  {rendered}: {len(core)} objects for schema validation, "
          f"{len(crds)} Prometheus Operator objects for the structural check")


def cmd_crds(crd_files, rendered_files):
    errors = []
    services = []
    for p in rendered_files:
        services += [d for d in load_docs(p) if d.get("kind") == "Service"]
    n = 0
    for p in crd_files:
        for d in load_docs(p):
            n += 1
            kind, meta, spec = d.get("kind"), d.get("metadata") or {}, d.get("spec") or {}
            where = f"{p}: {kind}/{meta.get('name')}"
            if not meta.get("name") or not meta.get("namespace"):
                errors.append(f"{where}: metadata.name and metadata.namespace are required")
            if kind == "ServiceMonitor":
                eps = spec.get("endpoints")
                sel = (spec.get("selector") or {}).get("matchLabels") or {}
                if not isinstance(eps, list) or not eps:
                    errors.append(f"{where}: spec.endpoints must be a non-empty list")
                    continue
                if not sel:
                    errors.append(f"{where}: spec.selector.matchLabels is required")
                allowed = {"port", "targetPort", "path", "scheme", "interval", "scrapeTimeout",
                           "bearerTokenFile", "tlsConfig", "honorLabels", "honorTimestamps",
                           "relabelings", "metricRelabelings", "params", "authorization"}
                for ep in eps:
                    extra = set(ep) - allowed
                    if extra:
                        errors.append(f"{where}: unknown endpoint fields {sorted(extra)}")
                    if ep.get("scheme") not in (None, "http", "https"):
                        errors.append(f"{where}: scheme must be http or https")
                # The selector must match a Service of the manifests that has
                # a port of that name.
                ns = set(((spec.get("namespaceSelector") or {}).get("matchNames")) or [meta.get("namespace")])
                matched = [s for s in services
                           if (s["metadata"].get("namespace") in ns)
                           and all((s["metadata"].get("labels") or {}).get(k) == v for k, v in sel.items())]
                if not matched:
                    errors.append(f"{where}: selector {sel} matches no Service of the producer manifests")
                for ep in eps:
                    if matched and not any(ep.get("port") in [pt.get("name") for pt in s["spec"].get("ports", [])]
                                           for s in matched):
                        errors.append(f"{where}: no selected Service has a port named {ep.get('port')!r}")
            elif kind == "PrometheusRule":
                groups = spec.get("groups")
                if not isinstance(groups, list) or not groups:
                    errors.append(f"{where}: spec.groups must be a non-empty list")
                    continue
                for g in groups:
                    for r in g.get("rules") or []:
                        if not (("alert" in r) ^ ("record" in r)) or "expr" not in r:
                            errors.append(f"{where}: rule needs expr and exactly one of alert/record: {r}")
    if errors:
        fail(errors)
    print(f"  {n} ServiceMonitor/PrometheusRule objects structurally valid")


def cmd_rules_sync(rules_path, prule_path):
    with open(rules_path, encoding="utf-8") as f:
        plain = yaml.safe_load(f)["groups"]
    docs = load_docs(prule_path)
    groups = docs[0]["spec"]["groups"]
    if plain != groups:
        fail([f"{prule_path} spec.groups differ from {rules_path}; copy the rules file into it"])
    print(f"  {prule_path} carries the same {len(plain)} rule groups as {rules_path}")


def dashboard_exprs(dash):
    exprs = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets") or []:
                if t.get("expr"):
                    exprs.append((f"panel {p.get('title')!r}", t["expr"]))
            walk(p.get("panels") or [])

    walk(dash.get("panels") or [])
    for v in (dash.get("templating") or {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query" and q:
            exprs.append((f"variable ${v.get('name')}", q))
    return exprs


def cmd_dashboard(path):
    errors = []
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    for key in ("title", "uid", "panels", "schemaVersion"):
        if key not in dash:
            errors.append(f"{path}: missing {key}")
    ids = []
    n_targets = 0

    def walk(panels):
        nonlocal n_targets
        for p in panels:
            ids.append(p.get("id"))
            if p.get("type") != "row":
                if not p.get("datasource"):
                    errors.append(f"panel {p.get('title')!r}: no datasource")
                if not p.get("targets"):
                    errors.append(f"panel {p.get('title')!r}: no queries")
                for t in p.get("targets") or []:
                    n_targets += 1
                    if not (t.get("expr") or "").strip():
                        errors.append(f"panel {p.get('title')!r}: empty query {t.get('refId')}")
            walk(p.get("panels") or [])

    walk(dash.get("panels") or [])
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        errors.append(f"duplicate panel ids {sorted(dup)}")
    if errors:
        fail(errors)
    print(f"  {path}: {len(ids)} panels, {n_targets} queries")


def parse_scrape(path):
    """name -> set of label names, for every sample line of a text scrape."""
    series = {}
    sample_re = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+")
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"')
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = sample_re.match(line)
            if not m:
                continue
            labels = set(label_re.findall(m.group(3) or ""))
            series.setdefault(m.group(1), set()).update(labels)
    return series


def cmd_metrics(scrape, rules_path, dash_path):
    series = parse_scrape(scrape)
    if not series:
        fail([f"{scrape}: no samples"])
    exprs = []
    with open(rules_path, encoding="utf-8") as f:
        for g in yaml.safe_load(f)["groups"]:
            for r in g["rules"]:
                exprs.append((f"rule {r.get('alert') or r.get('record')}", r["expr"]))
    with open(dash_path, encoding="utf-8") as f:
        exprs += [(f"dashboard {w}", e) for w, e in dashboard_exprs(json.load(f))]
    errors, names = [], set()
    for where, expr in exprs:
        for name in METRIC_RE.findall(expr):
            names.add(name)
            if name not in series:
                errors.append(f"{where}: {name} is not in {scrape}")
        for name, body in SELECTOR_RE.findall(expr):
            for m in MATCHER_RE.finditer(body):
                lbl = m.group(1)
                if lbl in TARGET_LABELS or name not in series:
                    continue
                if lbl not in series[name]:
                    errors.append(f"{where}: {name} has no label {lbl!r} in {scrape}")
        # Labels in by()/without() must exist on at least one queried metric
        # (or be target labels / le).
        used = set(METRIC_RE.findall(expr))
        have = set().union(*(series.get(n, set()) for n in used)) if used else set()
        for grp in GROUPING_RE.findall(expr):
            for lbl in [x.strip() for x in grp.split(",") if x.strip()]:
                if lbl not in have and lbl not in TARGET_LABELS and lbl != "le":
                    errors.append(f"{where}: grouping label {lbl!r} is on none of {sorted(used)}")
    if errors:
        fail(errors)
    print(f"  {len(names)} metric names in {len(exprs)} queries, all present in {scrape}")


def cmd_guide(guide, rendered_files):
    with open(guide, encoding="utf-8") as f:
        text = f.read()
    errors, n = [], 0
    for p in rendered_files:
        for d in load_docs(p):
            spec = (((d.get("spec") or {}).get("template") or {}).get("spec") or {})
            for c in spec.get("containers") or []:
                image = c.get("image") or ""
                cmd = " ".join(c.get("command") or [])
                if "cloud-event-proxy" not in image:
                    continue
                for a in c.get("args") or []:
                    n += 1
                    # $(NODE_NAME) is the kubelet's expansion syntax; the guide
                    # shows the same string.
                    if a not in text:
                        errors.append(f"{p}: {d['kind']}/{d['metadata']['name']} "
                                      f"container {c['name']} ({cmd or 'cloud-event-proxy'}) "
                                      f"argument {a!r} is not in {guide}")
    if errors:
        fail(errors)
    print(f"  {n} container arguments of the manifests appear in {guide}")


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "split":
        cmd_split(*args)
    elif cmd == "crds":
        i = args.index("--services")
        cmd_crds(args[:i], args[i + 1:])
    elif cmd == "rules-sync":
        cmd_rules_sync(*args)
    elif cmd == "dashboard":
        cmd_dashboard(*args)
    elif cmd == "metrics":
        cmd_metrics(args[0], args[args.index("--rules") + 1], args[args.index("--dashboard") + 1])
    elif cmd == "guide":
        cmd_guide(args[0], args[1:])
    else:
        print(f"unknown subcommand {cmd}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
