//! REST request bodies, through the functions the routers call:
//! `rest::v2::validate` (v2 `SubscriptionInfo`), `rest::v1::parse_request`
//! (v1 `PubSub`) and `transport::parse_doc` (the v1 Subscriber document of
//! `POST /subscription`).
//!
//! Must hold: no panic; a refused v2 body is a 400 problem; what is
//! accepted is trimmed and non-empty, and the same request written back
//! with the canonical keys is accepted as the same value; a Subscriber
//! document built back from a parsed one (`build_doc`) parses, and building
//! and parsing once more changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptp_event_proxy::registry::{Action, V1Sub};
use ptp_event_proxy::rest::v1::parse_request;
use ptp_event_proxy::rest::v2::validate;
use ptp_event_proxy::transport::{build_doc, parse_doc, SubscriberDoc};
use serde_json::json;

fn trimmed(s: &str) -> bool {
    !s.is_empty() && s.trim() == s
}

fn rebuild(d: &SubscriberDoc) -> String {
    let subs: Vec<V1Sub> = d
        .subscriptions
        .iter()
        .map(|s| V1Sub {
            id: s.id.clone(),
            resource: s.resource.clone(),
            endpoint: s.endpoint.clone(),
            uri_location: s.uri_location.clone(),
        })
        .collect();
    build_doc(&d.client_id, &d.endpoint, d.action, &subs)
}

fuzz_target!(|data: &[u8]| {
    match validate(data) {
        Ok(s) => {
            assert!(trimmed(&s.resource) && trimmed(&s.endpoint), "{s:?}");
            let again = json!({"ResourceAddress": s.resource, "EndpointUri": s.endpoint});
            let again = validate(again.to_string().as_bytes()).expect("canonical v2 body");
            assert_eq!(
                (&again.resource, &again.endpoint),
                (&s.resource, &s.endpoint)
            );
            assert_eq!(again.url, s.url);
        }
        Err(p) => assert_eq!(p.status.as_u16(), 400, "{p:?}"),
    }

    if let Ok(r) = parse_request(data) {
        assert!(trimmed(&r.resource), "{r:?}");
        let endpoint = r.endpoint.as_ref().map(|(e, _)| e.clone());
        if let Some(e) = &endpoint {
            assert!(trimmed(e), "{r:?}");
        }
        let again = json!({"resource": r.resource, "endpointUri": endpoint});
        let again = parse_request(again.to_string().as_bytes()).expect("canonical v1 body");
        assert_eq!(again.resource, r.resource);
        assert_eq!(again.endpoint.map(|(e, _)| e), endpoint);
    }

    for subject in [None, Some("DELETE")] {
        let Ok(d1) = parse_doc(data, subject) else {
            continue;
        };
        assert!(trimmed(&d1.client_id), "{d1:?}");
        let d2 = parse_doc(rebuild(&d1).as_bytes(), None).expect("a built document parses");
        assert_eq!(
            (&d2.client_id, &d2.endpoint, d2.action),
            (&d1.client_id, &d1.endpoint, d1.action)
        );
        if d1.action == Action::New {
            let mut ids: Vec<&str> = d1.subscriptions.iter().map(|s| s.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(d2.subscriptions.len(), ids.len(), "{d1:?} -> {d2:?}");
        }
        let d3 = parse_doc(rebuild(&d2).as_bytes(), None).expect("a built document parses");
        assert_eq!(d3, d2);
    }
});
