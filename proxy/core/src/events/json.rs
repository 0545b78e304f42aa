//! A small compact-JSON writer for the envelopes: members are written in the
//! fixed order of the spec, strings are escaped as serde_json escapes them.

use std::time::SystemTime;

use bytes::Bytes;

use super::time::Rfc3339Buf;
use super::Value;

/// Which key set the items of `values` use (§2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKeys {
    /// `ResourceAddress`, `data_type`, `value_type`, `value` (v2, transport,
    /// v1 generation `1.0`).
    V2,
    /// `resource`, `dataType`, `valueType`, `value` (v1 generation `v1`).
    V1,
}

/// An output buffer for one envelope.
pub(crate) struct JsonBuf(Vec<u8>);

impl JsonBuf {
    /// A buffer sized for an envelope around `values` plus `extra` bytes of
    /// variable-length members (addresses, ids).
    pub(crate) fn for_values(values: &[Value], extra: usize) -> JsonBuf {
        let per_value: usize = values
            .iter()
            .map(|v| v.address.len() + v.value.len() + 96)
            .sum();
        JsonBuf(Vec::with_capacity(256 + extra + per_value))
    }

    /// Appends JSON text as is.
    pub(crate) fn raw(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    /// Appends `s` as a JSON string.
    pub(crate) fn string(&mut self, s: &str) {
        if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            self.0.reserve(s.len() + 2);
            self.0.push(b'"');
            self.0.extend_from_slice(s.as_bytes());
            self.0.push(b'"');
        } else if serde_json::to_writer(&mut self.0, s).is_err() {
            // Unreachable: serialising a str into a Vec cannot fail.
            self.0.extend_from_slice(b"\"\"");
        }
    }

    /// Appends a time stamp (§4.4) as a JSON string.
    pub(crate) fn time(&mut self, t: SystemTime) {
        self.string(Rfc3339Buf::new(t).as_str());
    }

    /// Appends `{"version":<version>,"values":[…]}`.
    pub(crate) fn data(&mut self, version: &str, keys: ValueKeys, values: &[Value]) {
        self.raw("{\"version\":");
        self.string(version);
        self.raw(",\"values\":[");
        let (k_addr, k_dt, k_vt) = match keys {
            ValueKeys::V2 => (
                "{\"ResourceAddress\":",
                ",\"data_type\":",
                ",\"value_type\":",
            ),
            ValueKeys::V1 => ("{\"resource\":", ",\"dataType\":", ",\"valueType\":"),
        };
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.raw(",");
            }
            self.raw(k_addr);
            self.string(&v.address);
            self.raw(k_dt);
            self.string(v.data_type.as_str());
            self.raw(k_vt);
            self.string(v.data_type.value_type());
            self.raw(",\"value\":");
            self.string(&v.value);
            self.raw("}");
        }
        self.raw("]}");
    }

    pub(crate) fn finish(self) -> Bytes {
        Bytes::from(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for s in [
            "plain",
            "quote\"back\\slash",
            "ctl\u{1}\n\t\r\u{7f}",
            "unicode é ✓ 😀",
            "/slash/",
        ] {
            let mut b = JsonBuf(Vec::new());
            b.string(s);
            let expected = serde_json::to_string(s).expect("serialises");
            assert_eq!(String::from_utf8(b.0).expect("utf8"), expected);
        }
    }
}
