//! The image against a plain list model, and `diff` as the inverse of
//! applying.

use proptest::prelude::*;

use super::*;
use crate::store::{Api, TransportSubscription};

fn sub(id: u8, v: u8) -> StoredSubscription {
    StoredSubscription {
        api: Api::V2,
        id: format!("s{id}"),
        resource: "/r".into(),
        endpoint: Some(format!("http://e/{v}")),
        uri_location: String::new(),
        created: String::new(),
    }
}

fn client(id: u8, v: u8) -> TransportClient {
    TransportClient {
        client_id: format!("c{id}"),
        endpoint: format!("http://s/{v}"),
        subscriptions: vec![TransportSubscription {
            id: "t".into(),
            resource: "/r".into(),
            endpoint: String::new(),
            uri_location: String::new(),
        }],
    }
}

fn publisher(r: u8, id: u8) -> StoredPublisher {
    StoredPublisher {
        api: Api::V2,
        resource: format!("/r{r}"),
        id: format!("p{id}"),
    }
}

fn change() -> impl Strategy<Value = StoreChange> {
    prop_oneof![
        (0u8..8, 0u8..3).prop_map(|(i, v)| StoreChange::PutSubscription(sub(i, v))),
        prop::collection::vec(0u8..9, 0..3).prop_map(|ids| StoreChange::RemoveSubscriptions(
            ids.into_iter().map(|i| format!("s{i}")).collect()
        )),
        (0u8..4, 0u8..3).prop_map(|(i, v)| StoreChange::PutTransportClient(client(i, v))),
        prop::collection::vec(0u8..5, 0..2).prop_map(|ids| StoreChange::RemoveTransportClients(
            ids.into_iter().map(|i| format!("c{i}")).collect()
        )),
        prop::collection::vec((0u8..3, 0u8..3), 0..3).prop_map(|ps| StoreChange::PutPublishers(
            ps.into_iter().map(|(r, i)| publisher(r, i)).collect()
        )),
        (0u8..3).prop_map(|s| StoreChange::SetSyncState(format!("S{s}"))),
    ]
}

/// The rules of [`StoreChange`] on plain lists.
fn model(data: &mut StoreData, c: &StoreChange) {
    match c {
        StoreChange::PutSubscription(s) => {
            match data.subscriptions.iter_mut().find(|x| x.id == s.id) {
                Some(x) => *x = s.clone(),
                None => data.subscriptions.push(s.clone()),
            }
        }
        StoreChange::RemoveSubscriptions(ids) => {
            data.subscriptions.retain(|s| !ids.contains(&s.id));
        }
        StoreChange::PutTransportClient(c) => {
            match data
                .transport_clients
                .iter_mut()
                .find(|x| x.client_id == c.client_id)
            {
                Some(x) => *x = c.clone(),
                None => data.transport_clients.push(c.clone()),
            }
        }
        StoreChange::RemoveTransportClients(ids) => {
            data.transport_clients
                .retain(|c| !ids.contains(&c.client_id));
        }
        StoreChange::PutPublishers(ps) => {
            for p in ps {
                match data
                    .publishers
                    .iter_mut()
                    .find(|x| x.api == p.api && x.resource == p.resource)
                {
                    Some(x) => *x = p.clone(),
                    None => data.publishers.push(p.clone()),
                }
            }
        }
        StoreChange::SetSyncState(s) => data.last_sync_state = Some(s.clone()),
    }
}

fn sorted(mut d: StoreData) -> StoreData {
    d.subscriptions.sort_by(|x, y| x.id.cmp(&y.id));
    d.transport_clients
        .sort_by(|x, y| x.client_id.cmp(&y.client_id));
    d
}

proptest! {
    #[test]
    fn image_follows_the_list_model(changes in prop::collection::vec(change(), 0..40)) {
        let mut image = Image::default();
        let mut expected = StoreData::default();
        for c in &changes {
            image.apply(c);
            model(&mut expected, c);
        }
        prop_assert_eq!(image.to_data(), expected.clone());
        prop_assert_eq!(image.subscription_count(), expected.subscriptions.len());
        // Loading the data gives the same image.
        prop_assert_eq!(Image::from_data(expected.clone()).to_data(), expected);
    }

    #[test]
    fn applying_the_diff_gives_the_target(
        from in prop::collection::vec(change(), 0..30),
        to in prop::collection::vec(change(), 0..30),
    ) {
        let mut a = Image::default();
        for c in &from {
            a.apply(c);
        }
        // The target: `a` changed further. (An id removed and put back
        // moves to the end in `b` but keeps its place in `a`: callers never
        // reuse ids, so the order is compared only as a set.)
        let mut b = Image::from_data(a.to_data());
        for c in &to {
            b.apply(c);
        }
        let target = b.to_data();
        let changes = a.diff(&target);
        for c in &changes {
            a.apply(c);
        }
        prop_assert_eq!(sorted(a.to_data()), sorted(target.clone()));
        prop_assert!(a.diff(&target).is_empty());
    }
}

#[test]
fn freeze_shares_the_entries() {
    let mut image = Image::default();
    image.apply(&StoreChange::PutSubscription(sub(1, 0)));
    image.apply(&StoreChange::PutTransportClient(client(1, 0)));
    let frozen = image.freeze();
    image.apply(&StoreChange::RemoveSubscriptions(vec!["s1".into()]));
    assert_eq!(frozen.subscriptions.len(), 1);
    assert_eq!(*frozen.subscriptions[0], sub(1, 0));
    assert_eq!(frozen.transport_clients.len(), 1);
    assert!(!image.has_subscription("s1"));
    assert!(image.has_client("c1"));
}

#[test]
fn diff_keeps_publishers_and_sync_state_it_cannot_remove() {
    let mut image = Image::default();
    image.apply(&StoreChange::PutPublishers(vec![publisher(0, 0)]));
    image.apply(&StoreChange::SetSyncState("LOCKED".into()));
    assert!(image.diff(&StoreData::default()).is_empty());
}
