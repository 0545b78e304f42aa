//! The interface alias rule (socket-and-lines.md §4): the trailing port
//! number of a NIC port is replaced by `x`.

/// Alias of an interface name by the local rule.
pub fn alias(name: &str) -> String {
    // Split off an optional VLAN suffix: the first '.' after the first char.
    let (base, vlan) = match name.get(1..).and_then(|r| r.find('.')) {
        Some(i) => name.split_at(i + 1),
        None => (name, ""),
    };
    // Rule 1: already an alias (`^(.+?)x(\..+)?$`).
    if base.len() > 1 && base.ends_with('x') {
        return name.to_string();
    }
    // Rule 2: `^(.+?)(\d+)(?:np\d+)?(\..+)?$`.
    let mut stem = base;
    if let Some(i) = stem.rfind("np") {
        let digits = &stem[i + 2..];
        let head = &stem[..i];
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && head.bytes().next_back().is_some_and(|b| b.is_ascii_digit())
        {
            stem = head;
        }
    }
    let trimmed = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    if trimmed.is_empty() || trimmed.len() == stem.len() {
        return name.to_string();
    }
    format!("{trimmed}x{vlan}")
}

#[cfg(test)]
mod tests {
    use super::alias;

    #[test]
    fn spec_table() {
        for (name, want) in [
            ("ens2f0", "ens2fx"),
            ("ens2f1", "ens2fx"),
            ("ens1f0", "ens1fx"),
            ("eth0", "ethx"),
            ("enP2s2f0np0", "enP2s2fx"),
            ("ens20f20.100", "ens20fx.100"),
            ("ens5fx", "ens5fx"),
            ("master", "master"),
            ("lo", "lo"),
            ("CLOCK_REALTIME", "CLOCK_REALTIME"),
            ("/dev/ptp4", "/dev/ptpx"),
            ("0", "0"),
        ] {
            assert_eq!(alias(name), want, "{name}");
        }
    }
}
