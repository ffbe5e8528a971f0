//! The `command` options, read into a [`CommandConfig`].

use serde_json::Value;

use crate::options::AlerterOptions;
use crate::{Error, Result};

/// What goes to the command's standard input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pipe {
    /// Nothing (stdin is empty).
    Nothing,
    /// `pipe_match_json`: the matches as a JSON list, then a newline.
    MatchJson,
    /// `pipe_alert_text`: the alert body.
    AlertText,
}

/// The `command` alerter's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandConfig {
    /// `command`: the argument templates (one for a shell command line).
    pub(crate) args: Vec<String>,
    /// Whether `command` was a string, run through the shell.
    pub(crate) shell: bool,
    /// `pipe_match_json` (wins) or `pipe_alert_text`.
    pub(crate) pipe: Pipe,
    /// `fail_on_non_zero_exit`.
    pub(crate) fail_on_non_zero_exit: bool,
}

impl CommandConfig {
    /// Reads the options: `command` is a list of arguments run directly, or a string run by
    /// the shell, as ElastAlert2's `CommandAlerter` does.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        let (args, shell) = match opts.get("command") {
            None | Some(Value::Null) => return Err(Error::MissingOption("command")),
            Some(Value::String(line)) => (vec![line.clone()], true),
            Some(Value::Array(items)) => (strings(items)?, false),
            Some(other) => {
                return Err(invalid(format!(
                    "expected a list of arguments or a shell command line, got {other}"
                )));
            }
        };
        if args.is_empty() {
            return Err(invalid("the list of arguments is empty".into()));
        }
        let pipe = if opts.flag("pipe_match_json") {
            Pipe::MatchJson
        } else if opts.flag("pipe_alert_text") {
            Pipe::AlertText
        } else {
            Pipe::Nothing
        };
        Ok(CommandConfig {
            args,
            shell,
            pipe,
            fail_on_non_zero_exit: opts.flag("fail_on_non_zero_exit"),
        })
    }
}

fn strings(items: &[Value]) -> Result<Vec<String>> {
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(invalid(format!(
                "argument {other} is not a string (quote it in the YAML)"
            ))),
        })
        .collect()
}

fn invalid(message: String) -> Error {
    Error::InvalidOption {
        option: "command".into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;

    #[test]
    fn reads_argument_lists_shell_lines_and_flags() {
        let cases = [
            (
                "command: [notify, '%(user)s']\n",
                Ok((vec!["notify", "%(user)s"], false, Pipe::Nothing, false)),
            ),
            (
                "command: 'echo hi | wall'\npipe_alert_text: true\nfail_on_non_zero_exit: true\n",
                Ok((vec!["echo hi | wall"], true, Pipe::AlertText, true)),
            ),
            (
                "command: [cat]\npipe_alert_text: true\npipe_match_json: true\n",
                Ok((vec!["cat"], false, Pipe::MatchJson, false)),
            ),
            ("alert_text: x\n", Err("missing required option 'command'")),
            (
                "command: []\n",
                Err("option 'command': the list of arguments is empty"),
            ),
            (
                "command: [echo, 5]\n",
                Err("option 'command': argument 5 is not a string (quote it in the YAML)"),
            ),
        ];
        for (yaml, expected) in cases {
            let r = rule(yaml);
            let got = CommandConfig::from_options(&AlerterOptions::of_rule(&r))
                .map(|c| (c.args, c.shell, c.pipe, c.fail_on_non_zero_exit))
                .map_err(|e| e.to_string());
            let expected = expected
                .map(|(args, shell, pipe, fail)| {
                    (
                        args.into_iter().map(String::from).collect(),
                        shell,
                        pipe,
                        fail,
                    )
                })
                .map_err(String::from);
            assert_eq!(got, expected, "{yaml}");
        }
    }
}
