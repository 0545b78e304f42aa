//! The checker against the spec's own examples, and against bodies that
//! are wrong on purpose: a document that accepted anything would pass every
//! black-box test.

use serde_json::{json, Value};

use super::{document, segments_match, Drift};

const NODE: &str = "compute-1.example.com";
const V2: &str = "/api/ocloudNotifications/v2";
const V1: &str = "/api/ocloudNotifications/v1";

fn ok(method: &str, path: &str, status: u16, ct: &str, body: &Value) {
    let bytes = serde_json::to_vec(body).expect("serialise");
    if let Err(e) = document().validate_response(method, path, status, Some(ct), &bytes) {
        panic!("should be valid: {e}");
    }
}

fn drift(method: &str, path: &str, status: u16, ct: Option<&str>, body: &[u8]) -> Drift {
    match document().validate_response(method, path, status, ct, body) {
        Ok(()) => panic!(
            "{method} {path} {status} should not validate: {}",
            String::from_utf8_lossy(body)
        ),
        Err(e) => e,
    }
}

fn bad(method: &str, path: &str, status: u16, ct: &str, body: &Value) -> Drift {
    drift(
        method,
        path,
        status,
        Some(ct),
        &serde_json::to_vec(body).expect("serialise"),
    )
}

const JSON: &str = "application/json";
const PROBLEM: &str = "application/problem+json";

/// events-and-metrics.md §5 lock-state push.
fn lock_push() -> Value {
    json!({"specversion":"1.0","id":"f7a7c7d6-4b0b-4c5c-9a8a-2b9f0c4d1e11","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","time":"2025-05-14T14:11:24.123456789Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"-3"}]}})
}

fn subscription_info() -> Value {
    json!({"ResourceAddress":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","EndpointUri":"http://consumer-events-subscription-service.cloud-events.svc.cluster.local:9043/event","SubscriptionId":"5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a","UriLocation":"http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/api/ocloudNotifications/v2/subscriptions/5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a"})
}

fn v1_push() -> Value {
    json!({"id":"e23473d9-ba18-4f78-946e-401a0caeff90","type":"event.sync.ptp-status.ptp-state-change","source":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","dataContentType":"application/json","time":"2023-01-10T02:41:57.094981478Z","data":{"version":"v1","values":[{"resource":"/cluster/node/compute-1.example.com/ens5fx/master","dataType":"notification","valueType":"enumeration","value":"LOCKED"},{"resource":"/cluster/node/compute-1.example.com/ens5fx/master","dataType":"metric","valueType":"decimal64.3","value":"29"}]}})
}

#[test]
fn the_document_loads_and_every_schema_compiles() {
    let doc = document().json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"].as_object().is_some_and(|p| p.len() >= 20));
    assert!(doc["webhooks"]["v2Event"].is_object());
}

#[test]
fn the_specs_v2_examples_validate() {
    let doc = document();
    // Every v2 event example of events-and-metrics.md §5 (the sync-state
    // one written `…24.130150Z` there, with the trailing zero §4.4 removes).
    let examples = [
        lock_push(),
        json!({"specversion":"1.0","id":"0b8e3c52-77a1-4f0e-8f43-5d1c9b2a6e70","source":"/sync/sync-status/os-clock-sync-state","type":"event.sync.sync-status.os-clock-sync-state-change","time":"2025-05-14T14:11:24.130112004Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/CLOCK_REALTIME","data_type":"notification","value_type":"enumeration","value":"HOLDOVER"},{"ResourceAddress":"/cluster/node/compute-1.example.com/CLOCK_REALTIME","data_type":"metric","value_type":"decimal64.3","value":"-5"}]}}),
        json!({"specversion":"1.0","id":"6c1d0f7e-2a3b-4c5d-8e9f-0a1b2c3d4e5f","source":"/sync/sync-status/sync-state","type":"event.sync.sync-status.synchronization-state-change","time":"2025-05-14T14:11:24.13015Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/sync/sync-status/sync-state","data_type":"notification","value_type":"enumeration","value":"HOLDOVER"}]}}),
        json!({"specversion":"1.0","id":"ab423275-f65d-4760-97af-5b0b846605e4","source":"/sync/ptp-status/clock-class","type":"event.sync.ptp-status.ptp-clock-class-change","time":"2025-05-14T14:11:25.002Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"6"}]}}),
        json!({"specversion":"1.0","id":"3f2e1d0c-9b8a-4776-a655-443322110099","source":"/sync/gnss-status/gnss-sync-status","type":"event.sync.gnss-status.gnss-state-change","time":"2025-05-14T14:20:00.5Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master","data_type":"notification","value_type":"enumeration","value":"SYNCHRONIZED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master","data_type":"metric","value_type":"decimal64.3","value":"5"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master/gpsFix","data_type":"metric","value_type":"decimal64.3","value":"3"}]}}),
        json!({"specversion":"1.0","id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","source":"/sync/synce-status/lock-state","type":"event.sync.synce-status.synce-state-change","time":"2025-05-14T14:30:11.25Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/synce1/ens7f0","data_type":"metric","value_type":"decimal64.3","value":"HOLDOVER"}]}}),
        json!({"specversion":"1.0","id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","source":"/sync/synce-status/clock-quality","type":"event.sync.synce-status.synce-clock-quality-change","time":"2025-05-14T14:30:12Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/synce1/ens7f0/Ql","data_type":"metric","value_type":"decimal64.3","value":"1"},{"ResourceAddress":"/cluster/node/compute-1.example.com/synce1/ens7f0/extQl","data_type":"metric","value_type":"decimal64.3","value":"32"}]}}),
        json!({"specversion":"1.0","id":"d4c3b2a1-0f9e-4d8c-b7a6-958473625140","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","time":"2025-05-14T14:00:02.3Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","data_type":"notification","value_type":"enumeration","value":"FREERUN"}]}}),
    ];
    for e in &examples {
        let body = serde_json::to_vec(e).expect("serialise");
        assert_eq!(
            doc.validate_delivery(Some(JSON), &body)
                .unwrap_or_else(|d| panic!("{d}")),
            "v2Event"
        );
    }
    let current = format!("{V2}/cluster/node/{NODE}/sync/ptp-status/lock-state/CurrentState");
    ok("GET", &current, 200, JSON, &examples[0]);
    ok(
        "POST",
        &format!("{V2}/subscriptions"),
        201,
        JSON,
        &subscription_info(),
    );
    ok(
        "GET",
        &format!("{V2}/subscriptions"),
        200,
        JSON,
        &json!([subscription_info()]),
    );
    ok("GET", &format!("{V2}/subscriptions"), 200, JSON, &json!([]));
    ok(
        "POST",
        &format!("{V2}/subscriptions"),
        400,
        PROBLEM,
        &json!({"type":"about:blank","title":"Bad Request","status":400,"detail":"mandatory field ResourceAddress is not set","instance":"/api/ocloudNotifications/v2/subscriptions"}),
    );
    ok(
        "POST",
        &format!("{V2}/subscriptions"),
        409,
        PROBLEM,
        &json!({"type":"about:blank","title":"Conflict","status":409,"detail":"a subscription for this ResourceAddress and EndpointUri already exists","instance":"/api/ocloudNotifications/v2/subscriptions","SubscriptionId":"5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a","UriLocation":"http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/api/ocloudNotifications/v2/subscriptions/5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a"}),
    );
    ok(
        "GET",
        &format!("{V2}/publishers/a8c0b15c-567d-4b77-8b93-585794903745"),
        200,
        JSON,
        &json!({"ResourceAddress":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","EndpointUri":"http://localhost:9043/api/ocloudNotifications/v2/dummy","SubscriptionId":"a8c0b15c-567d-4b77-8b93-585794903745","UriLocation":"http://localhost:9043/api/ocloudNotifications/v2/publishers/a8c0b15c-567d-4b77-8b93-585794903745"}),
    );
    doc.validate_response(
        "GET",
        &format!("{V2}/health"),
        200,
        Some("text/plain; charset=utf-8"),
        b"OK",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    doc.validate_response("DELETE", &format!("{V2}/subscriptions"), 204, None, b"")
        .unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn the_specs_v1_and_transport_examples_validate() {
    let doc = document();
    let body = serde_json::to_vec(&v1_push()).expect("serialise");
    assert_eq!(
        doc.validate_delivery(Some(JSON), &body)
            .unwrap_or_else(|d| panic!("{d}")),
        "v1Event"
    );
    assert_eq!(
        doc.validate_delivery(Some(JSON), b"")
            .unwrap_or_else(|d| panic!("{d}")),
        "v1EndpointCheck"
    );
    let pubsub = json!({"id":"e23473d9-ba18-4f78-946e-401a0caeff90","endpointUri":"http://localhost:8989/event","uriLocation":"http://localhost:8089/api/ocloudNotifications/v1/subscriptions/e23473d9-ba18-4f78-946e-401a0caeff90","resource":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state"});
    ok("POST", &format!("{V1}/subscriptions"), 201, JSON, &pubsub);
    ok(
        "GET",
        &format!("{V1}/subscriptions/e23473d9-ba18-4f78-946e-401a0caeff90"),
        200,
        JSON,
        &pubsub,
    );
    ok(
        "DELETE",
        &format!("{V1}/subscriptions"),
        200,
        JSON,
        &json!({"status":"deleted all subscriptions"}),
    );
    ok(
        "PUT",
        &format!("{V1}/subscriptions/status/x"),
        202,
        JSON,
        &json!({"status":"ping sent"}),
    );
    let v1_current = json!({"id":"c1ac3aa5-1195-4786-84f8-da0ea4462921","type":"event.sync.ptp-status.ptp-state-change","source":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","dataContentType":"application/json","time":"2023-01-10T02:41:57.094981478Z","data":{"version":"v1","values":[{"resource":"/cluster/node/compute-1.example.com/ens5fx/master","dataType":"notification","valueType":"enumeration","value":"LOCKED"},{"resource":"/cluster/node/compute-1.example.com/ens5fx/master","dataType":"metric","valueType":"decimal64.3","value":"29"}]}});
    let path = format!("{V1}/cluster/node/{NODE}/sync/ptp-status/lock-state/CurrentState");
    ok("GET", &path, 200, JSON, &v1_current);
    ok(
        "GET",
        &path,
        400,
        PROBLEM,
        &json!({"type":"about:blank","title":"Bad Request","status":400,"detail":"no data yet","instance":path,"error":"no data yet"}),
    );
    // The later v1 generation (`--v1-format 1.0`): v2 keys, version 1.0.
    let mut gen2 = v1_push();
    gen2["data"] = lock_push()["data"].clone();
    ok("GET", &path, 200, JSON, &gen2);
    // Transport (§5.1, §4.7).
    let transport_current = json!({"specversion":"0.3","id":"2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","subject":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","datacontenttype":"application/json","time":"2025-05-14T14:11:30.5Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"-3"}]}});
    ok(
        "GET",
        &format!("/cluster/node/{NODE}/sync/ptp-status/lock-state/b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f/CurrentState"),
        200,
        JSON,
        &transport_current,
    );
    ok("GET", "/health", 200, JSON, &json!({"ok":true}));
    doc.validate_response("POST", "/subscription", 200, None, b"")
        .unwrap_or_else(|d| panic!("{d}"));
    let data = serde_json::to_vec(&lock_push()["data"]).expect("serialise");
    assert_eq!(
        doc.validate_delivery(Some(JSON), &data)
            .unwrap_or_else(|d| panic!("{d}")),
        "transportEvent"
    );
    // Its binary-mode headers (events-and-metrics.md §4.6).
    let address = format!("/cluster/node/{NODE}/sync/ptp-status/lock-state");
    let good = |name: &str| -> Option<String> {
        match name {
            "ce-specversion" => Some("0.3".into()),
            "ce-id" => Some("0f9d2a8e-6b1c-4d3e-9f8a-7b6c5d4e3f2a".into()),
            "ce-source" | "ce-subject" => Some(address.clone()),
            "ce-type" => Some("event.sync.ptp-status.ptp-state-change".into()),
            "ce-time" => Some("2025-05-14T14:11:24.123456789Z".into()),
            _ => None,
        }
    };
    doc.validate_webhook_headers("transportEvent", &good)
        .unwrap_or_else(|d| panic!("{d}"));
    let no_time = |name: &str| (name != "ce-time").then(|| good(name)).flatten();
    assert!(matches!(
        doc.validate_webhook_headers("transportEvent", &no_time),
        Err(Drift::Header { .. })
    ));
    let v1_0 = |name: &str| {
        if name == "ce-specversion" {
            Some("1.0".to_string())
        } else {
            good(name)
        }
    };
    assert!(matches!(
        doc.validate_webhook_headers("transportEvent", &v1_0),
        Err(Drift::Header { .. })
    ));
    doc.validate_response(
        "GET",
        "/metrics",
        200,
        Some("text/plain; version=0.0.4; charset=utf-8"),
        b"# HELP x\n# TYPE x gauge\nx 1\n",
    )
    .unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn wrong_bodies_fail() {
    let path = format!("{V2}/cluster/node/{NODE}/sync/ptp-status/lock-state/CurrentState");
    // A numeric value (the reference's consumers expect strings).
    let mut e = lock_push();
    e["data"]["values"][1]["value"] = json!(-3);
    assert!(matches!(
        bad("GET", &path, 200, JSON, &e),
        Drift::Schema { .. }
    ));
    // A member too many, a member missing, a wrong pairing of source and type.
    let mut e = lock_push();
    e["subject"] = json!("x");
    assert!(matches!(
        bad("GET", &path, 200, JSON, &e),
        Drift::Schema { .. }
    ));
    let mut e = lock_push();
    e.as_object_mut().map(|o| o.remove("time"));
    assert!(matches!(
        bad("GET", &path, 200, JSON, &e),
        Drift::Schema { .. }
    ));
    let mut e = lock_push();
    e["type"] = json!("event.sync.sync-status.synchronization-state-change");
    assert!(matches!(
        bad("GET", &path, 200, JSON, &e),
        Drift::Schema { .. }
    ));
    // A notification with a metric's value type; a time with a `+00:00` offset.
    let mut e = lock_push();
    e["data"]["values"][0]["value_type"] = json!("decimal64.3");
    assert!(matches!(
        bad("GET", &path, 200, JSON, &e),
        Drift::Schema { .. }
    ));
    let mut e = lock_push();
    e["time"] = json!("2025-05-14T14:11:24.120+00:00");
    assert!(matches!(
        bad("GET", &path, 200, JSON, &e),
        Drift::Schema { .. }
    ));
    // The v1 keys in a v2 SubscriptionInfo.
    let info = json!({"id":"5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a","endpointUri":"http://a:1/","uriLocation":"u","resource":"/r"});
    assert!(matches!(
        bad("POST", &format!("{V2}/subscriptions"), 201, JSON, &info),
        Drift::Schema { .. }
    ));
    // A problem without `detail`, and a v1 problem without `error`.
    let p = json!({"type":"about:blank","title":"Not Found","status":404,"instance":"/x"});
    assert!(matches!(
        bad("GET", &format!("{V2}/subscriptions/x"), 404, PROBLEM, &p),
        Drift::Schema { .. }
    ));
    let p = json!({"type":"about:blank","title":"Bad Request","status":400,"detail":"d","instance":"/x"});
    assert!(matches!(
        bad("GET", &format!("{V1}/subscriptions/x"), 400, PROBLEM, &p),
        Drift::Schema { .. }
    ));
    // A 409 without the existing subscription.
    let p =
        json!({"type":"about:blank","title":"Conflict","status":409,"detail":"d","instance":"/x"});
    assert!(matches!(
        bad("POST", &format!("{V2}/subscriptions"), 409, PROBLEM, &p),
        Drift::Schema { .. }
    ));
    // Not JSON at all.
    assert!(matches!(
        drift(
            "GET",
            &format!("{V2}/subscriptions"),
            200,
            Some(JSON),
            b"null-ish"
        ),
        Drift::NotJson { .. }
    ));
    // A delivery with a wrong shape.
    let mut e = v1_push();
    e["data"]["version"] = json!("1.0");
    let body = serde_json::to_vec(&e).expect("serialise");
    assert!(document().validate_delivery(Some(JSON), &body).is_err());
}

#[test]
fn wrong_statuses_content_types_and_paths_fail() {
    let info = subscription_info();
    // A status the operation does not list (v2 unknown publisher is 400, not 404).
    let p =
        json!({"type":"about:blank","title":"Not Found","status":404,"detail":"d","instance":"/x"});
    assert!(matches!(
        bad("GET", &format!("{V2}/publishers/x"), 404, PROBLEM, &p),
        Drift::Status { .. }
    ));
    // 200 where 201 is documented.
    assert!(matches!(
        bad("POST", &format!("{V2}/subscriptions"), 200, JSON, &info),
        Drift::Status { .. }
    ));
    // Errors must be problem+json; JSON documents application/json.
    assert!(matches!(
        bad("GET", &format!("{V2}/subscriptions/x"), 404, JSON, &p),
        Drift::ContentType { .. }
    ));
    assert!(matches!(
        bad(
            "GET",
            &format!("{V2}/subscriptions"),
            200,
            "text/plain",
            &json!([])
        ),
        Drift::ContentType { .. }
    ));
    // 204 has no body.
    assert!(matches!(
        drift("DELETE", &format!("{V2}/subscriptions"), 204, None, b"{}"),
        Drift::UnexpectedBody { .. }
    ));
    // An unknown path answering 200.
    assert!(matches!(
        bad("GET", &format!("{V2}/log"), 200, JSON, &json!({})),
        Drift::UnknownPath { .. }
    ));
    // An unknown path with a 404 problem, a method not listed with a 405
    // problem, and a redirect: fine.
    ok(
        "GET",
        &format!("{V2}/health/"),
        404,
        PROBLEM,
        &json!({"type":"about:blank","title":"Not Found","status":404,"detail":"no such path","instance":"/api/ocloudNotifications/v2/health/"}),
    );
    ok(
        "PUT",
        &format!("{V2}/subscriptions"),
        405,
        PROBLEM,
        &json!({"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"method not allowed on this path","instance":"/api/ocloudNotifications/v2/subscriptions"}),
    );
    assert!(document()
        .validate_response("GET", &format!("{V2}//health"), 301, None, b"")
        .is_ok());
    // A 405 must still be a problem document.
    assert!(document()
        .validate_response(
            "PUT",
            &format!("{V2}/subscriptions"),
            405,
            Some(PROBLEM),
            b"{}"
        )
        .is_err());
}

#[test]
fn literal_segments_win_and_addresses_span_segments() {
    let multi = vec!["ResourceAddress".to_string()];
    let t: Vec<&str> = "/v2/{ResourceAddress}/CurrentState".split('/').collect();
    let p: Vec<&str> = "/v2/cluster/node/n/sync/ptp-status/lock-state/CurrentState"
        .split('/')
        .collect();
    assert!(segments_match(&t, &p, &multi));
    assert!(!segments_match(&t, &["", "v2", "CurrentState"], &multi));
    assert!(!segments_match(&t, &["", "v2", "", "CurrentState"], &multi));
    // `…/subscriptions/CurrentState` is the lookup of a subscription: a
    // SubscriptionInfo validates, a CloudEvent does not.
    let path = format!("{V2}/subscriptions/CurrentState");
    ok("GET", &path, 200, JSON, &subscription_info());
    assert!(matches!(
        bad("GET", &path, 200, JSON, &lock_push()),
        Drift::Schema { .. }
    ));
}

/// The route tables of rest-api.md (§3.1, §4.2, §5.1) against the
/// document's operations: every (method, path) the spec lists has an
/// operation. The spec lives beside the repository (`../shared/spec`, as in
/// CI).
#[test]
fn every_route_of_the_spec_is_documented() {
    let spec_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/rest-api.md");
    let spec = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("{}: {e}", spec_path.display()));
    let paths = &document().json()["paths"];
    let mut section = "";
    let mut checked = 0;
    for line in spec.lines() {
        if line.starts_with("### 3.1") {
            section = V2;
        } else if line.starts_with("### 4.2") {
            section = V1;
        } else if line.starts_with("### 5.1") {
            section = "";
        } else if line.starts_with("### ") {
            section = "-";
        }
        if section == "-" {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let methods = cells[1];
        if !methods
            .split(',')
            .all(|m| ["GET", "POST", "PUT", "DELETE"].contains(&m.trim()))
        {
            continue;
        }
        for raw in cells[2].split(',') {
            let p = raw.trim().trim_matches('`');
            if p.is_empty() {
                continue;
            }
            // Spec placeholders → the document's parameter names.
            let p = p
                .replace("{resourceAddress…}", "{resourceAddress}")
                .replace("{id}", "{subscriptionId}");
            let full = format!("{section}{p}");
            let full = if section == V1 && full.contains("/publishers/{subscriptionId}") {
                full.replace("{subscriptionId}", "{publisherId}")
            } else {
                full
            };
            for m in methods.split(',') {
                let m = m.trim().to_ascii_lowercase();
                assert!(
                    paths[&full][&m].is_object(),
                    "rest-api.md lists {m} {full}, the document does not"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 25, "only {checked} routes found in the spec");
}
