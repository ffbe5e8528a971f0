//! What every HTTP notifier shares: client settings from the alerter's options (timeout,
//! proxy, CA bundle, certificate verification), one request type with secret URL and headers,
//! and the classification of failures the outbox acts on (retry or give up).

mod send;
mod settings;

pub use send::{HttpBody, HttpRequest, HttpResponse, send};

/// The header every HTTP notifier sends the notification's idempotency key in
/// (`alert-<id>-<position>-<alerter>`): a receiver can drop the repeat of a send that was
/// interrupted (a `kill -9` mid-request, a lost answer) and retried.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
pub use settings::{DEFAULT_TIMEOUT, HttpOptionNames, HttpSettings};
