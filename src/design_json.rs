//! Owns the design's JSON: the scenario as text to view, copy and
//! download, and pasted or uploaded text read back.
//!
//! Parsing uses the engine's own reader (serde_json through
//! `serde_path_to_error`), so a bad file gets exactly the message
//! `orderflow check` prints, naming the field's path. The README has the
//! measurements behind putting it in the main bundle rather than a second
//! wasm or the browser's `JSON.parse`.

use orderflow_sim::Scenario;

/// The largest JSON text read (a preset is about 6 KB).
pub const MAX_JSON_BYTES: usize = 1_000_000;

/// The scenario as pretty JSON.
pub fn to_text(s: &Scenario) -> String {
    s.to_json()
}

/// Reads a scenario; the error names the field's path.
pub fn parse(text: &str) -> Result<Scenario, String> {
    if text.len() > MAX_JSON_BYTES {
        return Err(format!("at most {MAX_JSON_BYTES} bytes, got {}", text.len()));
    }
    Scenario::from_json(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_round_trips_and_a_bad_field_is_named() {
        let s = orderflow_sim::presets::scenario("hybrid").unwrap();
        assert_eq!(parse(&to_text(&s)), Ok(s));
        let e = parse(r#"{"name": "x", "services": [{"id": "a", "replicas": "two"}]}"#).unwrap_err();
        assert!(e.starts_with("services[0].replicas: invalid type: string \"two\""), "{e}");
        assert!(parse("{").unwrap_err().contains("EOF while parsing"));
    }
}
