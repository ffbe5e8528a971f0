//! Python number formatting for `metric_format_string` and `percentage_format_string`
//! (ElastAlert2's `format_string`: `str.format` when the text starts with `{`, `%` otherwise).
//!
//! Covered: `{}`/`{0}`/`{:spec}` with fill, align, sign, `0`, width, `,`/`_` grouping,
//! precision and the types `d f F e E g G %`; `%[flags][width][.precision]` with
//! `d i u f F e E g G s r` and `%%`. Anything else is refused when the rule loads.

use serde_json::Value;

use crate::document::python_str;

/// A parsed format string with exactly one value slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Value(Spec),
}

/// One conversion: `[[fill]align][sign][0][width][,][.precision][type]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    /// `d f F e E g G %`, `s` for `str()`, or `' '` for none.
    kind: char,
}

impl NumberFormat {
    /// Parses a format string; the message says what Python would not accept.
    pub fn parse(text: &str) -> Result<Self, String> {
        let pieces = if text.starts_with('{') {
            parse_braces(text)?
        } else {
            parse_percent(text)?
        };
        let slots = pieces
            .iter()
            .filter(|p| matches!(p, Piece::Value(_)))
            .count();
        if slots != 1 {
            return Err(format!(
                "'{text}' must format exactly one value, it has {slots}"
            ));
        }
        Ok(NumberFormat { pieces })
    }

    /// Formats a number (a JSON number; anything else is shown with `str()`).
    pub fn format(&self, value: &Value) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Value(spec) => out.push_str(&spec.apply(value)),
            }
        }
        out
    }
}

fn parse_braces(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => literal.push(chars.next().unwrap_or('{')),
            '}' if chars.peek() == Some(&'}') => literal.push(chars.next().unwrap_or('}')),
            '{' => {
                let field: String = chars.by_ref().take_while(|c| *c != '}').collect();
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                pieces.push(Piece::Value(parse_field(&field)?));
            }
            '}' => return Err(format!("single '}}' in '{text}'")),
            other => literal.push(other),
        }
    }
    pieces.push(Piece::Literal(literal));
    Ok(pieces)
}

/// `{}`, `{0}`, `{!s}`, `{:spec}`.
fn parse_field(field: &str) -> Result<Spec, String> {
    let (head, spec) = field.split_once(':').unwrap_or((field, ""));
    let (name, conversion) = head.split_once('!').unwrap_or((head, ""));
    if !matches!(name, "" | "0") {
        return Err(format!(
            "replacement field '{{{field}}}' must be {{}} or {{0}}"
        ));
    }
    if !conversion.is_empty() {
        return match conversion {
            "s" | "r" if spec.is_empty() => Ok(Spec::plain('s')),
            _ => Err(format!("conversion '!{conversion}' is not supported")),
        };
    }
    parse_spec(spec)
}

fn parse_spec(spec: &str) -> Result<Spec, String> {
    let mut out = Spec::plain(' ');
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    if chars.len() >= 2 && "<>^=".contains(chars[1]) {
        (out.fill, out.align, i) = (chars[0], Some(chars[1]), 2);
    } else if chars.first().is_some_and(|c| "<>^=".contains(*c)) {
        (out.align, i) = (Some(chars[0]), 1);
    }
    if let Some(&s) = chars.get(i).filter(|c| "+- ".contains(**c)) {
        (out.sign, i) = (s, i + 1);
    }
    if chars.get(i) == Some(&'0') {
        (out.fill, out.align) = ('0', out.align.or(Some('=')));
        i += 1;
    }
    (out.width, i) = digits(&chars, i);
    if let Some(&g) = chars.get(i).filter(|c| matches!(c, ',' | '_')) {
        (out.grouping, i) = (Some(g), i + 1);
    }
    if chars.get(i) == Some(&'.') {
        let (precision, next) = digits(&chars, i + 1);
        (out.precision, i) = (Some(precision), next);
    }
    match &chars[i..] {
        [] => {}
        [k] if "dfFeEgG%s".contains(*k) => out.kind = *k,
        rest => {
            return Err(format!(
                "format spec '{spec}' ends in unsupported '{}'",
                rest.iter().collect::<String>()
            ));
        }
    }
    Ok(out)
}

fn digits(chars: &[char], mut i: usize) -> (usize, usize) {
    let mut n = 0usize;
    while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        i += 1;
    }
    (n, i)
}

fn parse_percent(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            literal.push(chars[i]);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'%') {
            literal.push('%');
            i += 2;
            continue;
        }
        let (spec, next) = parse_conversion(&chars, i + 1)
            .ok_or_else(|| format!("bad % conversion in '{text}'"))?;
        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
        pieces.push(Piece::Value(spec));
        i = next;
    }
    pieces.push(Piece::Literal(literal));
    Ok(pieces)
}

/// `%[-+ 0#]*[width][.precision]type` after the `%`.
fn parse_conversion(chars: &[char], mut i: usize) -> Option<(Spec, usize)> {
    let mut spec = Spec::plain(' ');
    spec.align = Some('>');
    while let Some(&flag) = chars.get(i).filter(|c| "-+ 0#".contains(**c)) {
        match flag {
            '-' => spec.align = Some('<'),
            '0' if spec.align != Some('<') => (spec.fill, spec.align) = ('0', Some('=')),
            '+' | ' ' => spec.sign = flag,
            _ => {}
        }
        i += 1;
    }
    (spec.width, i) = digits(chars, i);
    if chars.get(i) == Some(&'.') {
        let (precision, next) = digits(chars, i + 1);
        (spec.precision, i) = (Some(precision), next);
    }
    spec.kind = match *chars.get(i)? {
        'd' | 'i' | 'u' => 'd',
        'r' => 's',
        k if "fFeEgGs".contains(k) => k,
        _ => return None,
    };
    Some((spec, i + 1))
}

impl Spec {
    fn plain(kind: char) -> Self {
        Spec {
            fill: ' ',
            align: None,
            sign: '-',
            width: 0,
            grouping: None,
            precision: None,
            kind,
        }
    }

    fn apply(&self, value: &Value) -> String {
        let Some(x) = value.as_f64().filter(|_| self.kind != 's') else {
            let text = python_str(value);
            let text = match self.precision {
                Some(p) if self.kind == 's' => text.chars().take(p).collect(),
                _ => text,
            };
            return self.pad("", &text, '<');
        };
        let body = self.body(x.abs(), value);
        let sign = if x.is_sign_negative() && x != 0.0 {
            "-"
        } else {
            self.positive_sign()
        };
        self.pad(sign, &group(&body, self.grouping), '>')
    }

    /// The digits of `|x|` (`value` is the original, to keep integers exact).
    fn body(&self, x: f64, value: &Value) -> String {
        let integer = value.is_i64() || value.is_u64();
        let p = self.precision.unwrap_or(6);
        match (self.kind, self.precision) {
            (' ' | 'd', None) if integer => value.to_string().trim_start_matches('-').to_string(),
            (' ', None) => {
                python_str(&serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number))
            }
            ('f' | 'F', _) => format!("{x:.p$}"),
            ('e' | 'E', _) => exponent(x, p, self.kind == 'E'),
            ('%', _) => format!("{:.p$}%", x * 100.0),
            ('d', _) => format!("{}", x.trunc() as u128),
            _ => general(x, p.max(1), self.kind == 'G'),
        }
    }

    fn positive_sign(&self) -> &'static str {
        match self.sign {
            '+' => "+",
            ' ' => " ",
            _ => "",
        }
    }

    fn pad(&self, sign: &str, body: &str, default_align: char) -> String {
        let len = sign.chars().count() + body.chars().count();
        let missing = self.width.saturating_sub(len);
        let fill = |n: usize| self.fill.to_string().repeat(n);
        match self.align.unwrap_or(default_align) {
            '<' => format!("{sign}{body}{}", fill(missing)),
            '^' => format!(
                "{}{sign}{body}{}",
                fill(missing / 2),
                fill(missing - missing / 2)
            ),
            '=' => format!("{sign}{}{body}", fill(missing)),
            _ => format!("{}{sign}{body}", fill(missing)),
        }
    }
}

/// Python's `e`: at least two exponent digits, with a sign.
fn exponent(x: f64, p: usize, upper: bool) -> String {
    let text = format!("{x:.p$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let out = format!("{mantissa}e{sign}{:02}", exp.abs());
    if upper { out.to_uppercase() } else { out }
}

/// Python's `g`: fixed or scientific by the rounded exponent, trailing zeros removed.
fn general(x: f64, p: usize, upper: bool) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let marker = if upper { 'E' } else { 'e' };
    let sci = exponent(x, p - 1, upper);
    let (mantissa, exp_text) = sci.split_once(marker).unwrap_or((&sci, "+00"));
    let exp: i32 = exp_text.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        return format!("{}{marker}{exp_text}", trim_zeros(mantissa));
    }
    let decimals = (p as i32 - 1 - exp).max(0) as usize;
    trim_zeros(&format!("{x:.decimals$}")).to_string()
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// Inserts a thousands separator into the integer part.
fn group(body: &str, separator: Option<char>) -> String {
    let Some(sep) = separator else {
        return body.to_string();
    };
    let split = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let (int, rest) = body.split_at(split);
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out + rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_like_python() {
        let cases = [
            ("{:.2f}", json!(332.0604914933837), "332.06"),
            ("{:.2%}", json!(0.07051), "7.05%"),
            ("{:,.1f} ms", json!(1234567.25), "1,234,567.2 ms"),
            ("{:>8.1f}", json!(-3.25), "    -3.2"),
            ("{:+d}", json!(5), "+5"),
            ("{:08.2f}", json!(-3.5), "-0003.50"),
            ("{}", json!(1200.0), "1200.0"),
            ("{}", json!(12), "12"),
            ("{{{}}}", json!(1.5), "{1.5}"),
            ("{:e}", json!(1234.5), "1.234500e+03"),
            ("{:g}", json!(0.0000123), "1.23e-05"),
            ("{:g}", json!(1234.5), "1234.5"),
            ("%.2f", json!(7.051282051282051), "7.05"),
            ("%.1f%%", json!(16.337522441651707), "16.3%"),
            ("%d items", json!(468.9), "468 items"),
            ("%5d|", json!(42), "   42|"),
            ("%-5d|", json!(42), "42   |"),
            ("%s", json!(2.5), "2.5"),
            ("%.3e", json!(0.000123), "1.230e-04"),
        ];
        for (spec, value, expected) in cases {
            let f = NumberFormat::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(f.format(&value), expected, "{spec} {value}");
        }
    }

    #[test]
    fn refuses_what_python_would_not_format_with_one_value() {
        for spec in [
            "{} {}", "{1}", "{name}", "{:x}", "%.2f %d", "no slot", "%q", "{!a}",
        ] {
            assert!(NumberFormat::parse(spec).is_err(), "{spec}");
        }
    }
}
