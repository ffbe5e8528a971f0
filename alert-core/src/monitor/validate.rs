//! Checks OpenSearch makes on actions and doc-level queries (reference §1.6, §4.1), with the
//! JSON path of the field at fault.

use super::action::{ActionConfig, ActionExecutionScope};
use super::config::DocLevelQueryConfig;

/// A path and a message.
pub(super) type Invalid = (String, String);

/// Templates are Mustache; a throttle is whole minutes and needs no per-execution scope.
pub(super) fn check_actions(actions: &[ActionConfig], path: &str) -> Result<(), Invalid> {
    let mut ids: Vec<&str> = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        let at = |field: &str| format!("{path}[{i}].{field}");
        if let Some(id) = action.id.as_deref() {
            if ids.contains(&id) {
                return Err((at("id"), format!("duplicate action id '{id}'")));
            }
            ids.push(id);
        }
        let templates = [
            ("message_template", Some(&action.message_template)),
            ("subject_template", action.subject_template.as_ref()),
        ];
        for (field, template) in templates {
            let lang = template.map_or("mustache", |t| t.lang_or("mustache"));
            if lang != "mustache" {
                return Err((
                    at(&format!("{field}.lang")),
                    format!("lang must be mustache, got '{lang}'"),
                ));
            }
        }
        if action.throttle_enabled && action.throttle.is_none() {
            return Err((
                at("throttle"),
                "throttle_enabled is true but no throttle is set".into(),
            ));
        }
        if let Some(throttle) = &action.throttle {
            if !throttle.unit.eq_ignore_ascii_case("MINUTES") {
                return Err((
                    at("throttle.unit"),
                    format!("only MINUTES is supported, got '{}'", throttle.unit),
                ));
            }
            if throttle.value <= 0 {
                return Err((
                    at("throttle.value"),
                    format!("must be positive, got {}", throttle.value),
                ));
            }
            let per_execution = matches!(
                action
                    .action_execution_policy
                    .as_ref()
                    .map(|p| &p.action_execution_scope),
                Some(ActionExecutionScope::PerExecution {})
            );
            if per_execution && action.throttle_enabled {
                return Err((
                    at("throttle"),
                    "a per_execution action cannot be throttled".into(),
                ));
            }
        }
    }
    Ok(())
}

/// Query names are 1 to 256 characters; tags hold no space or `[]{}()`; ids are unique.
pub(super) fn check_doc_queries(
    queries: &[DocLevelQueryConfig],
    path: &str,
) -> Result<(), Invalid> {
    let mut ids: Vec<&str> = Vec::new();
    for (i, query) in queries.iter().enumerate() {
        let length = query.name.chars().count();
        if !(1..=256).contains(&length) {
            return Err((
                format!("{path}[{i}].name"),
                "must be 1 to 256 characters".into(),
            ));
        }
        if let Some(tag) = query
            .tags
            .iter()
            .find(|t| t.contains([' ', '[', ']', '{', '}', '(', ')']))
        {
            return Err((
                format!("{path}[{i}].tags"),
                format!("tag '{tag}' holds one of ' []{{}}()'"),
            ));
        }
        if let Some(id) = query.id.as_deref() {
            if ids.contains(&id) {
                return Err((
                    format!("{path}[{i}].id"),
                    format!("duplicate query id '{id}'"),
                ));
            }
            ids.push(id);
        }
    }
    Ok(())
}
