//! Parsing an NDJSON line into only the top-level keys some paths can reach.
//!
//! Building a full `serde_json::Value` costs about five times as much as checking the JSON:
//! a rule's filter and timestamp read a handful of fields, and most documents fail the filter,
//! so only those that pass are parsed in full.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The top-level keys to keep: a handful, so a scan beats hashing every key of every line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WantedKeys {
    keys: Vec<Box<str>>,
}

impl WantedKeys {
    fn contains(&self, key: &str) -> bool {
        self.keys.iter().any(|k| **k == *key)
    }
}

/// The top-level keys a set of dotted paths can reach: every dot-prefix of each path (a key
/// may itself contain dots, as `lookup_es_key` allows). `None` when a path indexes a list
/// (`a[0].b`), which the caller then parses in full.
pub(crate) fn top_level_keys<'a>(paths: impl IntoIterator<Item = &'a str>) -> Option<WantedKeys> {
    let mut keys: Vec<Box<str>> = Vec::new();
    for path in paths {
        if path.contains('[') {
            return None;
        }
        let ends = path.match_indices('.').map(|(i, _)| i).chain([path.len()]);
        for end in ends {
            if !keys.iter().any(|k| **k == path[..end]) {
                keys.push(path[..end].into());
            }
        }
    }
    Some(WantedKeys { keys })
}

/// A line read with [`parse_projected`].
#[derive(Debug, PartialEq)]
pub(crate) enum Projected {
    /// A JSON object, holding only the wanted keys it has.
    Object(Map<String, Value>),
    /// Valid JSON that is not an object: what it is (`an array`, `a number`...).
    NotAnObject(&'static str),
}

/// Checks the whole line and keeps only the top-level `keys` of the object it holds (each with
/// its whole value; the last of duplicate keys wins, as in a full parse). `None` when the line
/// is not valid JSON (or not UTF-8, which skipped strings would not reveal): the caller parses
/// it in full to word the error.
pub(crate) fn parse_projected(text: &[u8], keys: &WantedKeys) -> Option<Projected> {
    let text = std::str::from_utf8(text).ok()?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let projected = deserializer
        .deserialize_any(ProjectingVisitor { keys })
        .ok()?;
    deserializer.end().ok()?;
    Some(projected)
}

struct ProjectingVisitor<'k> {
    keys: &'k WantedKeys,
}

impl<'de> Visitor<'de> for ProjectingVisitor<'_> {
    type Value = Projected;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Projected, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if self.keys.contains(&key) {
                out.insert(key.into_owned(), map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Projected::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Projected, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Projected::NotAnObject("an array"))
    }

    fn visit_unit<E>(self) -> Result<Projected, E> {
        Ok(Projected::NotAnObject("null"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Projected, E> {
        Ok(Projected::NotAnObject("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Projected, E> {
        Ok(Projected::NotAnObject("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Projected, E> {
        Ok(Projected::NotAnObject("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Projected, E> {
        Ok(Projected::NotAnObject("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Projected, E> {
        Ok(Projected::NotAnObject("a string"))
    }
}

/// A map key, borrowed from the line when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(paths: &[&str]) -> WantedKeys {
        top_level_keys(paths.iter().copied()).unwrap()
    }

    #[test]
    fn every_dot_prefix_of_a_path_is_a_key_it_can_reach() {
        let wanted = keys(&["a.b.c", "d", "a.b"]);
        let got: Vec<&str> = wanted.keys.iter().map(|k| &**k).collect();
        assert_eq!(got, ["a", "a.b", "a.b.c", "d"]);
        assert_eq!(top_level_keys(["list[0].x"]), None);
    }

    #[test]
    fn only_the_wanted_keys_are_kept_with_their_whole_values() {
        let line = br#"{"a": {"b": [1, {"c": 2}]}, "skip": {"deep": [1, 2, {"x": "y"}]}, "a.b": 3, "d\u0041": 4}"#;
        let got = parse_projected(line, &keys(&["a.b", "dA"])).unwrap();
        let expected = json!({"a": {"b": [1, {"c": 2}]}, "a.b": 3, "dA": 4});
        assert_eq!(
            got,
            Projected::Object(expected.as_object().unwrap().clone())
        );
    }

    #[test]
    fn the_last_of_duplicate_keys_wins_as_in_a_full_parse() {
        let line = br#"{"a": 1, "b": 0, "a": 2}"#;
        let full: Value = serde_json::from_slice(line).unwrap();
        let got = parse_projected(line, &keys(&["a"])).unwrap();
        assert_eq!(
            got,
            Projected::Object(json!({"a": full["a"]}).as_object().unwrap().clone())
        );
    }

    #[test]
    fn values_that_are_not_objects_say_what_they_are() {
        let none = WantedKeys::default();
        let cases: [(&[u8], &str); 6] = [
            (b"[1, {\"a\": 2}]", "an array"),
            (b"null", "null"),
            (b"true", "a boolean"),
            (b"-3", "a number"),
            (b"1.5", "a number"),
            (b"\"x\"", "a string"),
        ];
        for (line, kind) in cases {
            assert_eq!(
                parse_projected(line, &none).unwrap(),
                Projected::NotAnObject(kind)
            );
        }
    }

    #[test]
    fn invalid_json_anywhere_in_the_line_is_an_error_as_in_a_full_parse() {
        // The wording may differ (`IgnoredAny` skips without knowing what it expected); the
        // reader words the error with a full parse.
        let wanted = keys(&["a"]);
        for line in [
            &br#"{"a": 1, "skip": [1, 2,]}"#[..],
            br#"{"a": 1} trailing"#,
            br#"{"a": 1, "skip": "unterminated}"#,
            br#"{"a": 1, "skip": tru}"#,
            b"{\"a\": 1, \"skip\": \"x\xffy\"}",
        ] {
            let text = String::from_utf8_lossy(line);
            assert!(parse_projected(line, &wanted).is_none(), "{text}");
            assert!(serde_json::from_slice::<Value>(line).is_err(), "{text}");
        }
    }
}
