//! Behaviour of [`Delivery`] against real HTTP consumers on 127.0.0.1.

use super::recording::{dropped, finals};
use super::testutil::{refused_url, BlackHole, Reply, Resetter, TestServer};
use super::*;

fn client() -> reqwest::Client {
    crate::http::client::outgoing().expect("client")
}
use bytes::Bytes;
use std::time::{Duration, Instant};

/// Bound for waiting on something that should happen promptly.
const WAIT: Duration = Duration::from_secs(5);

/// Event `n` of subscription `tag`; body `{"n":<n>,"tag":"<tag>"}`.
pub(crate) fn item(n: usize, tag: &str) -> Outgoing {
    Outgoing {
        body: Bytes::from(body(n, tag)),
        headers: Arc::from(Vec::new()),
        tag: SubscriptionTag::from(tag),
        published_at: Instant::now(),
        resource: "/sync/ptp-status/lock-state",
        api: "v2",
    }
}

fn body(n: usize, tag: &str) -> String {
    format!(r#"{{"n":{n},"tag":"{tag}"}}"#)
}

fn fast_config() -> DeliveryConfig {
    DeliveryConfig {
        attempt_timeout: Duration::from_millis(500),
        retry_delays: vec![Duration::from_millis(2); 3],
        jitter: 0.0,
        ..DeliveryConfig::default()
    }
}

fn start(config: DeliveryConfig) -> (Delivery, Arc<RecordingObserver>) {
    let observer = Arc::new(RecordingObserver::new());
    let delivery = Delivery::new(config, client(), observer.clone()).expect("delivery");
    (delivery, observer)
}

fn key(id: &str) -> SubscriberKey {
    SubscriberKey::from(id)
}

async fn wait_finals(obs: &RecordingObserver, k: &SubscriberKey, n: usize) -> bool {
    obs.wait_until(WAIT, |seen| {
        [
            FinalOutcome::Delivered,
            FinalOutcome::Rejected,
            FinalOutcome::Failed,
        ]
        .iter()
        .map(|o| finals(seen, k, *o))
        .sum::<usize>()
            >= n
    })
    .await
}

#[tokio::test]
async fn delivers_in_order_with_json_content_type_and_headers() {
    let server = TestServer::answering(204).await;
    let (delivery, obs) = start(fast_config());
    let k = key("client-1");
    let headers: Arc<[(HeaderName, HeaderValue)]> = Arc::from(vec![(
        HeaderName::from_static("x-test"),
        HeaderValue::from_static("yes"),
    )]);
    for n in 0..50 {
        let mut it = item(n, "sub-a");
        it.headers = Arc::clone(&headers);
        delivery.enqueue(&k, &server.url, it).expect("enqueue");
    }
    assert!(wait_finals(&obs, &k, 50).await);
    let expected: Vec<String> = (0..50).map(|n| body(n, "sub-a")).collect();
    assert_eq!(server.bodies(), expected);
    for r in server.received() {
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.headers["x-test"], "yes");
    }
    assert_eq!(obs.finals(&k, FinalOutcome::Delivered), 50);
    assert_eq!(obs.attempts(AttemptResult::Delivered), 50);
    assert_eq!(obs.last_depth(&k), Some(0));
    assert_eq!(delivery.depth(&k), 0);
    let meta = obs
        .snapshot()
        .into_iter()
        .find_map(|o| match o {
            Observed::Final { meta, .. } => Some(meta),
            _ => None,
        })
        .expect("a final outcome");
    assert_eq!(meta.resource, "/sync/ptp-status/lock-state");
    assert_eq!(meta.api, "v2");
    assert_eq!(meta.tag, SubscriptionTag::from("sub-a"));
    assert!(meta.latency < WAIT);
}

#[tokio::test]
async fn retries_5xx_then_delivers() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let (delivery, obs) = start(fast_config());
    let k = key("c");
    let url = Url::parse(&server.uri()).expect("url");
    delivery.enqueue(&k, &url, item(1, "s")).expect("enqueue");
    assert!(wait_finals(&obs, &k, 1).await);
    assert_eq!(obs.finals(&k, FinalOutcome::Delivered), 1);
    assert_eq!(obs.attempts(AttemptResult::Retryable), 2);
    assert_eq!(obs.attempts(AttemptResult::Delivered), 1);
    assert_eq!(obs.dropped(DropReason::DeliveryFailed), 0);
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.body == body(1, "s").as_bytes()));
}

#[tokio::test]
async fn client_errors_are_rejected_without_retry() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let (delivery, obs) = start(fast_config());
    let k = key("c");
    let url = Url::parse(&server.uri()).expect("url");
    delivery.enqueue(&k, &url, item(1, "s")).expect("enqueue");
    assert!(wait_finals(&obs, &k, 1).await);
    assert_eq!(obs.finals(&k, FinalOutcome::Rejected), 1);
    assert_eq!(obs.attempts(AttemptResult::Rejected), 1);
    assert_eq!(obs.attempts(AttemptResult::Retryable), 0);
    assert_eq!(obs.dropped(DropReason::DeliveryFailed), 1);
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn redirects_are_rejected_and_not_followed() {
    let server = TestServer::answering(302).await;
    let (delivery, obs) = start(fast_config());
    let k = key("c");
    delivery
        .enqueue(&k, &server.url, item(1, "s"))
        .expect("enqueue");
    delivery
        .enqueue(&k, &server.url, item(2, "s"))
        .expect("enqueue");
    assert!(wait_finals(&obs, &k, 2).await);
    assert_eq!(obs.finals(&k, FinalOutcome::Rejected), 2);
    // Two POSTs to /events, no request to the redirect target.
    assert_eq!(server.bodies(), vec![body(1, "s"), body(2, "s")]);
}

#[tokio::test]
async fn timeout_is_retryable() {
    let server = TestServer::start(|i| Reply {
        delay: if i == 0 {
            Duration::from_secs(3)
        } else {
            Duration::ZERO
        },
        ..Reply::status(204)
    })
    .await;
    let (delivery, obs) = start(DeliveryConfig {
        attempt_timeout: Duration::from_millis(100),
        ..fast_config()
    });
    let k = key("c");
    delivery
        .enqueue(&k, &server.url, item(1, "s"))
        .expect("enqueue");
    assert!(wait_finals(&obs, &k, 1).await);
    assert_eq!(obs.attempts(AttemptResult::Retryable), 1);
    assert_eq!(obs.finals(&k, FinalOutcome::Delivered), 1);
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn connection_resets_are_reported_refusals_are_not() {
    let resetter = Resetter::start().await;
    let (delivery, obs) = start(fast_config());
    let (reset, refused) = (key("reset"), key("refused"));
    delivery
        .enqueue(&reset, &resetter.url, item(1, "s"))
        .expect("enqueue");
    delivery
        .enqueue(&refused, &refused_url().await, item(1, "s"))
        .expect("enqueue");
    assert!(wait_finals(&obs, &reset, 1).await);
    assert!(wait_finals(&obs, &refused, 1).await);
    let seen = obs.snapshot();
    let resets = |k: &SubscriberKey| {
        seen.iter()
            .filter(|o| **o == Observed::ConnectionReset(k.clone()))
            .count()
    };
    // One event, 1 + 3 attempts, every one reset by the peer.
    assert_eq!(resets(&reset), 4, "{seen:?}");
    assert_eq!(resets(&refused), 0);
    assert_eq!(obs.finals(&reset, FinalOutcome::Failed), 1);
}

#[tokio::test]
async fn dead_consumer_does_not_delay_a_healthy_one() {
    const N: usize = 20;
    let healthy = TestServer::answering(204).await;
    let hole = BlackHole::start().await;
    let (delivery, obs) = start(DeliveryConfig {
        attempt_timeout: Duration::from_secs(10),
        ..fast_config()
    });
    let (good, dead) = (key("healthy"), key("dead"));
    for n in 0..N {
        let enqueued = Instant::now();
        delivery
            .enqueue(&dead, &hole.url, item(n, "s"))
            .expect("enqueue");
        delivery
            .enqueue(&good, &healthy.url, item(n, "s"))
            .expect("enqueue");
        assert!(
            healthy.wait_received(n + 1, WAIT).await,
            "event {n} arrived"
        );
        let arrived = healthy.received()[n].at;
        let latency = arrived.saturating_duration_since(enqueued);
        assert!(
            latency < Duration::from_millis(100),
            "event {n} took {latency:?}"
        );
    }
    assert!(wait_finals(&obs, &good, N).await);
    // The dead consumer holds its first event in flight and queues the rest.
    assert_eq!(delivery.depth(&dead), N);
    assert_eq!(obs.finals(&dead, FinalOutcome::Delivered), 0);
    assert_eq!(hole.accepted(), 1);

    let started = Instant::now();
    delivery.shutdown(Duration::from_millis(50)).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(delivery.depth(&dead), 0);
    assert!(matches!(
        delivery.enqueue(&good, &healthy.url, item(0, "s")),
        Err(DeliveryError::ShutDown)
    ));
}

#[tokio::test]
async fn dead_subscriber_is_reported_once_after_limit_failures() {
    let url = refused_url().await;
    let (delivery, obs) = start(fast_config());
    let k = key("gone");
    for n in 0..15 {
        delivery.enqueue(&k, &url, item(n, "s")).expect("enqueue");
    }
    assert!(
        obs.wait_until(WAIT, |seen| seen.contains(&Observed::Dead(k.clone())))
            .await
    );
    // The worker stopped: further events are refused and counted.
    assert!(matches!(
        delivery.enqueue(&k, &url, item(99, "s")),
        Err(DeliveryError::SubscriberClosed(_))
    ));
    let seen = obs.snapshot();
    assert_eq!(obs.dead(&k), 1);
    assert_eq!(finals(&seen, &k, FinalOutcome::Failed), 10);
    assert_eq!(dropped(&seen, DropReason::DeliveryFailed), 10);
    assert_eq!(dropped(&seen, DropReason::SubscriberRemoved), 6);
    assert_eq!(obs.attempts(AttemptResult::Retryable), 40);
    assert_eq!(delivery.depth(&k), 0);
    assert_eq!(obs.last_depth(&k), Some(0));

    // The owner removes it; a new subscription with that key starts afresh.
    assert!(delivery.remove_subscriber(&k));
    assert!(obs.snapshot().contains(&Observed::Removed(k.clone())));
    assert!(!delivery.remove_subscriber(&k));
    delivery.enqueue(&k, &url, item(100, "s")).expect("enqueue");
    assert_eq!(delivery.subscriber_count(), 1);
    delivery.shutdown(Duration::from_millis(10)).await;
    assert_eq!(obs.dead(&k), 1);
}

#[tokio::test]
async fn delivered_or_rejected_resets_the_failure_count() {
    // 9 failed deliveries (4 attempts each), 1 rejected, 9 failed, 1 delivered.
    let server = TestServer::start(|i| match i {
        0..=35 => Reply::status(500),
        36 => Reply::status(404),
        37..=72 => Reply::status(500),
        _ => Reply::status(204),
    })
    .await;
    let (delivery, obs) = start(fast_config());
    let k = key("flaky");
    for n in 0..20 {
        delivery
            .enqueue(&k, &server.url, item(n, "s"))
            .expect("enqueue");
    }
    assert!(wait_finals(&obs, &k, 20).await);
    assert_eq!(obs.finals(&k, FinalOutcome::Failed), 18);
    assert_eq!(obs.finals(&k, FinalOutcome::Rejected), 1);
    assert_eq!(obs.finals(&k, FinalOutcome::Delivered), 1);
    assert_eq!(obs.dead(&k), 0);
    assert_eq!(server.received().len(), 74);
}

#[tokio::test]
async fn full_queue_drops_the_oldest_but_never_the_in_flight_event() {
    let server = TestServer::start(|i| {
        if i == 0 {
            Reply::held(204)
        } else {
            Reply::status(204)
        }
    })
    .await;
    let (delivery, obs) = start(DeliveryConfig {
        queue_capacity: 2,
        ..fast_config()
    });
    let k = key("slow");
    delivery
        .enqueue(&k, &server.url, item(0, "s"))
        .expect("enqueue");
    assert!(server.wait_received(1, WAIT).await);
    for n in 1..=5 {
        delivery
            .enqueue(&k, &server.url, item(n, "s"))
            .expect("enqueue");
    }
    assert_eq!(delivery.depth(&k), 3);
    assert_eq!(obs.dropped(DropReason::QueueFull), 3);
    server.release(1);
    assert!(wait_finals(&obs, &k, 3).await);
    assert_eq!(
        server.bodies(),
        vec![body(0, "s"), body(4, "s"), body(5, "s")]
    );
    assert_eq!(obs.finals(&k, FinalOutcome::Delivered), 3);
}

#[tokio::test]
async fn discard_tag_drops_only_that_subscriptions_queued_events() {
    let server = TestServer::start(|i| {
        if i == 0 {
            Reply::held(204)
        } else {
            Reply::status(204)
        }
    })
    .await;
    let (delivery, obs) = start(fast_config());
    let k = key("c");
    delivery
        .enqueue(&k, &server.url, item(0, "a"))
        .expect("enqueue");
    assert!(server.wait_received(1, WAIT).await);
    for (n, tag) in [(1, "a"), (1, "b"), (2, "a"), (2, "b")] {
        delivery
            .enqueue(&k, &server.url, item(n, tag))
            .expect("enqueue");
    }
    assert_eq!(delivery.discard_tag(&k, &SubscriptionTag::from("a")), 2);
    assert_eq!(
        delivery.discard_tag(&key("unknown"), &SubscriptionTag::from("a")),
        0
    );
    assert_eq!(delivery.depth(&k), 3);
    assert_eq!(obs.dropped(DropReason::SubscriberRemoved), 2);
    server.release(1);
    assert!(wait_finals(&obs, &k, 3).await);
    // The in-flight event of "a" is not recalled.
    assert_eq!(
        server.bodies(),
        vec![body(0, "a"), body(1, "b"), body(2, "b")]
    );
}

#[tokio::test]
async fn remove_subscriber_discards_queued_and_in_flight_events() {
    let server = TestServer::start(|i| {
        if i == 0 {
            Reply::held(204)
        } else {
            Reply::status(204)
        }
    })
    .await;
    let (delivery, obs) = start(fast_config());
    let k = key("c");
    for n in 0..4 {
        delivery
            .enqueue(&k, &server.url, item(n, "s"))
            .expect("enqueue");
    }
    assert!(server.wait_received(1, WAIT).await);
    assert_eq!(delivery.depth(&k), 4);
    assert!(delivery.remove_subscriber(&k));
    assert_eq!(delivery.depth(&k), 0);
    assert_eq!(delivery.subscriber_count(), 0);
    assert_eq!(obs.dropped(DropReason::SubscriberRemoved), 4);
    assert_eq!(obs.last_depth(&k), Some(0));
    server.release(1);
    // A fresh subscriber with the same key delivers; the removed one's
    // events never produce an outcome.
    delivery
        .enqueue(&k, &server.url, item(10, "s"))
        .expect("enqueue");
    assert!(wait_finals(&obs, &k, 1).await);
    assert_eq!(server.bodies(), vec![body(0, "s"), body(10, "s")]);
    let seen = obs.snapshot();
    assert_eq!(finals(&seen, &k, FinalOutcome::Delivered), 1);
    assert_eq!(dropped(&seen, DropReason::SubscriberRemoved), 4);
}

#[tokio::test]
async fn connections_are_kept_alive_and_reused() {
    let server = TestServer::start(|_| Reply {
        body_len: 1000,
        ..Reply::status(200)
    })
    .await;
    let (delivery, obs) = start(fast_config());
    let k = key("c");
    for n in 0..30 {
        delivery
            .enqueue(&k, &server.url, item(n, "s"))
            .expect("enqueue");
    }
    assert!(wait_finals(&obs, &k, 30).await);
    assert_eq!(obs.finals(&k, FinalOutcome::Delivered), 30);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn long_response_bodies_do_not_matter() {
    let server = TestServer::start(|_| Reply {
        body_len: 300 * 1024,
        ..Reply::status(200)
    })
    .await;
    let (delivery, obs) = start(fast_config());
    let k = key("c");
    for n in 0..3 {
        delivery
            .enqueue(&k, &server.url, item(n, "s"))
            .expect("enqueue");
    }
    assert!(wait_finals(&obs, &k, 3).await);
    assert_eq!(obs.finals(&k, FinalOutcome::Delivered), 3);
}

#[tokio::test]
async fn shutdown_lets_the_in_flight_event_finish() {
    let server = TestServer::start(|i| {
        if i == 0 {
            Reply::held(204)
        } else {
            Reply::status(204)
        }
    })
    .await;
    let (delivery, obs) = start(fast_config());
    let k = key("c");
    for n in 0..3 {
        delivery
            .enqueue(&k, &server.url, item(n, "s"))
            .expect("enqueue");
    }
    assert!(server.wait_received(1, WAIT).await);
    let stopping = tokio::spawn({
        let delivery = delivery.clone();
        async move { delivery.shutdown(WAIT).await }
    });
    // Once shutting down, nothing is accepted any more.
    let deadline = Instant::now() + WAIT;
    while !delivery.shared.ctx.is_shutting_down() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(matches!(
        delivery.enqueue(&k, &server.url, item(9, "s")),
        Err(DeliveryError::ShutDown)
    ));
    server.release(1);
    tokio::time::timeout(WAIT, stopping)
        .await
        .expect("shutdown within grace")
        .expect("shutdown task");
    assert_eq!(obs.finals(&k, FinalOutcome::Delivered), 1);
    assert_eq!(server.bodies(), vec![body(0, "s")]);
}

#[test]
fn new_needs_a_runtime_and_a_valid_config() {
    let observer: Arc<dyn DeliveryObserver> = Arc::new(NoopObserver);
    assert!(matches!(
        Delivery::new(DeliveryConfig::default(), client(), Arc::clone(&observer)),
        Err(DeliveryError::NoRuntime)
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for bad in [
            DeliveryConfig {
                queue_capacity: 0,
                ..DeliveryConfig::default()
            },
            DeliveryConfig {
                failure_limit: 0,
                ..DeliveryConfig::default()
            },
            DeliveryConfig {
                attempt_timeout: Duration::ZERO,
                ..DeliveryConfig::default()
            },
            DeliveryConfig {
                jitter: 1.5,
                ..DeliveryConfig::default()
            },
        ] {
            assert!(matches!(
                Delivery::new(bad, client(), Arc::clone(&observer)),
                Err(DeliveryError::InvalidConfig(_))
            ));
        }
        assert!(Delivery::new(DeliveryConfig::default(), client(), observer).is_ok());
    });
}
