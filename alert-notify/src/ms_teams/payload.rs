//! The pure half of `ms_teams`: the Office 365 connector "MessageCard" for an alert.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use serde_json::{Map, Value, json};

use super::config::{DiscoverButton, TeamsConfig};
use crate::options::truthy;

/// The card ElastAlert2 2.29's `MsTeamsAlerter` posts: `summary` (the configured summary or the
/// title), `title`, one section with the body (and the facts), `themeColor` when set, and an
/// `OpenUri` action for the discover link (OpenSearch's replaces Kibana's).
pub(crate) fn card(config: &TeamsConfig, title: &str, body: &str, first: &Match) -> Value {
    let mut section = Map::new();
    let text = if config.fixed_width {
        fixed_width(body)
    } else {
        body.to_string()
    };
    section.insert("text".into(), Value::String(text));
    if let Some(facts) = &config.facts {
        section.insert("facts".into(), Value::Array(populate_facts(facts, first)));
    }
    let mut card = Map::new();
    card.insert("@type".into(), json!("MessageCard"));
    card.insert("@context".into(), json!("http://schema.org/extensions"));
    let summary = config.summary.clone().unwrap_or_else(|| json!(title));
    card.insert("summary".into(), summary);
    card.insert("title".into(), json!(title));
    card.insert("sections".into(), json!([section]));
    if let Some(color) = &config.theme_color {
        card.insert("themeColor".into(), color.clone());
    }
    for button in [&config.kibana, &config.opensearch].into_iter().flatten() {
        if let Some(url) = discover_url(button, first) {
            let action = json!({
                "@type": "OpenUri",
                "name": button.title,
                "targets": [{"os": "default", "uri": url}],
            });
            card.insert("potentialAction".into(), json!([action]));
        }
    }
    Value::Object(card)
}

/// The button's link in the first match, when the engine made one (truthy).
pub(crate) fn discover_url<'m>(button: &DiscoverButton, first: &'m Match) -> Option<&'m Value> {
    first.body.get(button.field).filter(|v| truthy(v))
}

/// ElastAlert2's `populate_facts`: each fact with `value` replaced by the first match's field
/// of that name when it has one (not null), else kept as literal text.
pub(crate) fn populate_facts(facts: &[Map<String, Value>], first: &Match) -> Vec<Value> {
    let doc = Value::Object(first.body.clone());
    facts
        .iter()
        .map(|fact| {
            let mut fact = fact.clone();
            let found = fact
                .get("value")
                .and_then(Value::as_str)
                .and_then(|field| lookup_es_key(&doc, field))
                .filter(|v| !v.is_null())
                .cloned();
            if let Some(value) = found {
                fact.insert("value".into(), value);
            }
            Value::Object(fact)
        })
        .collect()
}

/// `ms_teams_alert_fixed_width`: backticks become `'`, each line its own ``` code span, lines
/// separated by blank lines; the spans of empty lines are dropped (their newlines stay).
fn fixed_width(body: &str) -> String {
    let body = body.replace('`', "'");
    let lines: Vec<&str> = body.split('\n').collect();
    format!("```{}```", lines.join("```\n\n```")).replace("\n``````", "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use crate::{AlerterOptions, text};

    const HOOK: &str = "ms_teams_webhook_url: http://test.webhook.url\n";

    /// The card for one match of a rule named `Test Rule` with these options.
    fn card_for(yaml: &str, body: Value) -> Value {
        let r = rule(&format!("{HOOK}{yaml}"));
        let mut r = r;
        r.name = "Test Rule".into();
        let opts = AlerterOptions::of_rule(&r);
        let config = TeamsConfig::from_options(&opts).unwrap();
        let m = a_match(body);
        let text = text::body(&opts, std::slice::from_ref(&m)).unwrap();
        let title = crate::title::title(&opts, std::slice::from_ref(&m)).unwrap();
        card(&config, &title, &text, &m)
    }

    // The expected cards are those of ElastAlert2 2.29's tests/alerters/teams_test.py.
    const TEXT: &str = "Test Rule\n\n@timestamp: 2016-01-01T00:00:00\nsomefield: foobarbaz\n";

    #[test]
    fn the_card_is_a_message_card_with_summary_title_and_text() {
        let match_body = json!({"@timestamp": "2016-01-01T00:00:00", "somefield": "foobarbaz"});
        let got = card_for(
            "ms_teams_alert_summary: Alert from ElastAlert\nalert_subject: Cool subject\n",
            match_body.clone(),
        );
        let expected = json!({
            "@type": "MessageCard",
            "@context": "http://schema.org/extensions",
            "summary": "Alert from ElastAlert",
            "title": "Cool subject",
            "sections": [{"text": TEXT}],
        });
        assert_eq!(got, expected);
        // Without a summary, the title is the summary; without a subject, the rule name.
        let plain = card_for("", match_body);
        assert_eq!(
            (&plain["summary"], &plain["title"]),
            (&json!("Test Rule"), &json!("Test Rule"))
        );
    }

    #[test]
    fn fixed_width_text_and_theme_color() {
        let got = card_for(
            "ms_teams_alert_fixed_width: true\nms_teams_theme_color: '#124578'\nalert_subject: Cool subject\n",
            json!({"@timestamp": "2016-01-01T00:00:00", "somefield": "foo`bar`baz"}),
        );
        let text = "```Test Rule```\n\n\n```@timestamp: 2016-01-01T00:00:00```\n\n\
                    ```somefield: foo'bar'baz```\n";
        assert_eq!(got["sections"], json!([{"text": text}]));
        assert_eq!(got["themeColor"], json!("#124578"));
    }

    #[test]
    fn facts_take_match_values_or_keep_the_text() {
        let got = card_for(
            "ms_teams_alert_facts:\n\
             - {name: Host, value: somefield}\n- {name: Sensors, value: '@timestamp'}\n\
             - {name: Speed, value: vehicle.speed}\n- {name: Boolean, value: boolean}\n\
             - {name: Blank, value: blank}\n\
             - {name: Arbitrary Text Name, value: Arbitrary Text Value}\n",
            json!({
                "@timestamp": "2016-01-01T00:00:00", "somefield": "foobarbaz",
                "vehicle": {"speed": 0}, "boolean": false, "blank": "",
            }),
        );
        assert_eq!(
            got["sections"][0]["facts"],
            json!([
                {"name": "Host", "value": "foobarbaz"},
                {"name": "Sensors", "value": "2016-01-01T00:00:00"},
                {"name": "Speed", "value": 0},
                {"name": "Boolean", "value": false},
                {"name": "Blank", "value": ""},
                {"name": "Arbitrary Text Name", "value": "Arbitrary Text Value"},
            ])
        );
    }

    #[test]
    fn discover_links_become_an_open_uri_action_opensearch_last() {
        let both = json!({
            "@timestamp": "2016-01-01T00:00:00",
            "kibana_discover_url": "http://kibana#discover",
            "opensearch_discover_url": "http://opensearch#discover",
        });
        let action = |name: &str, uri: &str| json!([{"@type": "OpenUri", "name": name, "targets": [{"os": "default", "uri": uri}]}]);
        let cases = [
            (
                "ms_teams_attach_kibana_discover_url: true\n",
                action("Discover in Kibana", "http://kibana#discover"),
            ),
            (
                "ms_teams_attach_kibana_discover_url: true\nms_teams_kibana_discover_title: Click to discover in Kibana\n",
                action("Click to discover in Kibana", "http://kibana#discover"),
            ),
            (
                "ms_teams_attach_opensearch_discover_url: true\n",
                action("Discover in opensearch", "http://opensearch#discover"),
            ),
            (
                "ms_teams_attach_kibana_discover_url: true\nms_teams_attach_opensearch_discover_url: true\n",
                action("Discover in opensearch", "http://opensearch#discover"),
            ),
            ("", Value::Null),
        ];
        for (yaml, expected) in cases {
            let got = card_for(yaml, both.clone());
            assert_eq!(
                got.get("potentialAction").cloned().unwrap_or(Value::Null),
                expected,
                "{yaml}"
            );
        }
        let without = card_for(
            "ms_teams_attach_kibana_discover_url: true\n",
            json!({"@timestamp": "2016-01-01T00:00:00"}),
        );
        assert!(without.get("potentialAction").is_none());
    }
}
