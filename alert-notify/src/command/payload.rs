//! The pure half of `command`: the arguments with match fields substituted, and what goes to
//! standard input.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use serde_json::Value;

use super::config::{CommandConfig, Pipe};
use crate::Result;
use crate::options::AlerterOptions;
use crate::text::format::{self, Arg, FormatError};
use crate::text::python::{JsonStyle, json_dumps};
use crate::text::{body, format_error};

/// The arguments with the first match's fields substituted: `%(field)s` (a dotted field, as
/// `lookup_es_key` finds it), `{field}` / `{field[key]}` (a top-level field and items below),
/// `%%`, `{{` and `}}`. Values are Python's `str()` of the field.
///
/// Unlike ElastAlert2, which substitutes `<MISSING VALUE>`, a field the match lacks is an
/// error naming it; and placeholders are filled in one pass, so a value that itself holds
/// `{...}` is passed on as it is.
pub(crate) fn arguments(config: &CommandConfig, first: &Match) -> Result<Vec<String>> {
    let doc = Value::Object(first.body.clone());
    config
        .args
        .iter()
        .map(|template| argument(template, &doc))
        .collect()
}

fn argument(template: &str, doc: &Value) -> Result<String> {
    let resolve = |field: &format::Field<'_>| {
        let (found, name) = match field.arg {
            Arg::Path(path) => (lookup_es_key(doc, path), path),
            Arg::Name(name) => (doc.get(name), name),
            Arg::Index(_) => {
                return Err(FormatError::Invalid(format!(
                    "'{}' names no field; write {{field}} or %(field)s",
                    field.text
                )));
            }
        };
        found.ok_or_else(|| {
            FormatError::Invalid(format!(
                "field '{name}' (in '{}') is not in the match",
                field.text
            ))
        })
    };
    format::parse(template, true)
        .and_then(|pieces| format::render(&pieces, resolve))
        .map_err(|e| format_error("command", e))
}

/// What to write to the command's standard input, if anything: the matches as compact JSON
/// (insertion order, ASCII escapes, as `json.dumps`) plus a newline, or the alert body.
pub(crate) fn stdin(
    config: &CommandConfig,
    opts: &AlerterOptions<'_>,
    matches: &[Match],
) -> Result<Option<Vec<u8>>> {
    Ok(match config.pipe {
        Pipe::Nothing => None,
        Pipe::MatchJson => {
            let list = Value::Array(
                matches
                    .iter()
                    .map(|m| Value::Object(m.body.clone()))
                    .collect(),
            );
            let mut json = json_dumps(&list, JsonStyle::DEFAULT);
            json.push('\n');
            Some(json.into_bytes())
        }
        Pipe::AlertText => Some(body(opts, matches)?.into_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use serde_json::json;

    fn config(args: &[&str]) -> CommandConfig {
        CommandConfig {
            args: args.iter().map(|s| s.to_string()).collect(),
            shell: false,
            pipe: Pipe::Nothing,
            fail_on_non_zero_exit: false,
        }
    }

    #[test]
    fn substitutes_fields_of_the_first_match() {
        let m = a_match(json!({
            "user": "alice", "host": {"name": "web-1"}, "n": 3, "tags": ["a", "b"], "x": null,
            "brace": "{user}",
        }));
        let cases = [
            ("%(user)s", "alice"),
            ("--host=%(host.name)s", "--host=web-1"),
            ("%(n)s/%(tags)s/%(x)s", "3/['a', 'b']/None"),
            ("%(user)r", "'alice'"),
            ("{user}@{host[name]}", "alice@web-1"),
            ("100%% {{literal}}", "100% {literal}"),
            ("%(brace)s", "{user}"),
            ("plain", "plain"),
        ];
        for (template, expected) in cases {
            let got = arguments(&config(&[template]), &m).map_err(|e| e.to_string());
            assert_eq!(got, Ok(vec![expected.to_string()]), "{template}");
        }
    }

    #[test]
    fn a_missing_field_or_bad_placeholder_is_an_error_naming_it() {
        let m = a_match(json!({"user": "alice"}));
        let cases = [
            (
                "%(host.name)s",
                "option 'command': field 'host.name' (in '%(host.name)s') is not in the match",
            ),
            (
                "{host}",
                "option 'command': field 'host' (in '{host}') is not in the match",
            ),
            (
                "date +%Y",
                "option 'command': '%Y' is not a %(field)s substitution; write '%%' for a literal '%'",
            ),
            (
                "%(user)d",
                "command: '%(user)d' (only %(field)s and %(field)r are) is not supported yet",
            ),
            (
                "{}",
                "option 'command': '{}' names no field; write {field} or %(field)s",
            ),
        ];
        for (template, expected) in cases {
            let got = arguments(&config(&["x", template]), &m).map_err(|e| e.to_string());
            assert_eq!(got, Err(expected.to_string()), "{template}");
        }
    }

    #[test]
    fn stdin_gets_the_matches_as_json_or_the_alert_body() {
        let r = rule("command: [cat]\n");
        let opts = AlerterOptions::of_rule(&r);
        let matches = [
            a_match(json!({"z": 1, "a": "é", "f": 2.0})),
            a_match(json!({"n": null})),
        ];
        let mut c = config(&["cat"]);
        assert_eq!(stdin(&c, &opts, &matches).unwrap(), None);
        c.pipe = Pipe::MatchJson;
        let json = String::from_utf8(stdin(&c, &opts, &matches).unwrap().unwrap()).unwrap();
        assert_eq!(
            json,
            "[{\"z\": 1, \"a\": \"\\u00e9\", \"f\": 2.0}, {\"n\": null}]\n"
        );
        c.pipe = Pipe::AlertText;
        let text = String::from_utf8(stdin(&c, &opts, &matches[1..]).unwrap().unwrap()).unwrap();
        assert_eq!(text, "r\n\nn: None\n");
    }
}
