//! The pure half of `ms_power_automate`: the Adaptive Card message for an alert, and the
//! webhook URLs it goes to.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use alert_core::secret::Secret;
use serde_json::{Value, json};

use super::config::PowerAutomateConfig;
use crate::ms_teams::payload::{discover_url, populate_facts};

/// The message ElastAlert2's `MsPowerAutomateAlerter` posts: an Adaptive Card 1.4 with the
/// summary (the configured one or the title) in bold, the body, a `FactSet` when facts are
/// configured, one `Action.OpenUrl` per discover link present, and full width when asked.
pub(crate) fn card(config: &PowerAutomateConfig, title: &str, body: &str, first: &Match) -> Value {
    let summary = config.summary.clone().unwrap_or_else(|| json!(title));
    let mut text = json!({"type": "TextBlock", "text": body, "spacing": "Large", "wrap": true});
    if let Some(size) = &config.body_text_size {
        text["size"] = size.clone();
    }
    let mut blocks = vec![
        json!({
            "type": "TextBlock", "text": summary, "weight": "Bolder", "wrap": true,
            "size": config.summary_text_size,
        }),
        text,
    ];
    if let Some(facts) = &config.facts {
        let facts: Vec<Value> = populate_facts(facts, first)
            .iter()
            .map(|fact| json!({"title": fact["name"], "value": fact["value"]}))
            .collect();
        blocks.push(json!({"type": "FactSet", "facts": facts}));
    }
    let actions: Vec<Value> = [&config.kibana, &config.opensearch]
        .into_iter()
        .flatten()
        .filter_map(|action| {
            let url = discover_url(&action.button, first)?;
            Some(json!({
                "type": "Action.OpenUrl", "title": action.button.title, "url": url,
                "style": action.style,
            }))
        })
        .collect();
    let mut content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": blocks,
        "actions": actions,
    });
    if config.card_width_full {
        content["msteams"] = json!({"width": "Full"});
    }
    json!({
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": content}],
    })
}

/// The URLs to post to: those of `ms_power_automate_webhook_url_from_field` when the first
/// match holds a string there (split at commas), else `ms_power_automate_webhook_url`.
pub(crate) fn urls(config: &PowerAutomateConfig, first: &Match) -> Vec<Secret> {
    let doc = Value::Object(first.body.clone());
    let from_field = config
        .url_from_field
        .as_deref()
        .and_then(|field| lookup_es_key(&doc, field))
        .and_then(Value::as_str);
    match from_field {
        Some(urls) => urls.split(',').map(Secret::new).collect(),
        None => config.webhook_urls.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use crate::{AlerterOptions, text};

    const HOOK: &str = "ms_power_automate_webhook_url: http://test.webhook.url\n";
    const TEXT: &str = "Test Rule\n\n@timestamp: 2024-07-19T00:00:00\nsomefield: foobarbaz\n";

    fn card_for(yaml: &str, body: Value) -> Value {
        let mut r = rule(&format!("{HOOK}{yaml}"));
        r.name = "Test Rule".into();
        let opts = AlerterOptions::of_rule(&r);
        let config = PowerAutomateConfig::from_options(&opts).unwrap();
        let m = a_match(body);
        let text = text::body(&opts, std::slice::from_ref(&m)).unwrap();
        let title = crate::title::title(&opts, std::slice::from_ref(&m)).unwrap();
        card(&config, &title, &text, &m)
    }

    fn plain_match() -> Value {
        json!({"@timestamp": "2024-07-19T00:00:00", "somefield": "foobarbaz"})
    }

    // As ElastAlert2's tests/alerters/powerautomate_test.py expects.
    #[test]
    fn the_card_is_an_adaptive_card_with_summary_and_body() {
        let got = card_for(
            "ms_power_automate_alert_summary: Alert from ElastAlert\nalert_subject: Cool subject\n",
            plain_match(),
        );
        let expected = json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "type": "AdaptiveCard",
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": "Alert from ElastAlert", "weight": "Bolder", "wrap": true, "size": "large"},
                        {"type": "TextBlock", "text": TEXT, "spacing": "Large", "wrap": true},
                    ],
                    "actions": [],
                },
            }],
        });
        assert_eq!(got, expected);
        let untitled = card_for("alert_subject: Cool subject\n", plain_match());
        assert_eq!(
            untitled["attachments"][0]["content"]["body"][0]["text"],
            json!("Cool subject")
        );
    }

    #[test]
    fn sizes_facts_width_and_buttons() {
        let mut m = plain_match();
        m["kibana_discover_url"] = json!("http://kibana#discover");
        m["opensearch_discover_url"] = json!("http://opensearch#discover");
        m["host"] = json!({"name": "web-1"});
        let got = card_for(
            "ms_power_automate_summary_text_size: small\nms_power_automate_body_text_size: medium\n\
             ms_power_automate_alert_facts: [{name: Host, value: host.name}, {name: Note, value: free text}]\n\
             ms_power_automate_teams_card_width_full: true\n\
             ms_power_automate_kibana_discover_attach_url: true\n\
             ms_power_automate_kibana_discover_color: positive\n\
             ms_power_automate_opensearch_discover_attach_url: true\n\
             ms_power_automate_opensearch_discover_title: See it\n\
             ms_power_automate_opensearch_discover_color: destructive\n",
            m,
        );
        let content = &got["attachments"][0]["content"];
        assert_eq!(content["body"][0]["size"], json!("small"));
        assert_eq!(content["body"][1]["size"], json!("medium"));
        assert_eq!(
            content["body"][2],
            json!({"type": "FactSet", "facts": [
                {"title": "Host", "value": "web-1"}, {"title": "Note", "value": "free text"},
            ]})
        );
        assert_eq!(content["msteams"], json!({"width": "Full"}));
        assert_eq!(
            content["actions"],
            json!([
                {"type": "Action.OpenUrl", "title": "Discover in Kibana", "url": "http://kibana#discover", "style": "positive"},
                {"type": "Action.OpenUrl", "title": "See it", "url": "http://opensearch#discover", "style": "destructive"},
            ])
        );
    }

    #[test]
    fn urls_can_come_from_a_match_field() {
        let r = rule(&format!(
            "{HOOK}ms_power_automate_webhook_url_from_field: webhook_url\n"
        ));
        let config = PowerAutomateConfig::from_options(&AlerterOptions::of_rule(&r)).unwrap();
        let cases = [
            (json!({"webhook_url": "webhook.com"}), vec!["webhook.com"]),
            (
                json!({"webhook_url": "webhook.com,webhook2.com"}),
                vec!["webhook.com", "webhook2.com"],
            ),
            (
                json!({"webhook_url": ["not", "a string"]}),
                vec!["http://test.webhook.url"],
            ),
            (json!({}), vec!["http://test.webhook.url"]),
        ];
        for (body, expected) in cases {
            let got = urls(&config, &a_match(body.clone()));
            let got: Vec<&str> = got.iter().map(Secret::expose).collect();
            assert_eq!(got, expected, "{body}");
        }
    }
}
