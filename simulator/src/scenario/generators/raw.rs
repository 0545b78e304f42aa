//! Lines given verbatim in the scenario file.

use super::out::Out;

/// Verbatim lines on `conn`, each optionally prefixed by `@<seconds> `.
pub fn lines(o: &mut Out<'_>, conn: &str, lines: &[String]) -> f64 {
    let mut last = 0.0f64;
    for l in lines {
        let (t, text) = split_at_offset(l);
        last = last.max(t);
        o.push(t, conn.to_string(), text.to_string());
    }
    last
}

/// Splits `@1.25 text` into (1.25, "text"); lines without `@` are at 0.
pub fn split_at_offset(line: &str) -> (f64, &str) {
    if let Some(rest) = line.strip_prefix('@') {
        if let Some((num, text)) = rest.split_once(char::is_whitespace) {
            if let Ok(t) = num.parse::<f64>() {
                return (t, text.trim_start());
            }
        }
    }
    (0.0, line)
}
