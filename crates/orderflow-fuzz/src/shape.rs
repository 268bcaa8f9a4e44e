//! The shape of a refusal: every message names the field it is about.
//! These checks panic (a fuzzing failure) when a message does not.

use orderflow_sim::ScenarioError;

/// Top-level fields of a scenario file: a problem's path starts with one.
/// Read from the scenario type itself (its refusal of an unknown field
/// lists every field it knows), so a field added to `Scenario` needs no
/// edit here.
pub fn scenario_fields() -> &'static [String] {
    static FIELDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let e = orderflow_sim::Scenario::from_json(r#"{"__not_a_field__": 0}"#)
            .expect_err("a scenario refuses an unknown field");
        let list = e
            .message
            .split_once("expected one of ")
            .map_or("", |(_, rest)| rest);
        let fields: Vec<String> = list
            .split(", ")
            .filter_map(|f| f.trim().strip_prefix('`')?.split('`').next())
            .map(str::to_owned)
            .collect();
        assert!(
            fields.iter().any(|f| f == "services") && fields.iter().any(|f| f == "handlers"),
            "cannot read the scenario's fields from: {e}"
        );
        fields
    })
}

fn is_scenario_field(name: &str) -> bool {
    scenario_fields().iter().any(|f| f == name)
}

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
    "sku",
    "units",
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
            is_scenario_field(first),
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
        is_scenario_field(first),
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
    #[test]
    fn the_scenario_fields_are_read_from_the_type() {
        let fields = super::scenario_fields();
        for f in [
            "name", "services", "handlers", "broker", "client", "limits", "claims",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
        }
        assert!(!super::is_scenario_field("__not_a_field__"));
    }
}
