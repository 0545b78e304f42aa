//! Threshold profile file parsing (socket-and-lines.md §5.3).

use serde_json::{Map, Value};

use super::error::{ConfigError, Warning};
use super::types::{ProfileSettings, Thresholds};

/// Parse the JSON list of PTP profiles applied to the node.
///
/// Keys are matched case-insensitively (an exact match wins), unknown keys
/// are ignored, and every problem inside a profile falls back to a default
/// and yields a [`Warning`]. Only a file that is not a JSON list is an
/// error; `null` (a Go nil slice) is read as an empty list with a warning.
pub fn parse_profiles(
    path_for_messages: &str,
    json: &str,
) -> Result<(Vec<ProfileSettings>, Vec<Warning>), ConfigError> {
    let path = path_for_messages;
    let value: Value = serde_json::from_str(json).map_err(|e| ConfigError::Syntax {
        path: path.to_string(),
        line: (e.line() > 0).then_some(e.line()),
        column: (e.column() > 0).then_some(e.column()),
        message: format!("not valid JSON: {e}"),
    })?;
    let mut warnings = Vec::new();
    let items = match value {
        Value::Array(items) => items,
        Value::Null => {
            warnings.push(Warning {
                path: path.to_string(),
                profile: None,
                message: "the file is `null`: no profiles".into(),
            });
            Vec::new()
        }
        other => {
            return Err(ConfigError::Syntax {
                path: path.to_string(),
                line: None,
                column: None,
                message: format!("expected a JSON list of profiles, found {}", kind(&other)),
            })
        }
    };

    let mut profiles: Vec<ProfileSettings> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut warn = |profile: String, message: String| {
            warnings.push(Warning {
                path: path.to_string(),
                profile: Some(profile),
                message,
            })
        };
        let Value::Object(obj) = item else {
            warn(
                format!("#{}", i + 1),
                format!("is {}, not an object: skipped", kind(item)),
            );
            continue;
        };
        let name = match get(obj, "name") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                warn(
                    format!("#{}", i + 1),
                    "has no \"name\" string: skipped".into(),
                );
                continue;
            }
        };
        if profiles.iter().any(|p| p.name == name) {
            warn(
                format!("{name:?}"),
                "appears more than once: the first one is used".into(),
            );
        }
        let label = format!("{name:?}");
        let mut w = |m: String| warn(label.clone(), m);
        let thresholds = thresholds(get(obj, "ptpClockThreshold"), &mut w);
        let settings = match get(obj, "ptpSettings") {
            Some(Value::Object(m)) => Some(m),
            None | Some(Value::Null) => None,
            Some(other) => {
                w(format!(
                    "ptpSettings is {}, not an object: ignored",
                    kind(other)
                ));
                None
            }
        };
        let ts2phc = string(obj, "ts2phcOpts", &mut w);
        let chronyd = string(obj, "chronydOpts", &mut w);
        let controlling = settings.is_some_and(|m| get(m, "controllingProfile").is_some());
        let ha_profiles = settings
            .and_then(|m| string(m, "haProfiles", &mut w))
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        profiles.push(ProfileSettings {
            name,
            thresholds,
            tbc: controlling || ts2phc.is_some_and(|o| o.contains("external_pps")),
            ntp_failover: chronyd.is_some_and(|o| !o.trim().is_empty()),
            ha_profiles,
        });
    }
    Ok((profiles, warnings))
}

/// Case-insensitive key lookup; an exact match wins (like Go's encoding/json).
fn get<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key)
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

fn string<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    warn: &mut impl FnMut(String),
) -> Option<&'a str> {
    match get(obj, key)? {
        Value::String(s) => Some(s),
        other => {
            warn(format!("{key} is {}, not a string: ignored", kind(other)));
            None
        }
    }
}

fn thresholds(value: Option<&Value>, warn: &mut impl FnMut(String)) -> Thresholds {
    let mut t = Thresholds::default();
    let obj = match value {
        None => return t,
        Some(Value::Object(obj)) => obj,
        Some(other) => {
            warn(format!(
                "ptpClockThreshold is {}, not an object: defaults used",
                kind(other)
            ));
            return t;
        }
    };
    let mut int = |key: &str, default: i64| -> Option<i64> {
        match get(obj, key)? {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_u64().map(|_| i64::MAX))
                // `as` truncates toward zero and saturates.
                .or_else(|| n.as_f64().map(|f| f as i64)),
            other => {
                warn(format!(
                    "{key} is {}, not a number: default {default} used",
                    kind(other)
                ));
                None
            }
        }
    };
    let holdover = int("holdOverTimeout", 5);
    let max = int("maxOffsetThreshold", 100);
    let min = int("minOffsetThreshold", -100);
    match holdover {
        Some(h) if h > 0 => t.holdover_timeout_s = h.unsigned_abs(),
        Some(h) => warn(format!("holdOverTimeout {h} is not > 0: default 5 used")),
        None => {}
    }
    match max {
        Some(m) if m > 0 => t.max_offset = m,
        Some(m) => warn(format!(
            "maxOffsetThreshold {m} is not > 0: default 100 used"
        )),
        None => {}
    }
    if let Some(m) = min {
        t.min_offset = m;
    }
    if t.min_offset >= t.max_offset {
        let fixed = t.max_offset - 1;
        warn(format!(
            "minOffsetThreshold {} is not below maxOffsetThreshold {}: {fixed} used",
            t.min_offset, t.max_offset
        ));
        t.min_offset = fixed;
    }
    t
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_EXAMPLE: &str = r#"[
  {
    "name": "oc-profile",
    "interface": "ens2f0",
    "ptp4lOpts": "-2 -s --summary_interval -4",
    "phc2sysOpts": "-a -r -m -n 24 -N 8 -R 16",
    "ptpClockThreshold": {
      "holdOverTimeout": 5,
      "maxOffsetThreshold": 100,
      "minOffsetThreshold": -100
    }
  },
  {
    "name": "tbc-tr",
    "ptp4lOpts": "-2 --summary_interval -4",
    "ts2phcOpts": "-s generic -a --ts2phc.rh_external_pps 1",
    "ptpSettings": {"controllingProfile": "tbc-tt"},
    "ptpClockThreshold": {"maxOffsetThreshold": 50}
  }
]"#;

    fn t(h: u64, max: i64, min: i64) -> Thresholds {
        Thresholds {
            holdover_timeout_s: h,
            max_offset: max,
            min_offset: min,
        }
    }

    fn one(json_profile: &str) -> (ProfileSettings, Vec<Warning>) {
        let (mut p, w) =
            parse_profiles("f", &format!("[{json_profile}]")).expect("valid profile file");
        assert_eq!(p.len(), 1);
        (p.remove(0), w)
    }

    #[test]
    fn spec_example() {
        let (p, w) = parse_profiles("f", SPEC_EXAMPLE).expect("parses");
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "oc-profile");
        assert_eq!(p[0].thresholds, t(5, 100, -100));
        assert!(!p[0].tbc && !p[0].ntp_failover);
        assert_eq!(p[1].name, "tbc-tr");
        assert_eq!(p[1].thresholds, t(5, 50, -100));
        assert!(p[1].tbc);
    }

    #[test]
    fn each_omitted_field_takes_its_own_default() {
        let (p, _) = one(r#"{"name":"a","ptpClockThreshold":{"holdOverTimeout":30}}"#);
        assert_eq!(p.thresholds, t(30, 100, -100));
        let (p, _) = one(r#"{"name":"a","ptpClockThreshold":{"minOffsetThreshold":-20}}"#);
        assert_eq!(p.thresholds, t(5, 100, -20));
        let (p, _) = one(r#"{"name":"a","ptpClockThreshold":{}}"#);
        assert_eq!(p.thresholds, t(5, 100, -100));
        let (p, _) = one(r#"{"name":"a"}"#);
        assert_eq!(p.thresholds, t(5, 100, -100));
        let (p, w) = one(r#"{"name":"a","ptpClockThreshold":null}"#);
        assert_eq!(p.thresholds, t(5, 100, -100));
        assert!(w.is_empty());
    }

    #[test]
    fn validation_rules() {
        let (p, w) = one(
            r#"{"name":"a","ptpClockThreshold":{"holdOverTimeout":0,"maxOffsetThreshold":-5}}"#,
        );
        assert_eq!(p.thresholds, t(5, 100, -100));
        assert_eq!(w.len(), 2, "{w:?}");
        let (p, w) = one(
            r#"{"name":"a","ptpClockThreshold":{"maxOffsetThreshold":50,"minOffsetThreshold":50}}"#,
        );
        assert_eq!(p.thresholds, t(5, 50, 49));
        assert_eq!(w.len(), 1);
        assert!(w[0].to_string().contains("49 used"), "{}", w[0]);
        let (p, _) = one(r#"{"name":"a","ptpClockThreshold":{"minOffsetThreshold":500}}"#);
        assert_eq!(p.thresholds, t(5, 100, 99));
    }

    #[test]
    fn fractions_truncate_toward_zero_and_non_numbers_are_omitted() {
        let (p, w) = one(
            r#"{"name":"a","ptpClockThreshold":{"holdOverTimeout":7.9,"maxOffsetThreshold":50.5,"minOffsetThreshold":-20.7}}"#,
        );
        assert_eq!(p.thresholds, t(7, 50, -20));
        assert!(w.is_empty());
        let (p, w) = one(
            r#"{"name":"a","ptpClockThreshold":{"holdOverTimeout":"10","maxOffsetThreshold":true,"minOffsetThreshold":[1]}}"#,
        );
        assert_eq!(p.thresholds, t(5, 100, -100));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].to_string().contains("holdOverTimeout is a string"));
        let (p, w) = one(r#"{"name":"a","ptpClockThreshold":{"holdOverTimeout":0.5}}"#);
        assert_eq!(p.thresholds, t(5, 100, -100));
        assert_eq!(w.len(), 1);
        let (p, _) = one(r#"{"name":"a","ptpClockThreshold":{"holdOverTimeout":1e30}}"#);
        assert_eq!(p.thresholds.holdover_timeout_s, i64::MAX as u64);
        let (p, _) =
            one(r#"{"name":"a","ptpClockThreshold":{"maxOffsetThreshold":18446744073709551615}}"#);
        assert_eq!(p.thresholds.max_offset, i64::MAX);
    }

    #[test]
    fn keys_are_case_insensitive_exact_wins() {
        let (p, _) = one(
            r#"{"NAME":"a","ts2PhcOpts":"--ts2phc.rh_external_pps 1","PTPCLOCKTHRESHOLD":{"maxoffsetthreshold":60}}"#,
        );
        assert_eq!(p.name, "a");
        assert!(p.tbc);
        assert_eq!(p.thresholds.max_offset, 60);
        let (p, _) = one(
            r#"{"name":"a","ptpClockThreshold":{"MAXOFFSETTHRESHOLD":70,"maxOffsetThreshold":80}}"#,
        );
        assert_eq!(p.thresholds.max_offset, 80);
    }

    #[test]
    fn profile_properties() {
        let (p, _) = one(r#"{"name":"a","ptpSettings":{"controllingprofile":""}}"#);
        assert!(p.tbc);
        let (p, _) = one(r#"{"name":"a","ts2phcOpts":"-s generic","chronydOpts":"-d"}"#);
        assert!(!p.tbc);
        assert!(p.ntp_failover);
        let (p, _) = one(r#"{"name":"a","chronydOpts":"  "}"#);
        assert!(!p.ntp_failover);
        let (p, _) = one(r#"{"name":"ha","ptpSettings":{"haProfiles":"p1, p2,,"}}"#);
        assert_eq!(p.ha_profiles, vec!["p1".to_string(), "p2".to_string()]);
        let (p, w) = one(r#"{"name":"a","ptpSettings":"x","unknown":{"deep":[1,2]}}"#);
        assert!(!p.tbc);
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn odd_entries_are_skipped_with_a_warning() {
        let (p, w) = parse_profiles(
            "f",
            r#"[1, {"interface":"x"}, {"name":"a"}, {"name":"a","ptpClockThreshold":{"holdOverTimeout":9}}]"#,
        )
        .expect("parses");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].thresholds.holdover_timeout_s, 5);
        assert_eq!(w.len(), 3, "{w:?}");
        assert_eq!(w[0].profile.as_deref(), Some("#1"));
        assert_eq!(w[1].profile.as_deref(), Some("#2"));
        assert!(w[2].message.contains("more than once"));
    }

    #[test]
    fn null_and_empty_list() {
        let (p, w) = parse_profiles("f", "null").expect("null is accepted");
        assert!(p.is_empty());
        assert_eq!(w.len(), 1);
        let (p, w) = parse_profiles("f", " [ ] ").expect("parses");
        assert!(p.is_empty() && w.is_empty());
    }

    #[test]
    fn not_a_list_is_an_error_with_location() {
        let e =
            parse_profiles("/etc/linuxptp/node1", "[\n  {\"name\": \"a\",}\n]").expect_err("bad");
        assert_eq!(e.line(), Some(2));
        assert!(e.to_string().starts_with("/etc/linuxptp/node1:2:"), "{e}");
        let e = parse_profiles("/etc/linuxptp/node1", "{\"name\":\"a\"}").expect_err("object");
        assert_eq!(
            e.to_string(),
            "/etc/linuxptp/node1: expected a JSON list of profiles, found an object"
        );
        let e = parse_profiles("p", "").expect_err("empty");
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }
}
