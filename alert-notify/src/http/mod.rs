//! What every HTTP notifier shares: client settings from the alerter's options (timeout,
//! proxy, CA bundle, certificate verification), one request type with secret URL and headers,
//! and the classification of failures the outbox acts on (retry or give up).

mod send;
mod settings;

pub use send::{HttpBody, HttpRequest, HttpResponse, send};
pub use settings::{DEFAULT_TIMEOUT, HttpOptionNames, HttpSettings};
