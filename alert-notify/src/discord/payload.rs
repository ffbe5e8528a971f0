//! The pure half of `discord`: the webhook message (content and one embed) for an alert.

use serde_json::{Map, Value, json};

use super::config::DiscordConfig;
use crate::chat::crop;

/// The longest embed description Discord takes before ElastAlert2 crops it.
const DESCRIPTION_LIMIT: usize = 2047;
/// How much of a too-long description ElastAlert2 keeps.
const DESCRIPTION_KEEP: usize = 1950;
/// What ElastAlert2 appends to a cropped description.
const CROPPED: &str = "\n *message was cropped according to discord embed description limits!*";

/// The message ElastAlert2's `DiscordAlerter` posts: `content` is the title between the two
/// emojis, the one embed has the body (cropped past 2047 characters), the color and, with
/// `discord_embed_footer`, a footer.
pub(crate) fn message(config: &DiscordConfig, title: &str, body: String) -> Value {
    let mut embed = Map::new();
    let description = crop(body, DESCRIPTION_LIMIT, DESCRIPTION_KEEP, CROPPED);
    embed.insert("description".into(), json!(description));
    embed.insert("color".into(), config.color.clone());
    if let Some((text, icon_url)) = &config.footer {
        embed.insert("footer".into(), json!({"text": text, "icon_url": icon_url}));
    }
    json!({
        "content": format!("{emoji} {title} {emoji}", emoji = config.emoji),
        "embeds": [embed],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use crate::{AlerterOptions, chat, title};

    const RULE: &str = "discord_webhook_url: http://xxxxxxx\ndiscord_emoji_title: ':warning:'\n\
                        discord_embed_color: 0xffffff\nalert_subject: Test Discord\n";
    const FOOTER: &str =
        "discord_embed_footer: footer\ndiscord_embed_icon_url: http://xxxx/image.png\n";
    const TEXT: &str =
        "Test Discord Rule\n\n@timestamp: 2021-01-01T00:00:00\nsomefield: foobarbaz\n";

    /// The message for `count` copies of ElastAlert2's tests' match, for a rule named `name`.
    fn message_for(yaml: &str, name: &str, count: usize) -> Value {
        let mut r = rule(&format!("{RULE}{yaml}"));
        r.name = name.into();
        let opts = AlerterOptions::of_rule(&r);
        let config = DiscordConfig::from_options(&opts).unwrap();
        let m = a_match(json!({"@timestamp": "2021-01-01T00:00:00", "somefield": "foobarbaz"}));
        let matches = vec![m; count];
        let body = chat::match_texts(&opts, &matches).unwrap();
        message(&config, &title::title(&opts, &matches).unwrap(), body)
    }

    // The expected messages are those of ElastAlert2's tests/alerters/discord_test.py.
    #[test]
    fn the_embed_has_the_body_color_and_footer() {
        let footer = json!({"text": "footer", "icon_url": "http://xxxx/image.png"});
        assert_eq!(
            message_for(FOOTER, "Test Discord Rule", 1),
            json!({
                "content": ":warning: Test Discord :warning:",
                "embeds": [{"description": TEXT, "color": 0xffffff, "footer": footer}],
            })
        );
        assert_eq!(
            message_for("", "Test Discord Rule", 1),
            json!({
                "content": ":warning: Test Discord :warning:",
                "embeds": [{"description": TEXT, "color": 0xffffff}],
            })
        );
    }

    #[test]
    fn several_matches_are_separated_by_dashes() {
        let dashes = "\n----------------------------------------\n";
        let got = message_for(FOOTER, "Test Discord Rule", 2);
        assert_eq!(
            got["embeds"][0]["description"],
            json!(format!("{TEXT}{dashes}{TEXT}{dashes}"))
        );
    }

    #[test]
    fn a_long_description_is_cropped() {
        let name = format!("Test Discord Rule{}", "a".repeat(2069));
        let got = message_for("", &name, 1);
        let expected = format!(
            "Test Discord Rule{}\n *message was cropped according to discord embed description limits!*",
            "a".repeat(1933)
        );
        assert_eq!(
            got,
            json!({
                "content": ":warning: Test Discord :warning:",
                "embeds": [{"description": expected, "color": 0xffffff}],
            })
        );
    }
}
