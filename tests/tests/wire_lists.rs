//! List responses on their raw bytes: every item's members in the order of
//! rest-api.md §3.2, §3.7 (v2) and §4.1 (v1), indented by one space.

use ptp_tests::v1::{subscribe as v1_subscribe, Chain, LOCK as V1_LOCK};
use ptp_tests::{Consumer, Dirs, Proxy, Reply};

const LOCK: &str = "/sync/ptp-status/lock-state";
const OS: &str = "/sync/sync-status/os-clock-sync-state";

/// The member names of each object in a one-space-indented list, in order.
fn member_order(text: &str) -> Vec<Vec<String>> {
    let mut items = Vec::new();
    for line in text.lines() {
        match line {
            " {" => items.push(Vec::new()),
            l if l.starts_with("  \"") => {
                let name = l.trim_start().split('"').nth(1).unwrap_or("").to_string();
                if let Some(item) = items.last_mut() {
                    item.push(name);
                }
            }
            _ => {}
        }
    }
    items
}

#[tokio::test]
async fn v2_lists_keep_the_member_order() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    for s in [LOCK, OS] {
        let (status, body) = proxy.subscribe(s, &consumer.endpoint()).await?;
        assert_eq!(status, 201, "{body}");
    }
    let order = [
        "ResourceAddress",
        "EndpointUri",
        "SubscriptionId",
        "UriLocation",
    ];
    for (path, n) in [("/subscriptions", 2), ("/publishers", 7)] {
        let text = reqwest::get(proxy.url(path)).await?.text().await?;
        assert!(text.starts_with("[\n {\n  \"ResourceAddress\": "), "{text}");
        let items = member_order(&text);
        assert_eq!(items.len(), n, "{text}");
        for item in items {
            assert_eq!(item, order, "{path}:\n{text}");
        }
    }
    // Single items are compact, same order.
    let text = reqwest::get(proxy.url("/subscriptions"))
        .await?
        .text()
        .await?;
    let id = serde_json::from_str::<serde_json::Value>(&text)?[0]["SubscriptionId"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let one = reqwest::get(proxy.url(&format!("/subscriptions/{id}")))
        .await?
        .text()
        .await?;
    assert!(one.starts_with("{\"ResourceAddress\":"), "{one}");
    Ok(())
}

#[tokio::test]
async fn v1_lists_keep_the_member_order() -> anyhow::Result<()> {
    let chain = Chain::start(&[], &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let (status, text) = v1_subscribe(&chain.sidecar, V1_LOCK, &consumer.endpoint()).await?;
    assert_eq!(status, 201, "{text}");
    assert!(text.starts_with("{\"id\":"), "{text}");
    let order = ["id", "endpointUri", "uriLocation", "resource"];
    let text = reqwest::get(chain.sidecar.url("/subscriptions"))
        .await?
        .text()
        .await?;
    let items = member_order(&text);
    assert_eq!(items.len(), 1, "{text}");
    assert_eq!(items[0], order, "{text}");
    let text = reqwest::get(chain.producer.url("/publishers"))
        .await?
        .text()
        .await?;
    let items = member_order(&text);
    assert_eq!(items.len(), 3, "{text}");
    for item in items {
        assert_eq!(item, order, "{text}");
    }
    Ok(())
}
