//! Trigger conditions compiled once (at load) and evaluated as CEL with the crate `cel`.
//!
//! Numbers reach CEL as doubles (see [`super::painless`]); the Painless methods people call on
//! JSON values (`isEmpty()`, `containsKey(k)`, `equals(x)`, `toEpochMilli()`, ...) are
//! registered as CEL functions.

use std::fmt;
use std::sync::{Arc, OnceLock};

use cel::extractors::This;
use cel::objects::{Key, Map as CelMap};
use cel::{Context, Env, ExecutionError, Program, Value as CelValue};
use serde_json::Value;

use super::painless::{Dialect, to_cel};

/// A compiled condition: the Painless source as written and the CEL it runs as.
#[derive(Clone)]
pub struct Condition {
    painless: String,
    cel: String,
    program: Arc<Program>,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("painless", &self.painless)
            .field("cel", &self.cel)
            .finish()
    }
}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.painless == other.painless && self.cel == other.cel
    }
}

fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(Env::stdlib())).clone()
}

impl Condition {
    /// Compiles a Painless condition; the error says what is unsupported or malformed.
    ///
    /// ```
    /// use alert_core::monitor::condition::{Condition, Variables};
    /// use alert_core::monitor::painless::Dialect;
    /// use serde_json::json;
    /// let c = Condition::compile("return ctx.results[0].hits.total.value > 0;", Dialect::QueryLevel).unwrap();
    /// let ctx = json!({"results": [{"hits": {"total": {"value": 3}}}]});
    /// assert_eq!(c.evaluate(&Variables::new().json("ctx", &ctx)), Ok(true));
    /// ```
    pub fn compile(painless: &str, dialect: Dialect) -> Result<Self, String> {
        let cel = to_cel(painless, dialect)?;
        let program = env()
            .compile(&cel)
            .map_err(|e| format!("the condition does not parse: {}", one_line(&e.to_string())))?;
        Ok(Condition {
            painless: painless.to_string(),
            cel,
            program: Arc::new(program),
        })
    }

    /// The condition as written.
    pub fn painless(&self) -> &str {
        &self.painless
    }

    /// The CEL it is evaluated as.
    pub fn cel(&self) -> &str {
        &self.cel
    }

    /// Evaluates to a boolean; a missing key, a wrong type or a non-boolean result is an error
    /// (OpenSearch turns such errors into a triggered result with an error).
    pub fn evaluate(&self, variables: &Variables) -> Result<bool, String> {
        let mut context = Context::with_env(env());
        for (name, value) in &variables.values {
            context.add_variable_from_value(name.as_str(), value.clone());
        }
        register_painless_methods(&mut context)?;
        match self.program.execute(&context) {
            Ok(CelValue::Bool(b)) => Ok(b),
            Ok(other) => Err(format!(
                "the condition `{}` gave {}, not true or false",
                self.painless,
                describe(&other)
            )),
            Err(e) => Err(format!("evaluating `{}`: {}", self.painless, explain(&e))),
        }
    }
}

/// The variables a condition reads, converted once and reusable across triggers and buckets.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    values: Vec<(String, CelValue)>,
}

impl Variables {
    /// No variables.
    pub fn new() -> Self {
        Variables::default()
    }

    /// Adds a variable from JSON (numbers become doubles).
    #[must_use]
    pub fn json(self, name: &str, value: &Value) -> Self {
        self.cel(name, json_to_cel(value))
    }

    /// Adds a variable that is already a CEL value.
    #[must_use]
    pub(crate) fn cel(mut self, name: &str, value: CelValue) -> Self {
        self.values.retain(|(n, _)| n != name);
        self.values.push((name.to_string(), value));
        self
    }
}

/// JSON as a CEL value, every number a double.
pub(crate) fn json_to_cel(value: &Value) -> CelValue {
    match value {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => CelValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => CelValue::String(Arc::new(s.clone())),
        Value::Array(items) => CelValue::List(Arc::new(items.iter().map(json_to_cel).collect())),
        Value::Object(map) => cel_map(map.iter().map(|(k, v)| (k.clone(), json_to_cel(v)))),
    }
}

/// A CEL map with string keys.
pub(crate) fn cel_map(entries: impl IntoIterator<Item = (String, CelValue)>) -> CelValue {
    let map = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k)), v))
        .collect();
    CelValue::Map(CelMap { map: Arc::new(map) })
}

fn register_painless_methods(context: &mut Context<'_, '_>) -> Result<(), String> {
    let added = [
        context.add_function("painless_size", painless_size),
        context.add_function("isEmpty", is_empty),
        context.add_function("containsKey", contains_key),
        context.add_function("equals", |This(this): This<CelValue>, other: CelValue| {
            this == other
        }),
        context.add_function("toEpochMilli", |This(this): This<f64>| this),
        context.add_function("getEpochSecond", |This(this): This<f64>| {
            (this / 1000.0).floor()
        }),
        context.add_function("toLowerCase", |This(this): This<Arc<String>>| {
            this.to_lowercase()
        }),
        context.add_function("toUpperCase", |This(this): This<Arc<String>>| {
            this.to_uppercase()
        }),
    ];
    added
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map(|_| ())
        .map_err(|e| format!("cannot register Painless methods: {e:?}"))
}

fn painless_size(This(this): This<CelValue>) -> Result<f64, ExecutionError> {
    let n = match &this {
        CelValue::List(items) => items.len(),
        CelValue::Map(map) => map.map.len(),
        CelValue::String(s) => s.chars().count(),
        other => {
            return Err(ExecutionError::function_error(
                "size",
                format!("{} has no size", describe(other)),
            ));
        }
    };
    Ok(n as f64)
}

fn is_empty(This(this): This<CelValue>) -> Result<bool, ExecutionError> {
    painless_size(This(this)).map(|n| n == 0.0)
}

fn contains_key(This(this): This<CelValue>, key: Arc<String>) -> Result<bool, ExecutionError> {
    match this {
        CelValue::Map(map) => Ok(map.map.contains_key(&Key::String(key))),
        other => Err(ExecutionError::function_error(
            "containsKey",
            format!("{} is not a map", describe(&other)),
        )),
    }
}

fn describe(value: &CelValue) -> String {
    match value {
        CelValue::Null => "null".into(),
        CelValue::Bool(b) => format!("a boolean ({b})"),
        CelValue::Float(f) => format!("a number ({f})"),
        CelValue::Int(i) => format!("a number ({i})"),
        CelValue::UInt(u) => format!("a number ({u})"),
        CelValue::String(s) => format!("a string ({s:?})"),
        CelValue::List(_) => "a list".into(),
        CelValue::Map(_) => "a map".into(),
        _ => "a value".into(),
    }
}

fn explain(error: &ExecutionError) -> String {
    match error {
        ExecutionError::NoSuchKey(key) => format!("no field '{key}'"),
        ExecutionError::IndexOutOfBounds(index) => {
            format!("index {} is out of bounds", describe(index))
        }
        ExecutionError::UnsupportedBinaryOperator(op, left, right) => {
            format!("cannot {op} {} and {}", describe(left), describe(right))
        }
        other => one_line(&other.to_string()),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "condition_tests.rs"]
mod tests;
