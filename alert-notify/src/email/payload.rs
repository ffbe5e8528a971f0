//! The pure half of `email`: who gets the alert and the message's headers and body, as
//! ElastAlert2's `EmailAlerter.alert` builds them.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use serde_json::Value;

use super::config::EmailConfig;
use crate::text::python::py_str;

/// One e-mail: its headers, its body and its envelope recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmailMessage {
    /// `Subject`: the alert title.
    pub(crate) subject: String,
    /// `To`: the recipients, joined with `, `.
    pub(crate) to: Vec<String>,
    /// `From`: `from_addr`.
    pub(crate) from: String,
    /// `Reply-To`: `email_reply_to`, else the `To` header.
    pub(crate) reply_to: String,
    /// `CC`: joined with `,` (no space, as ElastAlert2 writes it); no header when empty.
    pub(crate) cc: Vec<String>,
    /// Everyone the server is asked to deliver to: To, then CC, then BCC.
    pub(crate) envelope_recipients: Vec<String>,
    /// The alert body (plain text, or HTML with `email_format: html`).
    pub(crate) body: String,
    /// Whether the body is HTML.
    pub(crate) html: bool,
}

impl EmailMessage {
    /// The `To` header value.
    pub(crate) fn to_header(&self) -> String {
        self.to.join(", ")
    }

    /// The `CC` header value, `None` without `cc`.
    pub(crate) fn cc_header(&self) -> Option<String> {
        (!self.cc.is_empty()).then(|| self.cc.join(","))
    }
}

/// The message for an alert titled `subject` with `body`, whose first match is `first`.
pub(crate) fn message(
    config: &EmailConfig,
    subject: &str,
    body: &str,
    first: &Match,
) -> EmailMessage {
    let to = recipients(config, first);
    let reply_to = config.reply_to.clone().unwrap_or_else(|| to.join(", "));
    let mut envelope_recipients = to.clone();
    envelope_recipients.extend(config.cc.iter().cloned());
    envelope_recipients.extend(config.bcc.iter().cloned());
    EmailMessage {
        subject: subject.to_string(),
        to,
        from: config.from_addr.clone(),
        reply_to,
        cc: config.cc.clone(),
        envelope_recipients,
        body: body.to_string(),
        html: config.html,
    }
}

/// The `To` recipients: `email`, unless `email_from_field` names a field of the first match
/// holding an address (a string with `@`), a user name (a string without, used only with
/// `email_add_domain`, which is appended) or a list of either (the domain appended to each).
/// Any other value, or a missing field, leaves `email`.
pub(crate) fn recipients(config: &EmailConfig, first: &Match) -> Vec<String> {
    let Some(field) = &config.from_field else {
        return config.recipients.clone();
    };
    let doc = Value::Object(first.body.clone());
    let domain = config.add_domain.as_deref();
    match lookup_es_key(&doc, field) {
        Some(Value::String(name)) if name.contains('@') => vec![name.clone()],
        Some(Value::String(name)) => match domain {
            Some(domain) => vec![format!("{name}{domain}")],
            None => config.recipients.clone(),
        },
        Some(Value::Array(names)) => names
            .iter()
            .map(|name| format!("{}{}", py_str(name), domain.unwrap_or("")))
            .collect(),
        _ => config.recipients.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use crate::{AlerterOptions, text, title};
    use serde_json::json;

    fn config(yaml: &str) -> EmailConfig {
        let r = rule(yaml);
        EmailConfig::from_options(&AlerterOptions::of_rule(&r)).unwrap()
    }

    /// The message of `yaml`'s rule (named `test alert`) for one match, built as `send` builds it.
    fn message_for(yaml: &str, body: Value) -> EmailMessage {
        let mut r = rule(yaml);
        r.name = "test alert".into();
        let opts = AlerterOptions::of_rule(&r);
        let config = EmailConfig::from_options(&opts).unwrap();
        let matches = [a_match(body)];
        let subject =
            title::title_or_else(&opts, &matches, || title::elastalert_title(&r, &matches))
                .unwrap();
        let text = text::body(&opts, &matches).unwrap();
        message(&config, &subject, &text, &matches[0])
    }

    // The cases of ElastAlert2's test_email_from_field: (field value, email_add_domain, To).
    #[test]
    fn the_recipient_field_replaces_email_as_elastalert2_does() {
        let cases = [
            (
                json!({"data": {"user": "qlo"}}),
                "",
                vec!["qlo@example.com"],
            ),
            (
                json!({"data": {"user": "qlo"}}),
                "'@example.com'",
                vec!["qlo@example.com"],
            ),
            (
                json!({"data": {"user": "@qlo"}}),
                "example.com",
                vec!["@qlo"],
            ),
            (
                json!({"data": {"user": ["qlo", "foo"]}}),
                "example.com",
                vec!["qlo@example.com", "foo@example.com"],
            ),
            (
                json!({"data": {"foo": "qlo"}}),
                "example.com",
                vec!["testing@test.test"],
            ),
            (
                json!({"data": {"user": 17}}),
                "example.com",
                vec!["testing@test.test"],
            ),
        ];
        for (body, domain, expected) in cases {
            let domain = if domain.is_empty() {
                "example.com"
            } else {
                domain
            };
            let c = config(&format!(
                "email: [testing@test.test]\nemail_from_field: data.user\n\
                 email_add_domain: {domain}\n"
            ));
            assert_eq!(recipients(&c, &a_match(body.clone())), expected, "{body}");
        }
        let without_domain = config("email: [ops@x.y]\nemail_from_field: user\n");
        let cases = [
            (json!({"user": "qlo"}), vec!["ops@x.y"]),
            (json!({"user": "qlo@x.y"}), vec!["qlo@x.y"]),
            (json!({"user": ["a@x.y", "b"]}), vec!["a@x.y", "b"]),
        ];
        for (body, expected) in cases {
            assert_eq!(
                recipients(&without_domain, &a_match(body.clone())),
                expected,
                "{body}"
            );
        }
    }

    // ElastAlert2's test_email, test_email_with_cc, _bcc, _cc_and_bcc.
    #[test]
    fn headers_and_envelope_follow_to_cc_and_bcc() {
        let base = "email: [testing@test.test, test@test.test]\nfrom_addr: testfrom@test.test\n\
                    email_reply_to: test@example.com\n";
        let cases = [
            ("", None, vec![]),
            (
                "cc: tester@testing.testing\n",
                Some("tester@testing.testing"),
                vec!["tester@testing.testing"],
            ),
            (
                "bcc: tester@testing.testing\n",
                None,
                vec!["tester@testing.testing"],
            ),
            (
                "cc: [test1@test.com, test2@test.com]\nbcc: tester@testing.testing\n",
                Some("test1@test.com,test2@test.com"),
                vec!["test1@test.com", "test2@test.com", "tester@testing.testing"],
            ),
        ];
        for (yaml, cc_header, extra) in cases {
            let m = message_for(&format!("{base}{yaml}"), json!({"test_term": "test_value"}));
            assert_eq!(m.to_header(), "testing@test.test, test@test.test", "{yaml}");
            assert_eq!(m.from, "testfrom@test.test");
            assert_eq!(m.reply_to, "test@example.com");
            assert_eq!(m.cc_header().as_deref(), cc_header, "{yaml}");
            let mut envelope = vec!["testing@test.test", "test@test.test"];
            envelope.extend(extra);
            assert_eq!(m.envelope_recipients, envelope, "{yaml}");
        }
    }

    #[test]
    fn reply_to_defaults_to_the_to_header_and_from_to_elastalert() {
        let m = message_for("email: [a@x.y, b@x.y]\n", json!({"f": 1}));
        assert_eq!(
            (m.from.as_str(), m.reply_to.as_str()),
            ("ElastAlert", "a@x.y, b@x.y")
        );
        assert!(!m.html);
        assert!(message_for("email: a@x.y\nemail_format: html\n", json!({"f": 1})).html);
    }

    // ElastAlert2's test_email (alert_subject_args), test_email_with_args and
    // test_email_create_default_title.
    #[test]
    fn subject_and_body_are_elastalert2s() {
        let m = message_for(
            "email: a@x.y\nowner: owner_value\nalert_subject: 'Test alert for {0}, owned by {1}'\n\
             alert_subject_args: [test_term, owner]\n",
            json!({"test_term": "test_value"}),
        );
        assert_eq!(m.subject, "Test alert for test_value, owned by owner_value");
        assert_eq!(m.body, "test alert\n\ntest_term: test_value\n");

        let m = message_for(
            "email: a@x.y\nalert_subject: 'Test alert for {0} {1}'\n\
             alert_subject_args: [test_term, test.term]\n\
             alert_text: 'Test alert for {0} and {1} {2}'\n\
             alert_text_args: [test_arg1, test_arg2, test.arg3]\n\
             alert_missing_value: '<CUSTOM MISSING VALUE>'\n",
            json!({"test_term": "test_value", "test_arg1": "testing", "test": {"term": ":)", "arg3": "☃"}}),
        );
        assert_eq!(m.subject, "Test alert for test_value :)");
        assert!(
            m.body
                .starts_with("Test alert for testing and <CUSTOM MISSING VALUE> ☃\n\n"),
            "{}",
            m.body
        );

        let cases = [
            ("query_key: hostname\n", "ElastAlert: test alert - aProbe"),
            ("query_key: test\n", "ElastAlert: test alert"),
            ("", "ElastAlert: test alert"),
        ];
        for (yaml, subject) in cases {
            let body = json!({"@timestamp": "2014-10-10T00:00:00", "sender_ip": "1.1.1.1", "hostname": "aProbe"});
            let m = message_for(&format!("email: a@x.y\n{yaml}"), body);
            assert_eq!(m.subject, subject, "{yaml}");
        }
    }
}
