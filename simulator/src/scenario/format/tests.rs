//! Invalid scenario files: every error names the file, the line and the
//! problem.

use super::*;

const PROFILE: &str = r#"
[[profile]]
name = "p"
type = "OC"
[[profile.interface]]
name = "ens2f0"
role = "slave"
"#;

fn err(text: &str) -> String {
    Scenario::from_str_named(text, "bad.toml", "bad")
        .expect_err("invalid file must fail")
        .to_string()
}

#[test]
fn an_unknown_profile_type_names_file_line_and_value() {
    let text = "node = \"n\"\n[[profile]]\nname = \"p\"\ntype = \"XX\"\n";
    let e = err(text);
    assert!(e.starts_with("bad.toml:4:"), "{e}");
    assert!(e.contains("XX") || e.contains("variant"), "{e}");
}

#[test]
fn an_enum_typo_in_a_step_names_its_line() {
    let text = format!("{PROFILE}\n[[step]]\nkind = \"gm_loss\"\nto = \"MASTR\"\n");
    let e = err(&text);
    // The step table starts on line 9; the span points into it.
    assert!(e.starts_with("bad.toml:"), "{e}");
    let line: usize = e
        .split(':')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a line number");
    assert!((9..=11).contains(&line), "{e}");
    assert!(e.contains("MASTR") || e.contains("variant"), "{e}");
}

#[test]
fn an_unknown_step_kind_is_a_syntax_error() {
    let e = err(&format!("{PROFILE}\n[[step]]\nkind = \"teleport\"\n"));
    assert!(
        e.starts_with("bad.toml:9:") || e.starts_with("bad.toml:10:"),
        "{e}"
    );
    assert!(e.contains("teleport"), "{e}");
}

#[test]
fn an_unknown_resource_in_an_expectation_names_its_line() {
    let text = format!(
        "{PROFILE}\n[[expect.events]]\nresource = \"lock-stat\"\nvalue = \"LOCKED\"\nwithin = [0.0, 1.0]\n"
    );
    let e = err(&text);
    assert!(e.starts_with("bad.toml:10:"), "{e}");
    assert!(e.contains("lock-stat"), "{e}");
}

#[test]
fn a_step_naming_a_missing_profile_is_invalid() {
    let text = format!("{PROFILE}\n[[step]]\nkind = \"clock_class\"\nconfig = 3\nclass = 6\n");
    let e = err(&text);
    assert_eq!(
        e,
        "bad.toml: step 1 (clock_class): no profile with config = 3"
    );
}

#[test]
fn an_empty_window_is_invalid() {
    let text = format!("{PROFILE}\n[[expect.quiet]]\nwithin = [3.0, 1.0]\n");
    assert_eq!(err(&text), "bad.toml: expect: window [3, 1] is empty");
}

#[test]
fn a_known_failure_is_read() {
    let text = format!("known_failure = \"engine bug\"\n{PROFILE}");
    let s = Scenario::from_str_named(&text, "k.toml", "k").expect("valid");
    assert_eq!(s.known_failure.as_deref(), Some("engine bug"));
    assert_eq!(s.name, "k");
}

/// Found by the `scenario` fuzz target: the real runner wrote a profile
/// name the proxy refuses (`#profile: tbc-profile;`), so real and virtual
/// runs configured different nodes.
#[test]
fn names_the_proxy_cannot_read_back_are_invalid() {
    let bad_name = PROFILE.replace("name = \"p\"", "name = \"tbc-profile;\"");
    assert_eq!(
        err(&bad_name),
        "bad.toml: profile \"tbc-profile;\": a name uses only letters, digits, '_' and '-'"
    );
    let bad_iface = PROFILE.replace("\"ens2f0\"", "\"ens2 f0\"");
    assert_eq!(
        err(&bad_iface),
        "bad.toml: profile p: interface \"ens2 f0\" is not a ptp4l section name"
    );
    let twice = format!("{PROFILE}[[profile.interface]]\nname = \"ens2f0\"\nrole = \"master\"\n");
    assert_eq!(err(&twice), "bad.toml: profile p: interface ens2f0 twice");
}
