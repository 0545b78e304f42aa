#!/usr/bin/env python3
"""Writes the raw seed inputs of every fuzz target to OUT/<target>/ from the
test fixtures (proxy/core/testdata, proxy/testdata, scenarios/*.toml, the
log lines of the old parse seeds) and the spec's examples (SPEC, by default
../shared/spec beside the repository). `cargo fuzz cmin` then keeps the few
that matter in fuzz/corpus/<target>/ (README.md, "Seeds").

Usage: python3 fuzz/make-seeds.py OUT [SPEC]
"""
import hashlib
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = pathlib.Path(sys.argv[1])
SPEC = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT.parent / "shared" / "spec"


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def spec_text(name):
    p = SPEC / name
    return p.read_text() if p.exists() else ""


def fences(text, lang):
    return [m.strip() for m in re.findall(r"```" + lang + r"\n(.*?)```", text, re.S)]


def spec_lines():
    """Lines of the spec's fenced text blocks that look like daemon lines."""
    out = []
    for block in fences(spec_text("socket-and-lines.md"), r"[a-z]*"):
        for line in block.splitlines():
            line = line.strip()
            if re.match(r"^[A-Za-z0-9_]+\[[^\]]*\]:", line) or line.startswith("CMD "):
                out.append(line)
    return out


logs = sorted((ROOT / "proxy/core/testdata/logs").glob("*.log"))
old = ROOT / "fuzz/seeds/parse"

# log_lines: every line of the captures (without the @ column), the old
# seeds, the spec's example lines.
for log in logs:
    for line in log.read_text().splitlines():
        put("log_lines", re.sub(r"^@\S+\s+", "", line))
if old.is_dir():
    for f in sorted(old.iterdir()):
        put("log_lines", f.read_bytes())
for line in spec_lines():
    put("log_lines", line)

# engine: the captures as they are, and each split in halves.
for log in logs:
    text = log.read_text()
    put("engine", text)
    lines = text.splitlines(True)
    put("engine", "".join(lines[: len(lines) // 2]))
    put("engine", "".join(lines[len(lines) // 2 :]))

# node_config: each configuration file, NUL, each threshold profile file.
cfg = ROOT / "proxy/testdata/config"
confs = sorted(p for d in ("good", "broken") for p in (cfg / d).glob("*"))
profs = sorted((cfg / "profiles").glob("*"))
for i, c in enumerate(confs):
    p = profs[i % len(profs)]
    put("node_config", c.read_bytes() + b"\0" + p.read_bytes())

# daemon_json: JSON messages of the spec.
for line in spec_text("next-generation.md").splitlines():
    for m in re.findall(r"\{\"version\".*\}", line):
        put("daemon_json", m)

head = '{"version":1,"type":"%s","timestamp":"2026-07-24T11:47:39.123456Z","profile":"ptp4l.0.config","iface":"ens2fx"'
for kind, values in [
    ("ptp_state", '{"state":"HOLDOVER","offset":12}'),
    ("os_clock_state", '{"state":"FREERUN"}'),
    ("clock_class", '{"clock_class":248}'),
    ("gnss_state", '{"state":"ACQUIRING_SYNC","offset":5,"gps_fix":1}'),
    ("synce_state", '{"state":"LOCKED"}'),
    ("synce_clock_quality", '{"ql":1,"extended_ql":32}'),
    ("sync_state", '{"state":"LOCKED"}'),
]:
    put("daemon_json", head % kind + ',"values":' + values + "}")
for kind in ("cache_clear", "status_request", "status_response"):
    put("daemon_json", '{"version":1,"type":"%s"}' % kind)

# rest_bodies and transport_events: the spec's JSON examples.
events = []
for name in ("rest-api.md", "events-and-metrics.md", "next-generation.md"):
    for block in fences(spec_text(name), "json"):
        try:
            v = json.loads(block)
        except ValueError:
            continue
        if isinstance(v, dict) and ("data" in v or "values" in v):
            events.append(block)
        else:
            put("rest_bodies", block)
for e in events:
    put("transport_events", e)
    v = json.loads(e)
    data = v.get("data", v)
    headers = "".join(
        f"ce-{k}: {v[k]}\n" for k in ("id", "source", "type", "time") if isinstance(v.get(k), str)
    )
    put("transport_events", "content-type: application/json\nce-specversion: 0.3\n"
        + headers + "\n" + json.dumps(data, separators=(",", ":")))

# store_import: the reference's store folders, one input per role.
roles = {"v2-producer": 0, "v1-producer": 1, "v1-consumer": 2}
files = ["", "", "sub.json", "pub.json", "metrics.json"]
for name, role in roles.items():
    d = ROOT / "proxy/testdata/store" / name
    consumers = sorted(p for p in d.glob("*.json") if re.match(r"^[0-9a-f-]{36}\.json$", p.name))
    parts = []
    for i, f in enumerate(files):
        if f:
            p = d / f
        else:
            p = consumers[i] if i < len(consumers) else None
        parts.append(p.read_bytes() if p and p.exists() else b"")
    put("store_import", bytes([role]) + b"\0".join(parts))

# store_load: the spec's store example, and the importer's fixtures'
# documents (wrong shapes).
for block in fences(spec_text("events-and-metrics.md"), "json"):
    if '"format"' in block:
        put("store_load", block)
put("store_load", '{"format":1}')
for p in sorted((ROOT / "proxy/testdata/store").glob("*/*.json")):
    put("store_load", p.read_bytes())

# scenario: the scenario library.
for p in sorted((ROOT / "scenarios").glob("*.toml")):
    put("scenario", p.read_bytes())
