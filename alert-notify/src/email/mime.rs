//! The message text as ElastAlert2's Python `email` package writes it (`MIMEText` with UTF-8,
//! or `MIMEMultipart` with an HTML part and inline images): base64 bodies in 76-character
//! lines, non-ASCII headers as one RFC 2047 encoded word (`b` or `q`, whichever is shorter),
//! CRLF line ends as `smtplib` sends them. Pure: the date and the boundary are arguments.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::payload::EmailMessage;

/// One inline image of an HTML message: `Content-ID: <id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InlineImage {
    /// The `Content-ID` (ElastAlert2's `email_image_keys` item).
    pub(crate) content_id: String,
    /// The `image/*` subtype, from the data's magic bytes.
    pub(crate) subtype: &'static str,
    /// The image file's bytes.
    pub(crate) data: Vec<u8>,
}

impl InlineImage {
    /// The image, or `None` when its type cannot be told from its first bytes (Python's
    /// `MIMEImage` then fails with "Could not guess image MIME subtype").
    pub(crate) fn new(content_id: &str, data: Vec<u8>) -> Option<Self> {
        Some(InlineImage {
            content_id: content_id.to_string(),
            subtype: image_subtype(&data)?,
            data,
        })
    }
}

/// The subtypes Python's `email.mime.image` recognises that mail clients show.
fn image_subtype(data: &[u8]) -> Option<&'static str> {
    let at = |range: std::ops::Range<usize>| data.get(range).unwrap_or_default();
    if matches!(at(6..10), b"JFIF" | b"Exif") || data.starts_with(b"\xff\xd8\xff\xdb") {
        Some("jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if matches!(at(0..6), b"GIF87a" | b"GIF89a") {
        Some("gif")
    } else if matches!(at(0..2), b"MM" | b"II") {
        Some("tiff")
    } else if data.starts_with(b"BM") {
        Some("bmp")
    } else if data.starts_with(b"RIFF") && at(8..12) == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

/// The whole message: headers in ElastAlert2's order (`Subject`, `To`, `From`, `Reply-To`,
/// `Date`, `CC`), then the body. `date` is RFC 2822 (`formatdate()`); `boundary` separates
/// the parts of an HTML message and must not occur in them.
pub(crate) fn render(
    message: &EmailMessage,
    images: &[InlineImage],
    date: &str,
    boundary: &str,
) -> String {
    let mut out = String::new();
    if message.html {
        header(
            &mut out,
            "Content-Type",
            &format!("multipart/mixed; boundary=\"{boundary}\""),
        );
        header(&mut out, "MIME-Version", "1.0");
    } else {
        text_part_headers(&mut out, "plain");
    }
    header(&mut out, "Subject", &message.subject);
    header(&mut out, "To", &message.to_header());
    header(&mut out, "From", &message.from);
    header(&mut out, "Reply-To", &message.reply_to);
    header(&mut out, "Date", date);
    if let Some(cc) = message.cc_header() {
        header(&mut out, "CC", &cc);
    }
    out.push_str("\r\n");
    if !message.html {
        out.push_str(&base64_lines(message.body.as_bytes()));
        return out;
    }
    out.push_str(&format!("--{boundary}\r\n"));
    text_part_headers(&mut out, "html");
    out.push_str("\r\n");
    out.push_str(&base64_lines(message.body.as_bytes()));
    for image in images {
        out.push_str(&format!("\r\n--{boundary}\r\n"));
        header(
            &mut out,
            "Content-Type",
            &format!("image/{}", image.subtype),
        );
        header(&mut out, "MIME-Version", "1.0");
        header(&mut out, "Content-Transfer-Encoding", "base64");
        header(&mut out, "Content-ID", &format!("<{}>", image.content_id));
        out.push_str("\r\n");
        out.push_str(&base64_lines(&image.data));
    }
    out.push_str(&format!("\r\n--{boundary}--\r\n"));
    out
}

/// The headers of a UTF-8 `text/<subtype>` part (`MIMEText(body, subtype, 'UTF-8')`).
fn text_part_headers(out: &mut String, subtype: &str) {
    header(out, "MIME-Version", "1.0");
    header(
        out,
        "Content-Type",
        &format!("text/{subtype}; charset=\"utf-8\""),
    );
    header(out, "Content-Transfer-Encoding", "base64");
}

/// One header line. Line breaks in a value (from a rule option or a match field) would start
/// new headers, so they become spaces.
fn header(out: &mut String, name: &str, value: &str) {
    let value = value.replace(['\r', '\n'], " ");
    out.push_str(name);
    out.push_str(": ");
    out.push_str(&encode_header_value(&value));
    out.push_str("\r\n");
}

/// ASCII as is; otherwise one encoded word of the UTF-8 bytes, `b` when shorter than `q`
/// (Python's `SHORTEST` header encoding of the `utf-8` charset).
pub(crate) fn encode_header_value(value: &str) -> String {
    if value.is_ascii() {
        return value.to_string();
    }
    let bytes = value.as_bytes();
    let b_len = bytes.len().div_ceil(3) * 4;
    let q = q_encode(bytes);
    if b_len < q.len() {
        format!("=?utf-8?b?{}?=", STANDARD.encode(bytes))
    } else {
        format!("=?utf-8?q?{q}?=")
    }
}

/// RFC 2047 `Q` encoding as Python's `quoprimime.header_encode`: letters, digits and
/// `-!*+/` kept, space as `_`, every other byte `=XX`.
fn q_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &byte in bytes {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'!' | b'*' | b'+' | b'/' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('_'),
            _ => out.push_str(&format!("={byte:02X}")),
        }
    }
    out
}

/// Base64 in lines of 76 characters, each ending with CRLF (Python's `encodebytes`).
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(html: bool, cc: &[&str]) -> EmailMessage {
        EmailMessage {
            subject: "Test alert for test_value, owned by owner_value".into(),
            to: vec!["testing@test.test".into(), "test@test.test".into()],
            from: "ElastAlert".into(),
            reply_to: "testing@test.test, test@test.test".into(),
            cc: cc.iter().map(|c| c.to_string()).collect(),
            envelope_recipients: Vec::new(),
            body: if html {
                "<b>hi ☃</b>".into()
            } else {
                "r\n\n@timestamp: 2026\nsnow: ☃\n".into()
            },
            html,
        }
    }

    const DATE: &str = "Thu, 01 Jan 2026 00:00:00 -0000";
    const BOUNDARY: &str = "===============5887545321209061588==";

    // The expected texts are what Python 3.11's email package writes for the same message
    // (as ElastAlert2 builds it), with smtplib's CRLF line ends.
    #[test]
    fn a_text_message_is_what_python_writes() {
        let python = "MIME-Version: 1.0\nContent-Type: text/plain; charset=\"utf-8\"\n\
            Content-Transfer-Encoding: base64\n\
            Subject: Test alert for test_value, owned by owner_value\n\
            To: testing@test.test, test@test.test\nFrom: ElastAlert\n\
            Reply-To: testing@test.test, test@test.test\nDate: Thu, 01 Jan 2026 00:00:00 -0000\n\
            CC: a@b.c,d@e.f\n\ncgoKQHRpbWVzdGFtcDogMjAyNgpzbm93OiDimIMK\n";
        let got = render(&message(false, &["a@b.c", "d@e.f"]), &[], DATE, BOUNDARY);
        assert_eq!(got, python.replace('\n', "\r\n"));
    }

    #[test]
    fn an_html_message_with_an_image_is_what_python_writes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\0\x05\0\x02\x01\xa1\xf5\xd3\xd2\0\0\0\0IEND\xaeB`\x82";
        let image = InlineImage::new("img1", png.to_vec()).unwrap();
        let python = "Content-Type: multipart/mixed; boundary=\"===============5887545321209061588==\"\n\
            MIME-Version: 1.0\nSubject: Test alert for test_value, owned by owner_value\n\
            To: testing@test.test, test@test.test\nFrom: ElastAlert\n\
            Reply-To: testing@test.test, test@test.test\nDate: Thu, 01 Jan 2026 00:00:00 -0000\n\n\
            --===============5887545321209061588==\nMIME-Version: 1.0\n\
            Content-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: base64\n\n\
            PGI+aGkg4piDPC9iPg==\n\n--===============5887545321209061588==\n\
            Content-Type: image/png\nMIME-Version: 1.0\nContent-Transfer-Encoding: base64\n\
            Content-ID: <img1>\n\n\
            iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP4z8DwHwAFAAIBofXT\n\
            0gAAAABJRU5ErkJggg==\n\n--===============5887545321209061588==--\n";
        let got = render(&message(true, &[]), &[image], DATE, BOUNDARY);
        assert_eq!(got, python.replace('\n', "\r\n"));
    }

    #[test]
    fn non_ascii_headers_are_one_encoded_word_the_shorter_way() {
        // Python's Subject lines for the same values.
        let cases = [
            ("plain ascii", "plain ascii"),
            ("Test ☃", "=?utf-8?b?VGVzdCDimIM=?="),
            (
                "Login failures for user élodie on host web-1",
                "=?utf-8?q?Login_failures_for_user_=C3=A9lodie_on_host_web-1?=",
            ),
            ("üüü", "=?utf-8?b?w7zDvMO8?="),
            ("a_b=c? ☃", "=?utf-8?b?YV9iPWM/IOKYgw==?="),
            (
                "Alert: 100% über threshold (ok)",
                "=?utf-8?q?Alert=3A_100=25_=C3=BCber_threshold_=28ok=29?=",
            ),
            (
                "Jöhn <j@x.y>, b@c.d",
                "=?utf-8?b?SsO2aG4gPGpAeC55PiwgYkBjLmQ=?=",
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(encode_header_value(value), expected, "{value}");
        }
    }

    #[test]
    fn line_breaks_cannot_inject_headers() {
        let mut m = message(false, &[]);
        m.subject = "x\r\nBcc: victim@example.com".into();
        let got = render(&m, &[], DATE, BOUNDARY);
        assert!(
            got.contains("\r\nSubject: x  Bcc: victim@example.com\r\n"),
            "{got}"
        );
    }

    #[test]
    fn image_types_are_told_by_their_first_bytes() {
        let cases: [(&[u8], Option<&str>); 7] = [
            (b"\x89PNG\r\n\x1a\nrest", Some("png")),
            (b"\xff\xd8\xff\xe0\0\x10JFIF\0", Some("jpeg")),
            (b"GIF89a....", Some("gif")),
            (b"BM......", Some("bmp")),
            (b"RIFF\0\0\0\0WEBPVP8 ", Some("webp")),
            (b"<svg xmlns=", None),
            (b"", None),
        ];
        for (data, expected) in cases {
            assert_eq!(image_subtype(data), expected, "{data:?}");
        }
    }
}
