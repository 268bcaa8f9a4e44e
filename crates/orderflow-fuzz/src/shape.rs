//! The shape of a refusal: every message names the field it is about.
//! These checks panic (a fuzzing failure) when a message does not.

use orderflow_sim::ScenarioError;

/// Top-level fields of a scenario file: a problem's path starts with one.
pub const SCENARIO_FIELDS: &[&str] = &[
    "name",
    "title",
    "description",
    "network",
    "services",
    "handlers",
    "broker",
    "breakers",
    "client",
    "workload",
    "faults",
    "outcome",
    "limits",
    "one_click_faults",
];

/// Fields a refused command can name: the command's own (`service`,
/// `factor`, `rate`, `replicas`, `downtime_ms`, `kind`), when it is due
/// (`at`), where it was recorded (`after_events`), and the run's limit on
/// commands (`commands`).
pub const COMMAND_FIELDS: &[&str] = &[
    "service",
    "factor",
    "rate",
    "replicas",
    "downtime_ms",
    "kind",
    "at",
    "after_events",
    "commands",
];

/// The first segment of a path: `services[2].latency` → `services`.
pub fn first_segment(path: &str) -> &str {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    &path[..end]
}

/// A problem found parsing a scenario names the field: its path starts
/// with a scenario field, or (the file as a whole is wrong) the message
/// names a field in backticks or the position in the text. Returns the
/// label to count it under.
pub fn parse_error(e: &ScenarioError) -> String {
    if !e.path.is_empty() {
        let first = first_segment(&e.path);
        // An unknown field's path ends with its own name.
        let unknown = e
            .message
            .strip_prefix("unknown field `")
            .and_then(|m| m.split_once("`, expected"))
            .map(|(name, _)| name);
        if unknown.is_some_and(|name| e.path.ends_with(name)) {
            return "parse (unknown field)".into();
        }
        assert!(
            SCENARIO_FIELDS.contains(&first),
            "parse error path {:?} does not start with a scenario field: {e}",
            e.path
        );
        return format!("parse {first}");
    }
    let names_field = e.message.contains('`');
    let names_place = e.message.contains(" at line ") || e.message.contains("EOF");
    assert!(
        names_field || names_place,
        "parse error names neither a field nor a place: {e}"
    );
    "parse (whole file)".into()
}

/// A problem found compiling a scenario names its field path.
pub fn compile_error(e: &ScenarioError) -> String {
    let first = first_segment(&e.path);
    assert!(
        SCENARIO_FIELDS.contains(&first),
        "compile error without a field path: {e:?}"
    );
    assert!(
        !e.message.trim().is_empty(),
        "compile error without words: {e:?}"
    );
    format!("compile {first}")
}

/// A refused command names one of [`COMMAND_FIELDS`] first:
/// `rate: must be between 0 and 1`. Returns the field.
pub fn command_error(message: &str) -> String {
    let field = message.split_once(": ").map(|(f, _)| f);
    match field {
        Some(f) if COMMAND_FIELDS.contains(&f) => f.to_owned(),
        _ => panic!("command error does not start with a field: {message:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(first_segment("services[2].latency"), "services");
        assert_eq!(first_segment("name"), "name");
        assert_eq!(command_error("rate: must be between 0 and 1"), "rate");
        assert!(crate::driver::catch(|| command_error("something went wrong")).is_err());
        let e = |path: &str, message: &str| ScenarioError {
            path: path.into(),
            message: message.into(),
        };
        assert_eq!(
            parse_error(&e("", "missing field `name` at line 1 column 2")),
            "parse (whole file)"
        );
        assert!(crate::driver::catch(|| parse_error(&e("", "bad"))).is_err());
        assert!(crate::driver::catch(|| compile_error(&e("", "bad"))).is_err());
        assert_eq!(
            compile_error(&e("handlers[0].steps[1].timeout_ms", "must be > 0")),
            "compile handlers"
        );
    }
}
