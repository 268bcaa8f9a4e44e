//! Owns the design panel's view model: the registry's settings grouped as
//! the panel shows them (flow first, "wait / don't wait" first in each
//! step), each as a labelled control with its unit, range and whether it
//! differs from the preset. Plain Rust, tested natively; the component
//! (`components/design.rs`) only maps these fields to markup.

use std::collections::BTreeMap;

use orderflow_sim::design::{Group, Kind, Setting};

/// What a control is.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// `<input type="number">`; `step` is `"1"` or `"any"`.
    Number {
        min: String,
        max: String,
        step: &'static str,
    },
    /// `<select>`: `(value, text)` pairs.
    Select(Vec<(String, String)>),
    /// A checkbox.
    Toggle,
}

/// One setting as a control.
#[derive(Clone, Debug, PartialEq)]
pub struct Control {
    /// The setting's path: what an edit names.
    pub path: String,
    /// DOM id for the label's `for` (`set-services-payment-replicas`).
    pub id: String,
    pub label: String,
    /// Unit and range in words (`ms, 1 to 604800000`).
    pub hint: String,
    pub input: Input,
    pub value: String,
    /// The preset's value, when this one differs.
    pub was: Option<String>,
    /// "Wait / don't wait": shown first and set apart.
    pub prominent: bool,
}

/// The controls of one thing (a service, a step, a queue).
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub title: String,
    pub controls: Vec<Control>,
    /// Some control differs from the preset.
    pub changed: bool,
}

/// One group of the panel.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupView {
    pub title: &'static str,
    pub sections: Vec<Section>,
    /// Settings that differ from the preset in this group.
    pub changed: usize,
}

/// The whole panel.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DesignPanel {
    pub groups: Vec<GroupView>,
    /// Edits of the preset, in the design's compact text.
    pub edits_text: String,
    pub edit_count: usize,
}

/// Whether `path` is a step's "wait / don't wait" (not a compensation's
/// mode, which is a call or a send too).
fn is_wait_choice(path: &str) -> bool {
    path.starts_with("flow.") && path.ends_with(".mode") && !path.ends_with(".compensate.mode")
}

/// A choice's text in the panel.
pub fn choice_text(path: &str, value: &str) -> String {
    if is_wait_choice(path) {
        return match value {
            "call" => "wait: call and hold for the answer".into(),
            "publish" => "don't wait: publish to a queue".into(),
            "send" => "don't wait: fire and forget".into(),
            other => other.into(),
        };
    }
    match (path.rsplit('.').next(), value) {
        (Some("mode"), "call") => return "a call that insists until answered".into(),
        (Some("mode"), "send") => return "fire and forget".into(),
        (Some("kind"), "share") => return "the jitter share".into(),
        (Some("kind"), "none") => return "none (exact exponential)".into(),
        _ => {}
    }
    value.replace(['_', '-'], " ")
}

fn fmt_bound(v: f64) -> String {
    orderflow_sim::design::fmt_num(v)
}

fn control(s: &Setting, was: Option<&String>) -> Control {
    let (input, range) = match &s.kind {
        Kind::Int { min, max } | Kind::OptInt { min, max } => (
            Input::Number {
                min: min.to_string(),
                max: max.to_string(),
                step: "1",
            },
            format!("{min} to {max}"),
        ),
        Kind::Float { min, max } => (
            Input::Number {
                min: fmt_bound(*min),
                max: fmt_bound(*max),
                step: "any",
            },
            format!("{} to {}", fmt_bound(*min), fmt_bound(*max)),
        ),
        Kind::Bool => (Input::Toggle, String::new()),
        Kind::Choice(c) => (
            Input::Select(
                c.iter()
                    .map(|v| (v.clone(), choice_text(&s.path, v)))
                    .collect(),
            ),
            String::new(),
        ),
    };
    let mut hint = match (s.unit.is_empty(), range.is_empty()) {
        (false, false) => format!("{}, {range}", s.unit),
        (false, true) => s.unit.to_owned(),
        (true, false) => range,
        (true, true) => String::new(),
    };
    if matches!(s.kind, Kind::OptInt { .. }) {
        hint.push_str(", or none");
    }
    let label = if s.group == orderflow_sim::design::Group::Stock {
        format!("{} ({})", s.label, s.path.rsplit('.').next().unwrap_or(""))
    } else {
        s.label.to_owned()
    };
    Control {
        id: format!("set-{}", s.path.replace(['.', ':'], "-")),
        path: s.path.clone(),
        label,
        hint,
        input,
        value: s.value.clone(),
        was: was.filter(|w| **w != s.value).cloned(),
        prominent: is_wait_choice(&s.path),
    }
}

/// The panel for `settings`, marking what differs from `base` (the
/// preset's settings).
pub fn panel(
    settings: &[Setting],
    base: &[Setting],
    edits_text: String,
    edit_count: usize,
) -> DesignPanel {
    let base: BTreeMap<&str, &String> = base.iter().map(|s| (s.path.as_str(), &s.value)).collect();
    let mut groups: Vec<GroupView> = Vec::new();
    for g in Group::ALL {
        let mut sections: Vec<Section> = Vec::new();
        for s in settings.iter().filter(|s| s.group == g) {
            let c = control(s, base.get(s.path.as_str()).copied());
            // A setting the preset lacks (a queue the design added) is new.
            let changed = c.was.is_some() || !base.contains_key(s.path.as_str());
            match sections.last_mut() {
                Some(sec) if sec.title == s.section => {
                    sec.changed |= changed;
                    sec.controls.push(c);
                }
                _ => sections.push(Section {
                    title: s.section.clone(),
                    controls: vec![c],
                    changed,
                }),
            }
        }
        for sec in &mut sections {
            // Stable: "wait / don't wait" first, the rest as listed.
            sec.controls.sort_by_key(|c| !c.prominent);
        }
        if !sections.is_empty() {
            let changed = sections
                .iter()
                .flat_map(|s| &s.controls)
                .filter(|c| c.was.is_some() || !base.contains_key(c.path.as_str()))
                .count();
            groups.push(GroupView {
                title: g.title(),
                sections,
                changed,
            });
        }
    }
    DesignPanel {
        groups,
        edits_text,
        edit_count,
    }
}

/// The value a control sends: a checkbox's state as `1` / `0`, anything
/// else as typed (the engine checks it and names the path if it is bad).
pub fn value_of_toggle(checked: bool) -> &'static str {
    if checked { "1" } else { "0" }
}

/// The summary line of the panel.
pub fn summary(edit_count: usize) -> String {
    match edit_count {
        0 => {
            "The preset as it is. Change any setting: the run starts again on the same seed.".into()
        }
        1 => "1 change from the preset.".into(),
        n => format!("{n} changes from the preset."),
    }
}

/// The file name a downloaded design gets.
pub fn file_name(preset: &str, edit_count: usize) -> String {
    if edit_count == 0 {
        format!("{preset}.json")
    } else {
        format!("{preset}-design.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderflow_sim::design::{self, Edit};
    use orderflow_sim::presets;

    fn sync_chain_panel(edits: &[Edit]) -> DesignPanel {
        let base = presets::scenario("sync-chain").unwrap();
        let s = design::apply(&base, edits).unwrap();
        panel(
            &design::settings(&s),
            &design::settings(&base),
            design::text::to_text(edits),
            edits.len(),
        )
    }

    #[test]
    fn the_flow_comes_first_with_wait_or_dont_wait_first_in_each_step() {
        let p = sync_chain_panel(&[]);
        assert_eq!(p.groups[0].title, "Flow");
        let step = p.groups[0]
            .sections
            .iter()
            .find(|s| s.title == "order.place step 2")
            .unwrap();
        let first = &step.controls[0];
        assert_eq!(first.path, "flow.order.place.1.mode");
        assert!(first.prominent);
        assert_eq!(first.value, "call");
        assert_eq!(
            first.input,
            Input::Select(vec![
                ("call".into(), "wait: call and hold for the answer".into()),
                ("publish".into(), "don't wait: publish to a queue".into()),
                ("send".into(), "don't wait: fire and forget".into()),
            ])
        );
        let timeout = &step.controls[1];
        assert_eq!(
            (timeout.label.as_str(), timeout.hint.as_str()),
            ("Timeout", "ms, 1 to 604800000")
        );
        assert_eq!(timeout.id, "set-flow-order-place-1-timeout_ms");
        assert!(p.groups.iter().all(|g| g.changed == 0));
    }

    #[test]
    fn changed_settings_and_new_parts_are_marked() {
        let p = sync_chain_panel(&[
            Edit::new("flow.order.place.1.mode", "publish"),
            Edit::new("services.payment.replicas", "4"),
        ]);
        assert_eq!(p.edit_count, 2);
        let flow = &p.groups[0];
        let step = flow
            .sections
            .iter()
            .find(|s| s.title == "order.place step 2")
            .unwrap();
        assert!(step.changed);
        assert_eq!(step.controls[0].was.as_deref(), Some("call"));
        let services = p.groups.iter().find(|g| g.title == "Services").unwrap();
        let payment = services
            .sections
            .iter()
            .find(|s| s.title == "Payment")
            .unwrap();
        let replicas = payment
            .controls
            .iter()
            .find(|c| c.path.ends_with("replicas"))
            .unwrap();
        assert_eq!(
            (replicas.value.as_str(), replicas.was.as_deref()),
            ("4", Some("2"))
        );
        // The broker the publish needs is a new group, all of it new.
        let broker = p.groups.iter().find(|g| g.title == "Broker").unwrap();
        assert!(broker.sections.iter().all(|s| s.changed));
        assert_eq!(
            p.edits_text,
            "flow.order.place.1.mode=publish; services.payment.replicas=4"
        );
    }

    #[test]
    fn new_settings_sit_in_their_groups_and_only_a_steps_mode_comes_first() {
        let base = presets::scenario("hybrid").unwrap();
        let p = panel(
            &design::settings(&base),
            &design::settings(&base),
            String::new(),
            0,
        );
        let section = |group: &str, title: &str| {
            p.groups
                .iter()
                .find(|g| g.title == group)
                .and_then(|g| g.sections.iter().find(|s| s.title == title))
                .unwrap_or_else(|| panic!("{group} / {title}"))
                .clone()
        };
        let step = section("Flow", "order.place step 2");
        assert_eq!(step.controls[0].path, "flow.order.place.1.mode");
        let undo = step
            .controls
            .iter()
            .find(|c| c.path.ends_with(".compensate.mode"))
            .unwrap();
        assert!(!undo.prominent);
        assert_eq!(undo.value, "send");
        let red = section("Stock", "Inventory · SKU-RED");
        let labels: Vec<&str> = red.controls.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels[0], "Units in stock (SKU-RED)");
        assert!(labels.contains(&"Restocked every (SKU-RED)"), "{labels:?}");
        let breaker = presets::scenario("payment-breaker").unwrap();
        let p = panel(&design::settings(&breaker), &[], String::new(), 0);
        let b = &p
            .groups
            .iter()
            .find(|g| g.title == "Circuit breakers")
            .unwrap()
            .sections[0];
        let paths: Vec<&str> = b.controls.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths[0], "breakers.provider.failureThreshold");
        assert!(paths.contains(&"breakers.provider.rollingCountBuckets"));
    }

    #[test]
    fn words_for_the_panel() {
        assert_eq!(summary(0).split('.').next(), Some("The preset as it is"));
        assert_eq!(summary(3), "3 changes from the preset.");
        assert_eq!(file_name("sync-chain", 2), "sync-chain-design.json");
        assert_eq!(choice_text("client.id_source", "id-service"), "id service");
        assert_eq!(
            choice_text("flow.order.place.1.compensate.mode", "send"),
            "fire and forget"
        );
        assert_eq!(
            choice_text("flow.order.place.1.mode", "send"),
            "don't wait: fire and forget"
        );
        assert_eq!(value_of_toggle(true), "1");
    }
}
