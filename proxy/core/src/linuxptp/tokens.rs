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

/// [`DELIM`] as comparisons, which the compiler turns into vector
/// instructions over a chunk: `\t \n \v \f \r` (9–13), space, `:`, and
/// `[ { ] }` (`[`/`{` and `]`/`}` differ in bit 5 only).
#[inline(always)]
fn is_delim_cmp(b: u8) -> bool {
    b == b' ' || b == b':' || b.wrapping_sub(9) < 5 || (b | 0x20) == b'{' || (b | 0x20) == b'}'
}

/// Bit `i` set iff `chunk[i]` is a delimiter.
#[inline(always)]
fn delim_mask(chunk: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &b) in flags.iter_mut().zip(chunk) {
        *f = u8::from(is_delim_cmp(b));
    }
    // Eight 0/1 bytes to eight bits: the products land on distinct bits,
    // byte j's on bit 56 + j.
    const PACK: u64 = 0x0102_0408_1020_4080;
    let mut mask = 0u64;
    for (k, w) in flags.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        mask |= (w.wrapping_mul(PACK) >> 56) << (8 * k);
    }
    mask
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
///
/// Delimiters are found 64 bytes at a time as a bit mask and tokens are
/// taken from its edges (`trailing_zeros`), so the cost is a table lookup
/// per byte and a few bit operations per token, not a data-dependent
/// branch per byte. A tag with a level suffix (rare: replayed lines) is
/// handled by `tokenize_bytewise`, which the mask version equals
/// otherwise (a property test checks it).
pub fn tokenize(line: &str) -> Tokens<'_> {
    let mut t = Tokens::empty(line);
    t.fill(line);
    t
}

impl<'a> Tokens<'a> {
    /// No tokens yet, for [`Tokens::fill`].
    pub fn empty(line: &'a str) -> Tokens<'a> {
        Tokens {
            items: [""; MAX_TOKENS],
            base: line.as_ptr() as usize,
            len: 0,
            overflow: false,
            level: None,
        }
    }

    /// [`tokenize`] in place (the struct is 680 bytes: returning it costs
    /// a copy per line).
    pub fn fill(&mut self, line: &'a str) {
        match mask_tokens(line, &mut self.items) {
            Some((len, overflow)) => {
                self.len = len;
                self.overflow = overflow;
            }
            None => *self = tokenize_bytewise(line),
        }
    }
}

/// The tokens of `line` into `items`: their number and whether there were
/// more; `None` for a tag with a level suffix.
fn mask_tokens<'a>(line: &'a str, items: &mut [&'a str; MAX_TOKENS]) -> Option<(usize, bool)> {
    let bytes = line.as_bytes();
    let n = bytes.len();
    let (mut len, mut overflow) = (0usize, false);
    let mut pos = 0;
    // Start of the token being read, if inside one.
    let mut open: Option<usize> = None;
    let mut prev_delim = true;
    while pos < n {
        let rest = n - pos;
        let d = if rest >= 64 {
            window_mask(bytes, pos)
        } else if n >= 64 {
            // The last, shorter chunk: the window ending at the line's
            // end, shifted into place; past the end are delimiters.
            (window_mask(bytes, n - 64) >> (64 - rest)) | (u64::MAX << rest)
        } else {
            let mut chunk = [b' '; 64];
            chunk[..rest].copy_from_slice(&bytes[pos..]);
            delim_mask(&chunk)
        };
        let before = (d << 1) | u64::from(prev_delim);
        let mut starts = !d & before;
        let mut ends = d & !before;
        // Starts and ends alternate: a token left open by the previous
        // chunk ends first, then each start pairs with the next end.
        if let Some(s) = open {
            if ends == 0 {
                // No delimiter in this chunk: the token goes on.
                pos += 64;
                continue;
            }
            let e = pos + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            open = None;
            if !push(line, items, &mut len, &mut overflow, s, e) {
                return None;
            }
        }
        while starts != 0 {
            let s = pos + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            if ends == 0 {
                open = Some(s);
                break;
            }
            let e = pos + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            if !push(line, items, &mut len, &mut overflow, s, e) {
                return None;
            }
        }
        prev_delim = d >> 63 == 1;
        pos += 64;
    }
    if let Some(s) = open {
        if !push(line, items, &mut len, &mut overflow, s, n) {
            return None;
        }
    }
    Some((len, overflow))
}

/// [`delim_mask`] of the 64 bytes at `at` (`at + 64 <= bytes.len()`).
#[inline(always)]
fn window_mask(bytes: &[u8], at: usize) -> u64 {
    match bytes[at..at + 64].try_into() {
        Ok(chunk) => delim_mask(chunk),
        Err(_) => 0,
    }
}

/// Stores `line[s..e]` as the next token; false if it is a configuration
/// tag followed by a level suffix (the caller starts over byte by byte).
#[inline(always)]
fn push<'a>(
    line: &'a str,
    items: &mut [&'a str; MAX_TOKENS],
    len: &mut usize,
    overflow: &mut bool,
    s: usize,
    e: usize,
) -> bool {
    let tok = &line[s..e];
    match items.get_mut(*len) {
        Some(slot) => {
            *slot = tok;
            *len += 1;
        }
        None => *overflow = true,
    }
    let bytes = line.as_bytes();
    !(bytes.get(e) == Some(&b':') && is_config_like(tok) && level_run(bytes, e).is_some())
}

/// [`tokenize`], one byte at a time, with the level suffix handling.
pub fn tokenize_bytewise(line: &str) -> Tokens<'_> {
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

/// Whether a tag token starts with a configuration name
/// (`ptp4l.0.config`, ...): the common case of [`has_config_name`], checked
/// without a search. False does not mean there is none.
#[inline]
pub fn starts_with_config_name(tok: &str) -> bool {
    let b = tok.as_bytes();
    let Some(dot) = b.iter().position(|&c| c == b'.') else {
        return false;
    };
    if !matches!(
        &b[..dot],
        b"ptp4l" | b"ts2phc" | b"phc2sys" | b"synce4l" | b"chronyd"
    ) {
        return false;
    }
    let digits = b[dot + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    b[dot + 1 + digits..].starts_with(b".config")
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
        for tag in [
            "ptp4l.0.config",
            "phc2sys..config",
            "ts2phc.12.configx",
            "chronyd.1.config",
        ] {
            assert!(
                starts_with_config_name(tag) && has_config_name(tag),
                "{tag}"
            );
        }
        for tag in [
            "xptp4l.0.config",
            "ptp4l.a.config",
            "ptp4l.0.conf",
            "ptp4l",
            "5383.019",
        ] {
            assert!(!starts_with_config_name(tag), "{tag}");
        }
    }

    fn same(line: &str) {
        let (a, b) = (tokenize(line), tokenize_bytewise(line));
        assert_eq!(a.as_slice(), b.as_slice(), "{line:?}");
        assert_eq!((a.overflow, a.level), (b.overflow, b.level), "{line:?}");
        let starts = |t: &Tokens<'_>| (0..t.len()).map(|i| t.start(i)).collect::<Vec<_>>();
        assert_eq!(starts(&a), starts(&b), "{line:?}");
    }

    #[test]
    fn the_mask_tokenizer_equals_the_bytewise_one() {
        for line in [
            "",
            " ",
            "a",
            "ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2 freq -1 path delay 2",
            "ptp4l[72444.514]: [ptp4l.0.config:5] port 1 (ens1f0): SLAVE",
            "ptp4l[1]: [ptp4l.0.config:{level}] port 1",
            "ptp4l[1]: [ptp4l.0.config:5:x] port 1",
            "x.0.config: foo",
            "é[ü]:ö{x}y\tz",
            &"a".repeat(64),
            &"a".repeat(63),
            &format!("{} b", "a".repeat(63)),
            &format!("{}[b", "a".repeat(64)),
            &"ab ".repeat(50),
            &format!("{} ptp4l.0.config:3 x", "a ".repeat(45)),
        ] {
            same(line);
        }
    }

    proptest::proptest! {
        #[test]
        fn the_tokenizers_agree_on_any_text(line in "[ a-z0-9.:\\[\\]{}\t\r\n\u{b}\u{c}é-]{0,200}") {
            same(&line);
        }

        #[test]
        fn the_tokenizers_agree_on_tags(
            pre in "[a-z0-9 \\[\\]:]{0,80}",
            tag in "(ptp4l|ts2phc|x)\\.[0-9a-z]{1,3}\\.config(:[0-9a-z{}]{0,3}){0,3}",
            post in "[a-z0-9 \\[\\]:{}]{0,80}",
        ) {
            same(&format!("{pre}{tag}{post}"));
        }
    }

    #[test]
    fn delimiter_comparisons_equal_the_table() {
        for b in 0..=255u8 {
            assert_eq!(is_delim_cmp(b), is_delim(b), "{b:#x}");
        }
        let mut chunk = [b'a'; 64];
        for i in [0, 7, 8, 33, 63] {
            chunk[i] = b':';
        }
        let m = delim_mask(&chunk);
        assert_eq!(m, 1 | 1 << 7 | 1 << 8 | 1 << 33 | 1 << 63);
    }

    #[test]
    fn overflow_is_flagged_not_panicking() {
        let line = "a ".repeat(100);
        let t = tokenize(&line);
        assert_eq!(t.len(), MAX_TOKENS);
        assert!(t.overflow);
    }
}
