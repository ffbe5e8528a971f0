//! The `command` notifier: ElastAlert2's `CommandAlerter`, which runs a program with match
//! fields in its arguments and, optionally, the matches or the alert text on its stdin.

mod config;
mod payload;

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use alert_core::port::{Notification, Notifier, Preview};
use async_trait::async_trait;
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

use self::config::CommandConfig;
use crate::options::AlerterOptions;
use crate::{Error, Result};

/// Runs the rule's `command` for each notification.
///
/// `command` is a list (run directly) or a string (run by `/bin/sh -c`); its arguments take
/// `%(field)s` / `{field}` values from the alert's first match. `pipe_match_json` writes the
/// matches as JSON to stdin, `pipe_alert_text` the alert body. The process gets the
/// notification's idempotency key in `ALERT_IDEMPOTENCY_KEY`, inherits stdout and stderr, and
/// must finish within the timeout or is killed (a retryable error). A non-zero exit is an
/// error (retryable) with `fail_on_non_zero_exit`, else a warning.
#[derive(Debug, Clone)]
pub struct CommandNotifier {
    timeout: Duration,
}

impl CommandNotifier {
    /// How long a command may run unless [`CommandNotifier::with_timeout`] says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// A command notifier with the default timeout.
    pub fn new() -> Self {
        Self::with_timeout(Self::DEFAULT_TIMEOUT)
    }

    /// A command notifier whose commands are killed after `timeout`.
    pub fn with_timeout(timeout: Duration) -> Self {
        CommandNotifier { timeout }
    }

    async fn run(&self, notification: &Notification<'_>) -> Result<()> {
        let (config, argv, input) = prepare(notification)?;
        let shown = format!("command '{}'", argv.join(" "));
        let mut command = build(&config, &argv);
        command
            .env("ALERT_IDEMPOTENCY_KEY", notification.idempotency_key)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|source| Error::Spawn {
            command: shown.clone(),
            source,
        })?;
        let finished = tokio::time::timeout(self.timeout, feed_and_wait(&mut child, input)).await;
        let Ok(status) = finished else {
            // Killing a process that has just exited fails harmlessly.
            let _ = child.kill().await;
            return Err(Error::Timeout {
                command: shown,
                after: self.timeout,
            });
        };
        let status = status.map_err(|source| Error::Io {
            context: format!("running {shown}"),
            source,
        })?;
        check_status(&config, &notification.rule.name, shown, status)
    }
}

impl Default for CommandNotifier {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Notifier for CommandNotifier {
    fn name(&self) -> &str {
        "command"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.run(notification)
            .await
            .map_err(|e| e.into_notify("command"))
    }

    /// No subject: `command: <the arguments>`, then `stdin:` and what is piped, if anything.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, argv, input) = prepare(notification).map_err(|e| e.into_notify("command"))?;
        let mut body = format!("command: {}\n", argv.join(" "));
        if let Some(input) = input {
            body.push_str("stdin:\n");
            body.push_str(&String::from_utf8_lossy(&input));
        }
        Ok(Preview {
            subject: None,
            body,
        })
    }
}

/// The options, the arguments and what goes to standard input for a notification.
fn prepare(
    notification: &Notification<'_>,
) -> Result<(CommandConfig, Vec<String>, Option<Vec<u8>>)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = CommandConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    let first = matches.first().ok_or(Error::NoMatches)?;
    let argv = payload::arguments(&config, first)?;
    let input = payload::stdin(&config, &opts, matches)?;
    Ok((config, argv, input))
}

/// The process to start: the arguments as they are (the config has at least one), or the one
/// line through the shell.
fn build(config: &CommandConfig, argv: &[String]) -> Command {
    if config.shell {
        let line = argv.join(" ");
        if cfg!(windows) {
            let mut command = Command::new("cmd");
            command.arg("/C").arg(line);
            return command;
        }
        let mut command = Command::new("/bin/sh");
        command.arg("-c").arg(line);
        return command;
    }
    let mut command = Command::new(argv.first().map_or("", String::as_str));
    command.args(argv.iter().skip(1));
    command
}

/// Writes `input` to the child's stdin (a child that exits without reading it is fine, as in
/// ElastAlert2), closes it, and waits for the child.
async fn feed_and_wait(child: &mut Child, input: Option<Vec<u8>>) -> std::io::Result<ExitStatus> {
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        match stdin.write_all(&bytes).await {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
    }
    child.wait().await
}

fn check_status(
    config: &CommandConfig,
    rule: &str,
    shown: String,
    status: ExitStatus,
) -> Result<()> {
    if status.success() {
        tracing::info!(rule, "alert sent to {shown}");
        return Ok(());
    }
    if config.fail_on_non_zero_exit {
        return Err(Error::Failed {
            command: shown,
            status: status.to_string(),
        });
    }
    tracing::warn!(rule, "{shown} ended with {status}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    #[test]
    fn the_preview_is_the_command_line_and_what_is_piped() {
        // (options, body)
        let cases = [
            (
                "command: [notify, '--user', '%(user)s']\n",
                "command: notify --user al\n".to_string(),
            ),
            (
                "command: 'echo {user}'\npipe_match_json: true\n",
                "command: echo al\nstdin:\n[{\"user\": \"al\"}]\n".to_string(),
            ),
            (
                "command: [cat]\npipe_alert_text: true\n",
                "command: cat\nstdin:\nr\n\nuser: al\n".to_string(),
            ),
        ];
        let m = a_match(json!({"user": "al"}));
        for (yaml, body) in cases {
            let r = rule(&format!("alert: command\n{yaml}"));
            let preview =
                preview_of(&CommandNotifier::new(), &r, std::slice::from_ref(&m)).unwrap();
            let opts = AlerterOptions::of_rule(&r);
            let config = CommandConfig::from_options(&opts).unwrap();
            let argv = payload::arguments(&config, &m).unwrap();
            let input = payload::stdin(&config, &opts, std::slice::from_ref(&m)).unwrap();
            let sent = format!(
                "command: {}\n{}",
                argv.join(" "),
                input.map_or(String::new(), |i| format!(
                    "stdin:\n{}",
                    String::from_utf8_lossy(&i)
                ))
            );
            assert_eq!(preview.body, sent, "{yaml}");
            assert_eq!(preview.subject, None, "{yaml}");
            assert_eq!(preview.body, body, "{yaml}");
        }
    }

    #[test]
    fn a_missing_field_is_the_preview_error() {
        let r = rule("alert: command\ncommand: [echo, '{nope}']\n");
        let err = preview_of(&CommandNotifier::new(), &r, &[a_match(json!({}))]).unwrap_err();
        assert!(err.to_string().contains("field 'nope'"), "{err}");
    }
}
