//! The compact text of a design's edits.
//!
//! Written by people: `services.payment.replicas=4; flow.order.place.1.mode=publish`.
//! In links (`d=`): `s.payment.replicas:4~f.order.place.1.mode:publish`,
//! with one-letter aliases for the first part of a path and only
//! characters a URL carries unescaped. [`parse`] reads both forms (and any
//! mix); it never panics and each error names the edit.
//!
//! Paths never hold `=`, `:`, `;` or `~` (ids are `a-z 0-9 _ -`), and values
//! hold none of `=`, `;`, `~`, so the first `=` or `:` ends the path.

use super::{Edit, MAX_EDITS};
use crate::model::ScenarioError;

/// One-letter aliases of a path's first part, for links.
const ALIASES: [(&str, &str); 8] = [
    ("f", "flow"),
    ("s", "services"),
    ("b", "breakers"),
    ("q", "broker.queues"),
    ("k", "broker.consumers"),
    ("c", "client"),
    ("w", "workload"),
    ("n", "network"),
];

/// `path=value; path=value`.
pub fn to_text(edits: &[Edit]) -> String {
    edits
        .iter()
        .map(|e| format!("{}={}", e.path, e.value))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The link form: aliases, `:` and `~`.
pub fn to_link(edits: &[Edit]) -> String {
    edits
        .iter()
        .map(|e| {
            let path = ALIASES
                .iter()
                .find_map(|(short, long)| {
                    e.path
                        .strip_prefix(long)
                        .filter(|rest| rest.starts_with('.'))
                        .map(|rest| format!("{short}{rest}"))
                })
                .unwrap_or_else(|| e.path.clone());
            format!("{path}:{}", e.value)
        })
        .collect::<Vec<_>>()
        .join("~")
}

fn expand(path: &str) -> String {
    let (first, rest) = path.split_once('.').unwrap_or((path, ""));
    match ALIASES.iter().find(|(short, _)| *short == first) {
        Some((_, long)) if !rest.is_empty() => format!("{long}.{rest}"),
        _ => path.to_owned(),
    }
}

/// Reads edits in either form. Empty text is no edit.
pub fn parse(text: &str) -> Result<Vec<Edit>, ScenarioError> {
    let mut edits = Vec::new();
    for (i, raw) in text.split([';', '~']).map(str::trim).enumerate() {
        if raw.is_empty() {
            continue;
        }
        if edits.len() == MAX_EDITS {
            return Err(ScenarioError {
                path: "d".into(),
                message: format!("at most {MAX_EDITS} edits"),
            });
        }
        let Some(cut) = raw.find(['=', ':']) else {
            return Err(ScenarioError {
                path: format!("d[{i}]"),
                message: format!("{raw:?} has no value (write path=value)"),
            });
        };
        let (path, value) = (raw[..cut].trim(), raw[cut + 1..].trim());
        let path_ok = !path.is_empty()
            && path.len() <= 200
            && path.split('.').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if !path_ok {
            return Err(ScenarioError {
                path: format!("d[{i}]"),
                message: format!("{path:?} is not a setting's path"),
            });
        }
        let path = expand(path);
        if value.is_empty() || value.len() > 100 {
            return Err(ScenarioError {
                path,
                message: "needs a value of 1 to 100 characters".into(),
            });
        }
        edits.push(Edit::new(path, value));
    }
    Ok(edits)
}
