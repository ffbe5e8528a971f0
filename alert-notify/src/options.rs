//! [`AlerterOptions`]: the options one alerter entry sees, its overrides over the rule's own
//! (defined in [`alert_core::template`], where the alert text reads them).

pub use alert_core::template::AlerterOptions;
pub(crate) use alert_core::template::python::truthy;
