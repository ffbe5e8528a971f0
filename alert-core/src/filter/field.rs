//! Field names and their look-up in a document, with ElastAlert2's `lookup_es_key` semantics.

use serde_json::{Map, Value};

use crate::document::lookup_es_key;

/// A field name, with the `.raw` fallback prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    name: Box<str>,
    /// The name without a trailing `.raw`, tried when the literal name is absent.
    without_raw: Option<Box<str>>,
}

impl Field {
    /// A field as written in the query.
    pub(crate) fn new(name: &str) -> Self {
        let without_raw = name
            .strip_suffix(".raw")
            .filter(|n| !n.is_empty())
            .map(Into::into);
        Field {
            name: name.into(),
            without_raw,
        }
    }

    /// The name as written.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Whether the name asks for the exact value (`.keyword` or `.raw` suffix).
    pub(crate) fn is_exact(name: &str) -> bool {
        name.ends_with(".keyword") || name.ends_with(".raw")
    }

    /// The value of the field in a document.
    pub(crate) fn lookup<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        lookup(doc, &self.name).or_else(|| self.without_raw.as_deref().and_then(|n| lookup(doc, n)))
    }

    /// A rough relative cost of the look-up (dotted paths walk several maps).
    pub(crate) fn cost(&self) -> usize {
        1 + self.name.matches('.').count()
    }
}

/// ElastAlert2's `lookup_es_key`, without allocating for names without `[N]` indexes.
fn lookup<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    if name.contains('[') {
        return lookup_es_key(doc, name);
    }
    find(doc.as_object()?, name)
}

/// `lookup_es_key`'s search on slices of the name: the longest literal key that is a prefix of
/// the path wins (no backtracking), then the search goes on below it; a scalar ends the path.
fn find<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut end = path.len();
    loop {
        if let Some(value) = map.get(&path[..end]) {
            let rest = path.get(end + 1..).unwrap_or("");
            return match value {
                Value::Object(inner) if end < path.len() => find(inner, rest),
                _ => Some(value),
            };
        }
        end = path[..end].rfind('.')?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_agrees_with_lookup_es_key() {
        let doc = json!({
            "a": {"b": {"c": 1}}, "a.b": {"d": 2}, "x.y.z": 3, "user": "bob",
            "nested": {"keyword": "lit"}, "list": [{"n": "first"}, {"n": "second"}],
            "scalar": 5, "null": null, "e": {"": {"f": 6}}, "": {"g": 7},
        });
        let names = [
            "a.b.c",
            "a.b.d",
            "a.b",
            "a",
            "x.y.z",
            "x.y",
            "user",
            "user.keyword",
            "user.raw",
            "nested.keyword",
            "list[1]n",
            "list[0].n",
            "list",
            "scalar.deeper",
            "null",
            "nothing.here",
            "e..f",
            ".g",
            "a.",
            "",
            "a.b.d.e",
        ];
        for name in names {
            assert_eq!(lookup(&doc, name), lookup_es_key(&doc, name), "{name}");
        }
        assert_eq!(lookup(&json!([1]), "a"), None);
    }

    #[test]
    fn raw_suffix_falls_back_to_the_plain_field() {
        let doc = json!({"user": {"name": "Bob"}, "obj": {"inner": 1}});
        assert_eq!(
            Field::new("user.name.raw").lookup(&doc),
            Some(&json!("Bob"))
        );
        assert_eq!(
            Field::new("obj.raw").lookup(&doc),
            Some(&json!({"inner": 1}))
        );
        assert_eq!(Field::new("absent.raw").lookup(&doc), None);
    }

    #[test]
    fn keyword_and_raw_suffixes_mean_exact() {
        assert!(Field::is_exact("a.keyword") && Field::is_exact("a.raw") && !Field::is_exact("a"));
    }
}
