//! A real SMTP server for the e-mail tests: `smtp_server.py` on Debian's `python3-aiosmtpd`,
//! started on 127.0.0.1 by the test and killed when dropped. It reports each message it
//! receives as a JSON line.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use serde_json::Value;

/// How long a test waits for the server to start or for a message to arrive.
const WAIT: Duration = Duration::from_secs(20);

/// The running server.
pub(crate) struct SmtpServer {
    child: Child,
    pub(crate) port: u16,
    lines: mpsc::Receiver<String>,
}

impl SmtpServer {
    /// Starts the server with these `smtp_server.py` options; `None` (after saying why) when
    /// no Python with aiosmtpd is installed. Under CI (`CI` set) that is a failure instead:
    /// `.ci/run` installs `python3-aiosmtpd`.
    pub(crate) fn start(args: &[&str]) -> Option<SmtpServer> {
        let Some(python) = python_with_aiosmtpd() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3-aiosmtpd is missing under CI; .ci/run installs it"
            );
            eprintln!(
                "skipped: the SMTP tests need Debian's python3-aiosmtpd \
                 (apt-get install -y python3-aiosmtpd)"
            );
            return None;
        };
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/email/smtp_server.py");
        let mut child = Command::new(python)
            .arg(script)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start smtp_server.py");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = SmtpServer {
            child,
            port: 0,
            lines,
        };
        let first = server
            .lines
            .recv_timeout(WAIT)
            .expect("the SMTP server to start");
        server.port = first
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from smtp_server.py: {first}"));
        Some(server)
    }

    /// The next message the server received.
    pub(crate) fn received(&self) -> Received {
        let line = self
            .lines
            .recv_timeout(WAIT)
            .expect("the SMTP server to receive a message");
        Received(serde_json::from_str(&line).expect("a JSON line"))
    }

    /// Whether a message arrived within `wait` (for checking that none did).
    pub(crate) fn nothing_received_within(&self, wait: Duration) -> bool {
        self.lines.recv_timeout(wait).is_err()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first Python that can import aiosmtpd: Debian's own first (a pyenv `python3` on the
/// path does not see Debian's packages).
fn python_with_aiosmtpd() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// One received message, as the server reported it.
pub(crate) struct Received(Value);

impl Received {
    /// The envelope sender (`MAIL FROM`).
    pub(crate) fn mail_from(&self) -> &str {
        self.0["mail_from"].as_str().unwrap_or_default()
    }

    /// The envelope recipients (`RCPT TO`), in order.
    pub(crate) fn rcpt_tos(&self) -> Vec<&str> {
        self.0["rcpt_tos"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Whether the session was encrypted.
    pub(crate) fn tls(&self) -> bool {
        self.0["tls"] == Value::Bool(true)
    }

    /// The user that logged in.
    pub(crate) fn login(&self) -> Option<&str> {
        self.0["login"].as_str()
    }

    /// The common name of the client certificate.
    pub(crate) fn client_cn(&self) -> Option<&str> {
        self.0["client_cn"].as_str()
    }

    /// The message as sent, with LF line ends.
    pub(crate) fn data(&self) -> String {
        self.0["data"]
            .as_str()
            .unwrap_or_default()
            .replace("\r\n", "\n")
    }

    /// The header lines, in order.
    pub(crate) fn headers(&self) -> Vec<(String, String)> {
        let data = self.data();
        let head = data.split("\n\n").next().unwrap_or_default().to_string();
        head.lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The value of a header (`None` when absent).
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The decoded body of a single-part (base64, UTF-8) message.
    pub(crate) fn body_text(&self) -> String {
        let data = self.data();
        let (_, body) = data.split_once("\n\n").expect("a body");
        let encoded: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("a base64 body");
        String::from_utf8(bytes).expect("a UTF-8 body")
    }
}
