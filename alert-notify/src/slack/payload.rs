//! The pure half of `slack`: the incoming-webhook message (legacy attachments) for an alert.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use serde_json::{Map, Value, json};

use super::config::SlackConfig;
use crate::options::truthy;

/// The message ElastAlert2's `SlackAlerter` posts to one channel: username, parse, text, the
/// icon (URL or emoji), the channel, and one attachment with the title and body (plus the set
/// `slack_*` attachment fields), followed by the Discover link attachments.
pub(crate) fn message(
    config: &SlackConfig,
    title: &str,
    body: &str,
    first: &Match,
    channel: &Value,
) -> Value {
    let mut main = Map::new();
    main.insert("color".into(), config.color.clone());
    let title = config.title.clone().unwrap_or_else(|| json!(title));
    main.insert("title".into(), title);
    main.insert("text".into(), json!(body));
    main.insert("mrkdwn_in".into(), json!(["text", "pretext"]));
    main.insert("fields".into(), Value::Array(fields(config, first)));
    for (key, value) in &config.attachment {
        main.insert((*key).into(), value.clone());
    }
    let mut attachments = vec![Value::Object(main)];
    for link in [&config.kibana, &config.opensearch].into_iter().flatten() {
        let doc = Value::Object(first.body.clone());
        if let Some(url) = lookup_es_key(&doc, link.field).filter(|v| truthy(v)) {
            attachments.push(json!({
                "color": link.color,
                "title": link.title,
                "title_link": url,
            }));
        }
    }
    let mut message = Map::new();
    message.insert("username".into(), config.username.clone());
    message.insert("parse".into(), config.parse.clone());
    message.insert("text".into(), config.text.clone());
    message.insert("attachments".into(), Value::Array(attachments));
    match &config.icon_url {
        Some(url) => message.insert("icon_url".into(), url.clone()),
        None => message.insert("icon_emoji".into(), config.icon_emoji.clone()),
    };
    message.insert("channel".into(), channel.clone());
    Value::Object(message)
}

/// ElastAlert2's `populate_fields`: each `slack_alert_fields` entry with `value` replaced by
/// the first match's value of that field (`null` when it has none).
fn fields(config: &SlackConfig, first: &Match) -> Vec<Value> {
    let doc = Value::Object(first.body.clone());
    config
        .alert_fields
        .iter()
        .map(|field| {
            let mut field = field.clone();
            let value = field
                .get("value")
                .and_then(Value::as_str)
                .and_then(|path| lookup_es_key(&doc, path))
                .cloned()
                .unwrap_or(Value::Null);
            field.insert("value".into(), value);
            Value::Object(field)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use crate::{AlerterOptions, text, title};

    const HOOK: &str = "slack_webhook_url: http://please.dontgohere.slack\n";
    /// The body of ElastAlert2's tests' match for a rule named `Test Rule`.
    const TEXT: &str = "Test Rule\n\n@timestamp: 2016-01-01T00:00:00\nsomefield: foobarbaz\n";

    /// The message for the first channel of a rule named `Test Rule` with these options.
    fn message_for(yaml: &str, body: Value) -> Value {
        let mut r = rule(&format!("{HOOK}{yaml}"));
        r.name = "Test Rule".into();
        let opts = AlerterOptions::of_rule(&r);
        let config = SlackConfig::from_options(&opts).unwrap();
        let m = a_match(body);
        let matches = std::slice::from_ref(&m);
        let text = text::body(&opts, matches).unwrap();
        let title = title::title(&opts, matches).unwrap();
        message(&config, &title, &text, &m, &config.channels[0])
    }

    fn test_match() -> Value {
        json!({"@timestamp": "2016-01-01T00:00:00", "somefield": "foobarbaz"})
    }

    /// ElastAlert2's expected message with `attachment` merged into the first attachment and
    /// `top` into the message.
    fn expected(title: &str, attachment: Value, top: Value) -> Value {
        let mut main = json!({
            "color": "danger", "title": title, "text": TEXT,
            "mrkdwn_in": ["text", "pretext"], "fields": [],
        });
        merge(&mut main, attachment);
        let mut message = json!({
            "username": "elastalert", "channel": "", "icon_emoji": ":ghost:",
            "attachments": [main], "text": "", "parse": "none",
        });
        merge(&mut message, top);
        message
    }

    fn merge(into: &mut Value, from: Value) {
        if let (Value::Object(into), Value::Object(from)) = (into, from) {
            into.extend(from);
        }
    }

    // The expected messages are those of ElastAlert2's tests/alerters/slack_test.py.
    #[test]
    fn each_option_lands_where_elastalert2_puts_it() {
        let subject = "alert_subject: Cool subject\n";
        let cases = [
            ("", expected("Test Rule", json!({}), json!({}))),
            (subject, expected("Cool subject", json!({}), json!({}))),
            (
                "slack_channel_override: '#test-alert'\n",
                expected("Test Rule", json!({}), json!({"channel": "#test-alert"})),
            ),
            (
                "slack_username_override: test elastalert\n",
                expected(
                    "Test Rule",
                    json!({}),
                    json!({"username": "test elastalert"}),
                ),
            ),
            (
                "slack_title_link: http://slack.title.link\n",
                expected(
                    "Test Rule",
                    json!({"title_link": "http://slack.title.link"}),
                    json!({}),
                ),
            ),
            (
                "slack_title: slack title\nalert_subject: Cool subject\n",
                expected("slack title", json!({}), json!({})),
            ),
            (
                "slack_icon_url_override: http://slack.icon.url.override\n",
                {
                    let mut m = expected(
                        "Test Rule",
                        json!({}),
                        json!({"icon_url": "http://slack.icon.url.override"}),
                    );
                    m.as_object_mut().unwrap().remove("icon_emoji");
                    m
                },
            ),
            (
                "slack_msg_color: good\n",
                expected("Test Rule", json!({"color": "good"}), json!({})),
            ),
            (
                "slack_parse_override: full\n",
                expected("Test Rule", json!({}), json!({"parse": "full"})),
            ),
            (
                "slack_text_string: text str\n",
                expected("Test Rule", json!({}), json!({"text": "text str"})),
            ),
            (
                "slack_footer: Elastic Alerts\n",
                expected("Test Rule", json!({"footer": "Elastic Alerts"}), json!({})),
            ),
            (
                "slack_footer_icon: http://footer.icon.url\n",
                expected(
                    "Test Rule",
                    json!({"footer_icon": "http://footer.icon.url"}),
                    json!({}),
                ),
            ),
            (
                "slack_image_url: http://image.url\n",
                expected(
                    "Test Rule",
                    json!({"image_url": "http://image.url"}),
                    json!({}),
                ),
            ),
            (
                "slack_thumb_url: http://thumb.url\n",
                expected(
                    "Test Rule",
                    json!({"thumb_url": "http://thumb.url"}),
                    json!({}),
                ),
            ),
            (
                "slack_author_name: author name\n",
                expected(
                    "Test Rule",
                    json!({"author_name": "author name"}),
                    json!({}),
                ),
            ),
            (
                "slack_author_link: http://author.url\n",
                expected(
                    "Test Rule",
                    json!({"author_link": "http://author.url"}),
                    json!({}),
                ),
            ),
            (
                "slack_author_icon: http://author.icon\n",
                expected(
                    "Test Rule",
                    json!({"author_icon": "http://author.icon"}),
                    json!({}),
                ),
            ),
            (
                "slack_msg_pretext: pretext value\n",
                expected("Test Rule", json!({"pretext": "pretext value"}), json!({})),
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(message_for(yaml, test_match()), want, "{yaml}");
        }
    }

    #[test]
    fn alert_fields_take_the_first_matchs_values() {
        let got = message_for(
            "alert_subject: Cool subject\nslack_alert_fields:\n\
             - {title: Host, value: somefield, short: true}\n\
             - {title: Sensors, value: '@timestamp', short: true}\n\
             - {title: Gone, value: nothing.here, short: false}\n",
            test_match(),
        );
        let fields = json!([
            {"short": true, "title": "Host", "value": "foobarbaz"},
            {"short": true, "title": "Sensors", "value": "2016-01-01T00:00:00"},
            {"short": false, "title": "Gone", "value": null},
        ]);
        assert_eq!(
            got,
            expected("Cool subject", json!({"fields": fields}), json!({}))
        );
    }

    #[test]
    fn discover_links_are_extra_attachments_when_the_match_has_them() {
        let mut with_links = test_match();
        merge(
            &mut with_links,
            json!({
                "kibana_discover_url": "http://localhost:5601/app/discover#/",
                "opensearch_discover_url": "http://localhost:5601/app/data-explorer/discover#/",
            }),
        );
        let link = |color: &str, title: &str, url: &str| json!({"color": color, "title": title, "title_link": url});
        let kibana = "http://localhost:5601/app/discover#/";
        let opensearch = "http://localhost:5601/app/data-explorer/discover#/";
        let cases = [
            (
                "slack_attach_kibana_discover_url: true\n",
                vec![link("#ec4b98", "Discover in Kibana", kibana)],
            ),
            (
                "slack_attach_kibana_discover_url: true\nslack_kibana_discover_title: Click to discover in Kibana\nslack_kibana_discover_color: blue\n",
                vec![link("blue", "Click to discover in Kibana", kibana)],
            ),
            (
                "slack_attach_opensearch_discover_url: true\n",
                vec![link("#ec4b98", "Discover in Opensearch", opensearch)],
            ),
            (
                "slack_attach_kibana_discover_url: true\nslack_attach_opensearch_discover_url: true\n\
                 slack_opensearch_discover_color: blue\nslack_opensearch_discover_title: Os\n",
                vec![
                    link("#ec4b98", "Discover in Kibana", kibana),
                    link("blue", "Os", opensearch),
                ],
            ),
            ("", vec![]),
        ];
        for (yaml, links) in cases {
            let got = message_for(yaml, with_links.clone());
            let attachments = got["attachments"].as_array().unwrap();
            assert_eq!(attachments[1..], links[..], "{yaml}");
        }
        let without = message_for("slack_attach_kibana_discover_url: true\n", test_match());
        assert_eq!(without, expected("Test Rule", json!({}), json!({})));
    }

    #[test]
    fn a_null_color_is_sent_as_null_as_elastalert2_does() {
        let got = message_for("slack_msg_color:\n", test_match());
        assert_eq!(
            got,
            expected("Test Rule", json!({"color": null}), json!({}))
        );
    }
}
