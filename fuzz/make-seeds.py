#!/usr/bin/env python3
"""Writes the raw seed inputs of every fuzz target to OUT/<target>/ from the
test fixtures (proxy/core/testdata, proxy/testdata, scenarios/*.toml) and
the spec's examples (SPEC, by default ../shared/spec beside the
repository). A merge (`-merge=1`, README.md "Seeds and minimising") then
keeps the few that add coverage in fuzz/corpus/<target>/.

Usage: python3 fuzz/make-seeds.py OUT [SPEC]
"""
import hashlib
import json
import pathlib
import re
import sys
import zlib

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

# log_lines: every line of the captures (without the @ column), the spec's
# example lines.
for log in logs:
    for line in log.read_text().splitlines():
        put("log_lines", re.sub(r"^@\S+\s+", "", line))
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

# store_journal: journals over each of the target's four snapshots (the
# first byte), as the store writes them: one record per line, `#` lines
# (the target puts the checksum) and, once each, a line with its real
# CRC-32 (zlib's is the same IEEE polynomial) and one with a wrong one.
# Shapes of the spec's §8.1 example.

LOCK = "/cluster/node/compute-1.example.com/sync/ptp-status/lock-state"
UUID = "5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a"


def sub(id, api="v2"):
    s = {"api": api, "id": id, "resource": LOCK,
         "uriLocation": f"http://p/api/ocloudNotifications/v2/subscriptions/{id}",
         "created": "2025-05-14T14:00:02.3Z"}
    if api == "v2":
        s["endpoint"] = "http://consumer.ns.svc:8989/event"
    return s


changes = [
    {"putSubscription": sub(UUID)},
    {"putSubscription": sub("s1", "v1")},
    {"putTransportClient": {"clientId": "c1", "endpoint": "http://127.0.0.1:9/c1",
                            "subscriptions": [{"id": "t1", "resource": LOCK,
                                               "endpoint": "", "uriLocation": ""}]}},
    {"putPublishers": [{"api": "v2", "resource": LOCK,
                        "id": "a8c0b15c-567d-4b77-8b93-585794903745"}]},
    {"setSyncState": "HOLDOVER"},
    {"removeSubscriptions": [UUID, "s1"]},
    {"removeTransportClients": ["c1"]},
]


def rec(seq, chs):
    return json.dumps({"seq": seq, "changes": chs}, separators=(",", ":"))


def marked(seq, chs):
    return "#" + rec(seq, chs) + "\n"


def real(seq, chs):
    j = rec(seq, chs)
    return "%08x %s\n" % (zlib.crc32(j.encode()), j)


for snap in range(4):
    first = bytes([snap])
    every = "".join(marked(i + 1, [c]) for i, c in enumerate(changes))
    put("store_journal", first + every.encode())
    # Records the snapshot already holds (journalSeq 2 and 5), then new ones.
    put("store_journal", first + (marked(2, changes[:1]) + marked(6, changes[4:5])).encode())
    if snap == 0:
        # One record of several changes; a torn last record; a corrupt one.
        put("store_journal", first + marked(1, changes).encode())
        put("store_journal", first + (real(1, changes[:2]) + marked(2, changes[2:3])[:40]).encode())
        bad = real(2, changes[3:4])
        put("store_journal", first + (marked(1, changes[:1]) + "0" + bad[1:]
                                      + marked(3, changes[4:5])).encode())
        # An unfinished compaction: .prev after the NUL, the new journal first.
        put("store_journal", first + (marked(3, changes[4:5]) + "\0"
                                      + marked(1, changes[:1]) + marked(2, changes[2:3])).encode())
        # A gap in the numbers.
        put("store_journal", first + (marked(1, changes[:1]) + marked(4, changes[5:6])).encode())
