//! The hand-written tokenizer of §2.2: borrows from the line, never allocates.
//!
//! Delimiters are whitespace, `[`, `]` and `:`; `{` and `}` are removed, which
//! for every line the daemon writes is the same as treating them as
//! delimiters. The level suffix of a configuration tag (`:5` in
//! `[ptp4l.0.config:5]`) is skipped and remembered.

/// Most tokens a line can have that still matter; a longer line keeps its
/// first `MAX_TOKENS` tokens and is flagged as overflowing.
pub const MAX_TOKENS: usize = 40;

/// The token list `T` of a line.
pub struct Tokens<'a> {
    items: [&'a str; MAX_TOKENS],
    /// Address of the line, to turn a token into its offset.
    base: usize,
    len: usize,
    /// More tokens than `MAX_TOKENS`.
    pub overflow: bool,
    /// The level suffix of the tag, if any.
    pub level: Option<&'a str>,
}

impl<'a> Tokens<'a> {
    /// All stored tokens.
    pub fn as_slice(&self) -> &[&'a str] {
        &self.items[..self.len]
    }
    /// Byte offset of token `i` in the line.
    pub fn start(&self, i: usize) -> usize {
        (self.items[i].as_ptr() as usize).wrapping_sub(self.base)
    }
    /// Number of stored tokens.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Delimiter bytes as a lookup table (the tokenizer's hot loop).
const DELIM: [bool; 256] = {
    let mut t = [false; 256];
    let ds = [
        b' ', b'\t', b'[', b']', b':', b'{', b'}', b'\n', b'\r', 0x0b, 0x0c,
    ];
    let mut i = 0;
    while i < ds.len() {
        t[ds[i] as usize] = true;
        i += 1;
    }
    t
};

#[inline(always)]
fn is_delim(b: u8) -> bool {
    DELIM[b as usize]
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Whether `tok` ends with `<alnum>+.<alnum>+.config` (the tag regex of §2.2
/// step 2).
fn is_config_like(tok: &str) -> bool {
    if !tok.as_bytes().ends_with(b"g") {
        return false;
    }
    let Some(head) = tok.strip_suffix(".config") else {
        return false;
    };
    let Some((first, second)) = head.rsplit_once('.') else {
        return false;
    };
    !second.is_empty()
        && second.bytes().all(is_alnum)
        && first.bytes().next_back().is_some_and(is_alnum)
}

/// Skips `:<run>` at `i` where the run is alphanumeric (braces removed);
/// returns the end of the run and the run, if present.
fn level_run(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    if bytes.get(i) != Some(&b':') {
        return None;
    }
    let mut j = i + 1;
    let mut alnum = false;
    while j < bytes.len() && (is_alnum(bytes[j]) || bytes[j] == b'{' || bytes[j] == b'}') {
        alnum |= is_alnum(bytes[j]);
        j += 1;
    }
    alnum.then_some((i + 1, j))
}

/// Splits a line into tokens.
pub fn tokenize(line: &str) -> Tokens<'_> {
    let bytes = line.as_bytes();
    let mut t = Tokens {
        items: [""; MAX_TOKENS],
        base: line.as_ptr() as usize,
        len: 0,
        overflow: false,
        level: None,
    };
    let mut i = 0;
    while i < bytes.len() {
        let Some(skip) = bytes[i..].iter().position(|&b| !is_delim(b)) else {
            break;
        };
        let start = i + skip;
        i = bytes[start..]
            .iter()
            .position(|&b| is_delim(b))
            .map_or(bytes.len(), |n| start + n);
        let tok = &line[start..i];
        if t.len < MAX_TOKENS {
            t.items[t.len] = tok;
            t.len += 1;
        } else {
            t.overflow = true;
        }
        if is_config_like(tok) {
            if let Some((ls, le)) = level_run(bytes, i) {
                // Only the tag `T[2]` carries the model's level; suffixes
                // elsewhere are removed (§2.2 step 2) and forgotten.
                if t.len == 3 {
                    t.level = Some(line[ls..le].trim_matches(|c| c == '{' || c == '}'));
                }
                i = le;
                if let Some((_, le2)) = level_run(bytes, i) {
                    i = le2;
                }
            }
        }
    }
    t
}

/// Position of the next `.config`: a byte scan for `.`, cheaper per line
/// than setting up a substring searcher.
fn find_config(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'.' && bytes[i + 1..].starts_with(b"config") {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether the line contains a configuration name matching
/// `(ptp4l|ts2phc|phc2sys|synce4l|chronyd)\.[0-9]*\.config` (§2.2 step 3).
pub fn has_config_name(line: &str) -> bool {
    const PROGS: [&str; 5] = ["ptp4l", "ts2phc", "phc2sys", "synce4l", "chronyd"];
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(pos) = find_config(&bytes[from..]) {
        let at = from + pos;
        // Walk back over digits, then expect a '.'.
        let mut j = at;
        while j > 0 && bytes[j - 1].is_ascii_digit() {
            j -= 1;
        }
        if j > 0 && bytes[j - 1] == b'.' {
            let head = &line[..j - 1];
            if PROGS.iter().any(|p| head.ends_with(p)) {
                return true;
            }
        }
        from = at + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_brackets_colons_and_spaces() {
        let t = tokenize("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2");
        assert_eq!(
            t.as_slice(),
            [
                "ptp4l",
                "365195.391",
                "ptp4l.0.config",
                "master",
                "offset",
                "-1",
                "s2"
            ]
        );
        assert_eq!(t.level, None);
    }

    #[test]
    fn strips_level_suffix() {
        let t = tokenize("ptp4l[72444.514]: [ptp4l.0.config:5] port 1 (ens1f0): SLAVE");
        assert_eq!(t.as_slice()[2], "ptp4l.0.config");
        assert_eq!(t.as_slice()[3], "port");
        assert_eq!(t.level, Some("5"));
        let t = tokenize("ptp4l[1]: [ptp4l.0.config:{level}] port 1");
        assert_eq!(t.as_slice()[3], "port");
        let t = tokenize("ptp4l[1]: [ptp4l.0.config:5:x] port 1");
        assert_eq!(t.as_slice()[3], "port");
    }

    #[test]
    fn config_name_detection() {
        assert!(has_config_name("x [ptp4l.0.config] y"));
        assert!(has_config_name("chronyd[1][chronyd.12.config]: a"));
        assert!(has_config_name("a phc2sys..config"));
        assert!(!has_config_name("ptp4l[5376.018]: master offset -5 s2"));
        assert!(!has_config_name("foo.0.config"));
    }

    #[test]
    fn overflow_is_flagged_not_panicking() {
        let line = "a ".repeat(100);
        let t = tokenize(&line);
        assert_eq!(t.len(), MAX_TOKENS);
        assert!(t.overflow);
    }
}
