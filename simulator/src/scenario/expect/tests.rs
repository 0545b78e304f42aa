//! Windows, order per clock, counts and sequences.

use std::collections::BTreeMap;

use super::*;

fn obs(t: f64, r: &'static str, v: &str) -> Observed {
    Observed {
        t,
        resource: r,
        value: v.into(),
        metric: None,
        iface: None,
    }
}

fn exp(text: &str) -> Expectations {
    toml::from_str(text).expect("valid expectations")
}

#[test]
fn two_clocks_may_interleave_either_way() {
    let e = exp(r#"
[[events]]
resource = "lock-state"
value = "LOCKED"
iface = "ens1fx"
within = [0.0, 0.1]
[[events]]
resource = "lock-state"
value = "LOCKED"
iface = "ens2fx"
within = [0.0, 0.1]
"#);
    let with = |iface: &str, t: f64| Observed {
        iface: Some(iface.into()),
        ..obs(t, "lock-state", "LOCKED")
    };
    let reversed = vec![with("ens2fx", 0.004), with("ens1fx", 0.005)];
    assert!(check(&e, &reversed, &BTreeMap::new(), 0.0).is_empty());
    let missing = vec![with("ens1fx", 0.005)];
    let failures = check(&e, &missing, &BTreeMap::new(), 0.0);
    assert!(
        failures.iter().any(|f| f.what.contains("ens2fx")),
        "{failures:?}"
    );
}

#[test]
fn window_and_order() {
    let e = exp(r#"
[[events]]
resource = "lock-state"
value = "HOLDOVER"
within = [1.0, 2.0]
[[events]]
resource = "lock-state"
value = "FREERUN"
within = [3.0, 3.5]
"#);
    let ok = vec![
        obs(1.5, "lock-state", "HOLDOVER"),
        obs(3.2, "lock-state", "FREERUN"),
    ];
    assert!(check(&e, &ok, &BTreeMap::new(), 0.0).is_empty());
    let late = vec![
        obs(1.5, "lock-state", "HOLDOVER"),
        obs(4.0, "lock-state", "FREERUN"),
    ];
    let f = check(&e, &late, &BTreeMap::new(), 0.0);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].instead, "arrived at 4.000");
}

#[test]
fn a_sequence_expands_in_order_and_counts_exactly() {
    let e = exp(r#"
[[sequence]]
resource = "lock-state"
values = ["FREERUN", "LOCKED"]
times = 3
within = [0.0, 1.0]
"#);
    let mut evs: Vec<Observed> = (0..6)
        .map(|i| {
            obs(
                0.1 * f64::from(i),
                "lock-state",
                if i % 2 == 0 { "FREERUN" } else { "LOCKED" },
            )
        })
        .collect();
    assert!(check(&e, &evs, &BTreeMap::new(), 0.0).is_empty());
    // One transition lost: the count and the order both fail.
    evs.remove(3);
    let f = check(&e, &evs, &BTreeMap::new(), 0.0);
    assert!(
        f.iter().any(|x| x.what == "exactly 6 lock-state event(s)"),
        "{f:?}"
    );
}

#[test]
fn finals_and_quiet_windows() {
    let e = exp(r#"
[[quiet]]
resource = "os-clock-sync-state"
within = [1.0, 2.0]
[final]
sync-state = "LOCKED"
"#);
    let evs = vec![obs(1.5, "os-clock-sync-state", "FREERUN")];
    let mut finals = BTreeMap::new();
    finals.insert("sync-state".to_string(), "FREERUN".to_string());
    let f = check(&e, &evs, &finals, 0.0);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].what, "no os-clock-sync-state event within [1, 2]");
    assert_eq!(f[1].what, "final sync-state = LOCKED");
    assert_eq!(f[1].instead, "FREERUN");
}
