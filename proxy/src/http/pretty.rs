//! List bodies (`GET /subscriptions`, `GET /publishers`): indented with one
//! space per level like the reference (rest-api.md §2.3), members in the
//! order of the item's serde struct.

use serde::Serialize;

/// `items` as a JSON array indented by one space; `[]` when empty.
pub fn list<T: Serialize>(items: &[T]) -> Vec<u8> {
    if items.is_empty() {
        return b"[]".to_vec();
    }
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if items.serialize(&mut ser).is_err() {
        return b"[]".to_vec();
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Item {
        b: u8,
        a: &'static str,
    }

    #[test]
    fn one_space_per_level_and_field_order_kept() {
        assert_eq!(list::<Item>(&[]), b"[]");
        let text =
            String::from_utf8(list(&[Item { b: 1, a: "x" }, Item { b: 2, a: "y" }])).expect("utf8");
        assert_eq!(
            text,
            "[\n {\n  \"b\": 1,\n  \"a\": \"x\"\n },\n {\n  \"b\": 2,\n  \"a\": \"y\"\n }\n]"
        );
    }
}
