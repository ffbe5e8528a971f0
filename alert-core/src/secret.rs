//! [`Secret`]: a webhook URL, password or API key that never shows in logs or `Debug` output.

use std::fmt;

/// A secret string. `Debug` and `Display` print `***`; [`Secret::expose`] gives the value to
/// the one place that needs it (the request being sent).
///
/// ```
/// use alert_core::secret::Secret;
/// let url = Secret::new("https://hooks.slack.com/services/T000/B000/XXXX");
/// assert_eq!(format!("{url} {url:?}"), "*** ***");
/// assert!(url.expose().starts_with("https://hooks.slack.com/"));
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself; use it only to build the outgoing request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Read from config as a plain string, so a config struct can hold it and still derive `Debug`.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
