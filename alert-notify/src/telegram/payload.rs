//! The pure half of `telegram`: the Bot API `sendMessage` request body for an alert.

use serde_json::{Value, json};

use super::config::TelegramConfig;
use crate::chat::crop;

/// The longest text before ElastAlert2 crops it (Telegram takes 4096 characters).
const TEXT_LIMIT: usize = 4095;
/// How much of a too-long text ElastAlert2 keeps.
const TEXT_KEEP: usize = 4000;
/// What ElastAlert2 appends to a cropped text.
const CROPPED: &str = "\n⚠ *message was cropped according to telegram limits!* ⚠";

/// The text ElastAlert2's `TelegramAlerter` sends: a warning line with the title, then `body`
/// (each match's text); except in HTML mode the title is bold and the body a code block.
/// Texts past 4095 characters are cropped before the block is closed.
pub(crate) fn text(config: &TelegramConfig, title: &str, body: &str) -> String {
    let html = config.is_html();
    let mut text = if html {
        format!("⚠ {title} ⚠ \n")
    } else {
        format!("⚠ *{title}* ⚠ ```\n")
    };
    text.push_str(body);
    let mut text = crop(text, TEXT_LIMIT, TEXT_KEEP, CROPPED);
    if !html {
        text.push_str(" ```");
    }
    text
}

/// The `sendMessage` body: chat, text, parse mode, no link previews, and the thread.
pub(crate) fn message(config: &TelegramConfig, text: &str) -> Value {
    json!({
        "chat_id": config.room_id,
        "text": text,
        "parse_mode": config.parse_mode,
        "disable_web_page_preview": true,
        "message_thread_id": config.thread_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use crate::{AlerterOptions, chat, title};

    const RULE: &str = "telegram_bot_token: xxxxx1\ntelegram_room_id: xxxxx2\n";
    const TEXT: &str =
        "Test Telegram Rule\n\n@timestamp: 2021-01-01T00:00:00\nsomefield: foobarbaz\n";

    /// The message for `count` copies of ElastAlert2's tests' match, for a rule named `name`.
    fn message_for(yaml: &str, name: &str, count: usize) -> Value {
        let mut r = rule(&format!("{RULE}{yaml}"));
        r.name = name.into();
        let opts = AlerterOptions::of_rule(&r);
        let config = TelegramConfig::from_options(&opts).unwrap();
        let m = a_match(json!({"@timestamp": "2021-01-01T00:00:00", "somefield": "foobarbaz"}));
        let matches = vec![m; count];
        let body = chat::match_texts(&opts, &matches).unwrap();
        let title = title::title(&opts, &matches).unwrap();
        message(&config, &text(&config, &title, &body))
    }

    fn expected(text: &str, parse_mode: &str, thread: &Value) -> Value {
        json!({
            "chat_id": "xxxxx2", "text": text, "parse_mode": parse_mode,
            "disable_web_page_preview": true, "message_thread_id": thread,
        })
    }

    // The expected messages are those of ElastAlert2's tests/alerters/telegram_test.py.
    #[test]
    fn markdown_wraps_the_body_in_a_code_block_and_html_does_not() {
        let name = "Test Telegram Rule";
        let markdown = format!("⚠ *{name}* ⚠ ```\n{TEXT} ```");
        let cases = [
            ("", expected(&markdown, "markdown", &Value::Null)),
            (
                "telegram_thread_id: 2\n",
                expected(&markdown, "markdown", &json!(2)),
            ),
            (
                "telegram_parse_mode: html\n",
                expected(&format!("⚠ {name} ⚠ \n{TEXT}"), "html", &Value::Null),
            ),
            (
                "telegram_parse_mode: markdownV2\nalert_subject: Subject\n",
                expected(
                    &format!("⚠ *Subject* ⚠ ```\n{TEXT} ```"),
                    "markdownV2",
                    &Value::Null,
                ),
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(message_for(yaml, name, 1), want, "{yaml}");
        }
    }

    #[test]
    fn several_matches_are_separated_by_dashes() {
        let dashes = "\n----------------------------------------\n";
        let got = message_for("", "Test Telegram Rule", 2);
        let text = format!("⚠ *Test Telegram Rule* ⚠ ```\n{TEXT}{dashes}{TEXT}{dashes} ```");
        assert_eq!(got, expected(&text, "markdown", &Value::Null));
    }

    #[test]
    fn a_long_text_is_cropped_before_the_block_closes() {
        let name = format!("Test Telegram Rule{}", "a".repeat(3985));
        let got = message_for("", &name, 1);
        let text = format!(
            "⚠ *Test Telegram Rule{}\n⚠ *message was cropped according to telegram limits!* ⚠ ```",
            "a".repeat(3979)
        );
        assert_eq!(got, expected(&text, "markdown", &Value::Null));
    }
}
