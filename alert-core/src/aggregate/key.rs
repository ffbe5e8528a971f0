//! Hashable identities of JSON values ([`TermKey`]) and pre-split field paths ([`FieldPath`]).
//!
//! Both exist for speed: a rule or an aggregation looks a field up once per document and
//! hashes the value it found, so neither step may allocate in the common case (strings and
//! numbers). A [`TermKey`] map can be queried with a borrowed [`TermKeyRef`] through
//! [`TermKey::view`] and the `Borrow<dyn KeyView>` bridge below.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde_json::Value;

use crate::document::{find_path, python_str};

/// A value as a dictionary key, with Python's equality: `1 == 1.0 == True`, lists and
/// objects by their `str()` (ElastAlert2's `hashable`), tuples for composite keys.
#[derive(Debug, Clone)]
pub enum TermKey {
    /// `None` (JSON null).
    Null,
    /// An integer, or a float / boolean equal to one.
    Int(i64),
    /// A float that is not an integer, by its bits.
    Float(u64),
    /// A string.
    Str(Box<str>),
    /// The Python `str()` of a list or an object.
    Repr(Box<str>),
    /// A composite value (new_term's list fields).
    Tuple(Box<[TermKey]>),
}

/// A borrowed [`TermKey`], built from a document value without allocating (except for lists
/// and objects, whose identity is their text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TermKeyRef<'a> {
    /// `None`.
    Null,
    /// An integer.
    Int(i64),
    /// A non-integral float's bits.
    Float(u64),
    /// A string.
    Str(&'a str),
    /// A list's or object's `str()`.
    Repr(std::borrow::Cow<'a, str>),
    /// A composite value.
    Tuple(&'a [TermKey]),
}

impl<'a> TermKeyRef<'a> {
    /// The key of a JSON value.
    pub fn of(value: &'a Value) -> Self {
        match value {
            Value::Null => TermKeyRef::Null,
            Value::Bool(b) => TermKeyRef::Int(i64::from(*b)),
            Value::Number(n) => number_key(n),
            Value::String(s) => TermKeyRef::Str(s),
            other => TermKeyRef::Repr(python_str(other).into()),
        }
    }

    /// The owned key.
    pub fn to_owned_key(&self) -> TermKey {
        match self {
            TermKeyRef::Null => TermKey::Null,
            TermKeyRef::Int(i) => TermKey::Int(*i),
            TermKeyRef::Float(bits) => TermKey::Float(*bits),
            TermKeyRef::Str(s) => TermKey::Str((*s).into()),
            TermKeyRef::Repr(s) => TermKey::Repr(s.as_ref().into()),
            TermKeyRef::Tuple(items) => TermKey::Tuple(items.to_vec().into()),
        }
    }
}

/// Integers and integral floats share one identity, as in Python.
fn number_key(n: &serde_json::Number) -> TermKeyRef<'static> {
    if let Some(i) = n.as_i64() {
        return TermKeyRef::Int(i);
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    // i64::MAX as f64 rounds up to 2^63, so the bound is exclusive.
    if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        TermKeyRef::Int(f as i64)
    } else {
        TermKeyRef::Float(f.to_bits())
    }
}

impl TermKey {
    /// The key of a JSON value.
    pub fn of(value: &Value) -> Self {
        TermKeyRef::of(value).to_owned_key()
    }

    /// The borrowed view, for hashing and comparing.
    pub fn view(&self) -> TermKeyRef<'_> {
        match self {
            TermKey::Null => TermKeyRef::Null,
            TermKey::Int(i) => TermKeyRef::Int(*i),
            TermKey::Float(bits) => TermKeyRef::Float(*bits),
            TermKey::Str(s) => TermKeyRef::Str(s),
            TermKey::Repr(s) => TermKeyRef::Repr(std::borrow::Cow::Borrowed(s)),
            TermKey::Tuple(items) => TermKeyRef::Tuple(items),
        }
    }

    /// Elasticsearch's bucket order for keys: numbers numerically, then strings by bytes.
    pub fn es_cmp(&self, other: &TermKey) -> Ordering {
        let rank = |k: &TermKey| match k {
            TermKey::Int(_) | TermKey::Float(_) => 0,
            _ => 1,
        };
        match (self.as_f64(), other.as_f64()) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            _ => rank(self)
                .cmp(&rank(other))
                .then_with(|| self.text().cmp(other.text())),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            TermKey::Int(i) => Some(*i as f64),
            TermKey::Float(bits) => Some(f64::from_bits(*bits)),
            _ => None,
        }
    }

    fn text(&self) -> &str {
        match self {
            TermKey::Str(s) | TermKey::Repr(s) => s,
            _ => "",
        }
    }
}

/// Anything that can present itself as a [`TermKeyRef`]: the bridge that lets a
/// `HashMap<TermKey, _>` be queried with a borrowed key.
pub trait KeyView {
    /// The borrowed key.
    fn key_view(&self) -> TermKeyRef<'_>;
}

impl KeyView for TermKey {
    fn key_view(&self) -> TermKeyRef<'_> {
        self.view()
    }
}

impl KeyView for TermKeyRef<'_> {
    fn key_view(&self) -> TermKeyRef<'_> {
        self.clone()
    }
}

impl<'a> Borrow<dyn KeyView + 'a> for TermKey {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

impl Hash for dyn KeyView + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key_view().hash(state);
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.key_view() == other.key_view()
    }
}

impl Eq for dyn KeyView + '_ {}

impl Hash for TermKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.view().hash(state);
    }
}

impl PartialEq for TermKey {
    fn eq(&self, other: &Self) -> bool {
        self.view() == other.view()
    }
}

impl Eq for TermKey {}

/// A field name prepared once: looked up with ElastAlert2's `lookup_es_key` semantics (the
/// longest literal key wins, a scalar ends the path, `name[N]` indexes), without allocating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    name: Box<str>,
    /// The name without a `.keyword` / `.raw` suffix, tried when the full name finds nothing
    /// (aggregations only: the suffix names the exact value).
    fallback: Option<Box<str>>,
}

impl FieldPath {
    /// A field for rule options (`query_key`, `cardinality_field`, ...).
    pub fn new(name: &str) -> Self {
        FieldPath {
            name: name.into(),
            fallback: None,
        }
    }

    /// A field of an aggregation body: a `.keyword` or `.raw` suffix means the exact value.
    pub fn exact(name: &str) -> Self {
        let fallback = [".keyword", ".raw"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .filter(|n| !n.is_empty())
            .map(Into::into);
        FieldPath {
            name: name.into(),
            fallback,
        }
    }

    /// The name as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value in a document (`None` when absent).
    pub fn lookup<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        find_path(doc, &self.name)
            .or_else(|| self.fallback.as_deref().and_then(|n| find_path(doc, n)))
    }
}

/// Python's truthiness of a looked-up value: absent, null, `0`, `0.0`, `false`, `""`, `[]`
/// and `{}` are falsy.
pub fn is_truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::lookup_es_key;
    use serde_json::json;
    use std::collections::HashMap;

    #[test]
    fn keys_follow_python_equality() {
        let same = [
            (json!(1), json!(1.0)),
            (json!(true), json!(1)),
            (json!(["a"]), json!(["a"])),
        ];
        for (a, b) in same {
            assert_eq!(TermKey::of(&a), TermKey::of(&b), "{a} vs {b}");
        }
        let different = [
            (json!("1"), json!(1)),
            (json!(["a"]), json!("['a']")),
            (json!(1.5), json!(1)),
        ];
        for (a, b) in different {
            assert_ne!(TermKey::of(&a), TermKey::of(&b), "{a} vs {b}");
        }
    }

    #[test]
    fn a_map_of_owned_keys_answers_borrowed_lookups() {
        let mut map: HashMap<TermKey, u32> = HashMap::new();
        map.insert(TermKey::of(&json!("web-1")), 7);
        map.insert(TermKey::of(&json!(3)), 9);
        let probe = json!("web-1");
        let view = TermKeyRef::of(&probe);
        assert_eq!(map.get(&view as &dyn KeyView), Some(&7));
        let three = json!(3.0);
        assert_eq!(map.get(&TermKeyRef::of(&three) as &dyn KeyView), Some(&9));
        let absent = json!("web-2");
        assert_eq!(map.get(&TermKeyRef::of(&absent) as &dyn KeyView), None);
    }

    #[test]
    fn es_order_puts_numbers_first_then_strings_by_bytes() {
        let mut keys: Vec<TermKey> = [json!("b"), json!(10), json!("a"), json!(2.5)]
            .iter()
            .map(TermKey::of)
            .collect();
        keys.sort_by(TermKey::es_cmp);
        let back: Vec<TermKeyRef<'_>> = keys.iter().map(TermKey::view).collect();
        assert_eq!(back[0], TermKeyRef::Float(2.5f64.to_bits()));
        assert_eq!(back[1], TermKeyRef::Int(10));
        assert_eq!(back[2], TermKeyRef::Str("a"));
    }

    #[test]
    fn field_paths_agree_with_lookup_es_key() {
        let doc = json!({"a": {"b": 1}, "a.b": {"c": 2}, "s": "x", "l": [{"n": 1}], "o": {"k": 1}});
        for name in [
            "a.b",
            "a.b.c",
            "s",
            "s.keyword",
            "l[0]n",
            "missing",
            "a.x",
            "o.keyword",
        ] {
            assert_eq!(
                FieldPath::new(name).lookup(&doc),
                lookup_es_key(&doc, name),
                "{name}"
            );
        }
    }

    #[test]
    fn exact_fields_fall_back_to_the_name_without_the_suffix() {
        let doc = json!({"user": {"name": "bob"}, "obj": {"x": 1}});
        assert_eq!(
            FieldPath::exact("user.name.raw").lookup(&doc),
            Some(&json!("bob"))
        );
        assert_eq!(
            FieldPath::exact("obj.keyword").lookup(&doc),
            Some(&json!({"x": 1}))
        );
        assert_eq!(FieldPath::new("obj.keyword").lookup(&doc), None);
    }

    #[test]
    fn truthiness_is_pythons() {
        let falsy = [
            json!(null),
            json!(0),
            json!(0.0),
            json!(false),
            json!(""),
            json!([]),
            json!({}),
        ];
        for v in falsy {
            assert!(!is_truthy(Some(&v)), "{v}");
        }
        assert!(!is_truthy(None));
        for v in [json!(1), json!("a"), json!([0]), json!(true)] {
            assert!(is_truthy(Some(&v)), "{v}");
        }
    }
}
