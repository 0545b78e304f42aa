//! The consumer sidecar's CurrentState (rest-api.md §4.4): asks each
//! producer in order with `GET <producer><resource>/<clientID>/CurrentState`
//! within an overall budget, and converts the first 200 (CloudEvents 0.3
//! structured JSON) into a v1 application event.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use ptp_event_core::events::{
    parse_event_json, v1_event_with_source, EventData, Resource, V1Format,
};

/// Asks the producers and renders the answer as a v1 application event
/// with a fresh id; `Err` carries the detail of the 400.
pub async fn fetch_current_state(
    http: &reqwest::Client,
    producers: &[String],
    resource: &str,
    client_id: &str,
    format: V1Format,
    budget: Duration,
) -> Result<Bytes, String> {
    let (data, source, time) =
        fetch_current_data(http, producers, resource, client_id, budget).await?;
    Ok(v1_event_with_source(
        &data,
        &source,
        &uuid::Uuid::new_v4().to_string(),
        time,
        format,
    ))
}

/// Asks the producers in order; the first 200 as (data, full address, time).
pub async fn fetch_current_data(
    http: &reqwest::Client,
    producers: &[String],
    resource: &str,
    client_id: &str,
    budget: Duration,
) -> Result<(EventData, String, SystemTime), String> {
    let deadline = Instant::now() + budget;
    let mut last = "timeout waiting for status".to_string();
    for p in producers {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("timeout waiting for status".to_string());
        }
        let url = format!("{p}{resource}/{client_id}/CurrentState");
        let r = match http.get(&url).timeout(left).send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err("timeout waiting for status".to_string()),
            Err(e) => {
                last = format!("producer {p}: {e}");
                continue;
            }
        };
        let status = r.status();
        let body = r.bytes().await.unwrap_or_default();
        if status != reqwest::StatusCode::OK {
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("message")
                        .or_else(|| v.get("detail"))
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            last = format!("producer {p} returned {}: {message}", status.as_u16());
            continue;
        }
        let ev = match parse_event_json(&body) {
            Ok(ev) => ev,
            Err(e) => {
                last = format!("producer {p}: unreadable CurrentState: {e}");
                continue;
            }
        };
        let Some(kind) = ev
            .resource()
            .or_else(|| Resource::from_v1_address(resource))
        else {
            last = format!("producer {p}: CurrentState for an unknown resource");
            continue;
        };
        let time = ev.system_time().unwrap_or_else(SystemTime::now);
        let source = ev.subject.clone().unwrap_or_else(|| resource.to_string());
        let data = EventData {
            resource: kind,
            values: ev.values,
        };
        return Ok((data, source, time));
    }
    Err(last)
}
