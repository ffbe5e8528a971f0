//! Python's `str.format` and `%`-format templates: moved to
//! [`alert_core::template::python_format`], re-exported here for the notifiers.

pub(crate) use alert_core::template::python_format::{Arg, Field, FormatError, parse, render};
