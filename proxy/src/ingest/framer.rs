//! Line framing of one connection (socket-and-lines.md §1.3), pure: lines
//! end with `\n`; `\r` and trailing blanks are trimmed; empty lines are
//! skipped; a line over [`MAX_LINE`] bytes or not UTF-8 is rejected and the
//! next line is read normally.

/// Longest accepted line, excluding the terminator.
pub const MAX_LINE: usize = 64 * 1024;

/// Carry-over capacity kept between lines; a longer partial line's
/// storage is freed once the line is complete or rejected.
const CARRY_KEPT: usize = 4 * 1024;

/// Line framing state of one connection (§1.3).
#[derive(Default)]
pub struct Framer {
    buf: Vec<u8>,
    discarding: bool,
}

/// What the framer produced for one complete line.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed<'a> {
    /// A line, borrowed from the read buffer or the framer's carry-over.
    Line(&'a str),
    Rejected,
}

impl Framer {
    /// Feeds bytes; calls `out` for every complete line (empty lines skipped).
    /// A line that lies whole in `data` is not copied.
    pub fn feed(&mut self, mut data: &[u8], out: &mut impl FnMut(Framed<'_>)) {
        while !data.is_empty() {
            match find_newline(data) {
                Some(i) => {
                    let (head, rest) = data.split_at(i);
                    data = &rest[1..];
                    if self.discarding {
                        self.discarding = false;
                        self.reset_carry();
                        continue;
                    }
                    if self.buf.len() + head.len() > MAX_LINE + 1 {
                        self.reset_carry();
                        out(Framed::Rejected);
                        continue;
                    }
                    if self.buf.is_empty() {
                        finish(head, out);
                    } else {
                        self.buf.extend_from_slice(head);
                        finish(&self.buf, out);
                        self.reset_carry();
                    }
                }
                None => {
                    if !self.discarding {
                        if self.buf.len() + data.len() > MAX_LINE + 1 {
                            // Too long already: not copied (a long line
                            // once cost a 128 KiB carry-over per
                            // connection before it was dropped).
                            self.reset_carry();
                            self.discarding = true;
                            out(Framed::Rejected);
                        } else {
                            self.buf.extend_from_slice(data);
                        }
                    }
                    data = &[];
                }
            }
        }
    }
}

impl Framer {
    /// Empties the carry-over; frees it if a long line made it large.
    fn reset_carry(&mut self) {
        if self.buf.capacity() > CARRY_KEPT {
            self.buf = Vec::new();
        } else {
            self.buf.clear();
        }
    }

    /// Bytes allocated for the carry-over.
    pub fn carry_capacity(&self) -> usize {
        self.buf.capacity()
    }
}

/// Position of the first `\n`, eight bytes at a time.
fn find_newline(data: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut words = data.chunks_exact(8);
    let mut at = 0;
    for w in words.by_ref() {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) ^ NL;
        // The lowest set bit marks the first zero byte of `x` (higher
        // ones may be false after a zero, never before one).
        let zero = x.wrapping_sub(LO) & !x & HI;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| at + p)
}

/// Trims a complete line (`\r`, then blanks) and hands it out; empty lines
/// are skipped.
fn finish(line: &[u8], out: &mut impl FnMut(Framed<'_>)) {
    let mut line = line.strip_suffix(b"\r").unwrap_or(line);
    while let [head @ .., b' ' | b'\t'] = line {
        line = head;
    }
    if line.is_empty() {
        return;
    }
    if line.len() > MAX_LINE {
        return out(Framed::Rejected);
    }
    out(match std::str::from_utf8(line) {
        Ok(s) => Framed::Line(s),
        Err(_) => Framed::Rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newline_search_finds_the_first() {
        for len in 0..40 {
            for nl in 0..len {
                let mut v = vec![b'a'; len];
                v[nl] = b'\n';
                if nl + 3 < len {
                    v[nl + 3] = b'\n';
                }
                // Bytes that differ from a newline by one bit or a borrow.
                if nl > 0 {
                    v[nl - 1] = 0x0b;
                }
                assert_eq!(find_newline(&v), Some(nl), "{len} {nl}");
            }
            assert_eq!(find_newline(&vec![0x0bu8; len]), None);
        }
    }

    /// Owned form of `Framed`, for comparing.
    #[derive(Debug, PartialEq, Eq)]
    enum Owned {
        Line(String),
        Rejected,
    }

    fn frame(chunks: &[&[u8]]) -> Vec<Owned> {
        let mut f = Framer::default();
        let mut out = Vec::new();
        for c in chunks {
            f.feed(c, &mut |x| {
                out.push(match x {
                    Framed::Line(s) => Owned::Line(s.to_string()),
                    Framed::Rejected => Owned::Rejected,
                })
            });
        }
        out
    }

    #[test]
    fn a_long_line_leaves_no_large_carry_over_behind() {
        let mut f = Framer::default();
        let mut n = 0;
        let chunk = vec![b'x'; 48 * 1024];
        // A 1 MiB line in 48 KiB pieces (rejected), then a long valid one.
        for _ in 0..22 {
            f.feed(&chunk, &mut |_| n += 1);
        }
        assert!(f.carry_capacity() <= CARRY_KEPT, "{}", f.carry_capacity());
        f.feed(b"\n", &mut |_| n += 1);
        f.feed(&chunk, &mut |_| n += 1);
        f.feed(b"\n", &mut |_| n += 1);
        assert_eq!(n, 2, "one rejected, one line");
        assert!(f.carry_capacity() <= CARRY_KEPT, "{}", f.carry_capacity());
    }

    #[test]
    fn splits_lines_across_reads_and_trims() {
        let out = frame(&[b"CMD LIVE", b"_START\r\n\nabc \t\nparti", b"al"]);
        assert_eq!(
            out,
            vec![
                Owned::Line("CMD LIVE_START".into()),
                Owned::Line("abc".into())
            ]
        );
    }

    #[test]
    fn rejects_long_lines_and_invalid_utf8_then_continues() {
        let long = vec![b'a'; MAX_LINE + 10];
        let out = frame(&[&long, &long, b"\nok\n", b"\xff\xfe\n", b"next\n"]);
        assert_eq!(
            out,
            vec![
                Owned::Rejected,
                Owned::Line("ok".into()),
                Owned::Rejected,
                Owned::Line("next".into())
            ]
        );
        let exact = vec![b'b'; MAX_LINE];
        let out = frame(&[&exact, b"\n"]);
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0], Owned::Line(s) if s.len() == MAX_LINE));
    }
}
