//! Which fields a filter reads, so a reader can parse only those before deciding whether a
//! document is worth parsing in full.

use super::ast::Node;

impl Node {
    /// Adds the names of the fields this node looks up to `out`; `false` when it may read any
    /// field (`default_field: *`), in which case `out` is incomplete.
    pub(crate) fn collect_fields<'a>(&'a self, out: &mut Vec<&'a str>) -> bool {
        match self {
            Node::All | Node::Nothing => true,
            Node::Exists(field) | Node::Field(field, _) => {
                out.push(field.name());
                true
            }
            Node::Not(child) => child.collect_fields(out),
            Node::And(children) | Node::Or(children) | Node::AtLeast(_, children) => {
                children.iter().all(|c| c.collect_fields(out))
            }
            Node::AnyField(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::filter::Filter;
    use crate::time::Timestamp;
    use serde_json::{Value, json};

    fn fields(filters: &Value) -> Option<Vec<String>> {
        let entries = filters.as_array().cloned().unwrap_or_default();
        Filter::compile(&entries, Timestamp::from_micros(0))
            .unwrap()
            .fields()
    }

    #[test]
    fn the_fields_of_every_leaf_are_listed_once_and_sorted() {
        let cases = [
            (json!([]), Some(vec![])),
            (json!([{"term": {"a": 1}}]), Some(vec!["a"])),
            (
                json!([
                    {"bool": {"must": [{"term": {"b.c": 1}}], "must_not": [{"exists": {"field": "a"}}]}},
                    {"bool": {"should": [{"match": {"d.keyword": "x"}}, {"range": {"b.c": {"gte": 2}}}]}},
                ]),
                Some(vec!["a", "b.c", "d.keyword"]),
            ),
            (
                json!([{"query": {"query_string": {"query": "status:[500 TO 599] AND env:prod"}}}]),
                Some(vec!["env", "status"]),
            ),
            (json!([{"ids": {"values": ["1"]}}]), Some(vec!["_id"])),
        ];
        for (filters, expected) in cases {
            let expected = expected.map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(fields(&filters), expected, "{filters}");
        }
    }

    #[test]
    fn a_query_on_every_field_reads_any_field() {
        let filters = json!([{"query_string": {"query": "error AND host:web-1"}}]);
        assert_eq!(fields(&filters), None);
    }
}
