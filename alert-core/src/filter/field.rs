//! Field names and their look-up in a document, with ElastAlert2's `lookup_es_key` semantics.

use serde_json::Value;

use crate::document::find_path;

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
        find_path(doc, &self.name)
            .or_else(|| self.without_raw.as_deref().and_then(|n| find_path(doc, n)))
    }

    /// A rough relative cost of the look-up (dotted paths walk several maps).
    pub(crate) fn cost(&self) -> usize {
        1 + self.name.matches('.').count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
