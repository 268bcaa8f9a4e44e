//! The playground link of a scenario: which preset it is, with which run
//! options, written as the query of a playground link (`orderflow link`).
//!
//! Today a link names a preset and the options a scenario file can change
//! without being another design: its completion mode (one the preset
//! allows) and its order count; the seed is not part of a scenario and is
//! given separately. A scenario that differs from every preset in anything
//! else cannot be linked yet: [`preset_link`] then names the closest preset
//! and the fields that differ, so a later link format can carry those
//! differences as well.
//!
//! The query is the playground's own format (`src/url_state.rs` in the app,
//! whose tests parse what this writes).

use crate::presets;
use crate::scenario::{Completion, Scenario};

/// A scenario that is a preset with options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetLink {
    pub preset: &'static str,
    /// The completion mode, when it is not the preset's own.
    pub mode: Option<Completion>,
    /// The order count, when it is not the preset's own.
    pub orders: Option<u64>,
}

impl PresetLink {
    /// The link's query for a run with `seed`:
    /// `?preset=hybrid-queue&mode=polling&seed=3&orders=50`.
    pub fn query(&self, seed: u64) -> String {
        let mut q = format!("?preset={}", self.preset);
        if let Some(m) = self.mode {
            q.push_str("&mode=");
            q.push_str(m.as_str());
        }
        q.push_str(&format!("&seed={seed}"));
        if let Some(n) = self.orders {
            q.push_str(&format!("&orders={n}"));
        }
        q
    }
}

/// A scenario that is no preset with options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAPreset {
    /// The preset it is closest to: the one of the same name, or else the
    /// one with the fewest differing fields.
    pub closest: &'static str,
    /// The top-level fields of the scenario that differ from `closest`
    /// (after its options are applied), in file order.
    pub differs_in: Vec<&'static str>,
}

/// The preset `design` is, with its options; or why it is none.
pub fn preset_link(design: &Scenario) -> Result<PresetLink, NotAPreset> {
    let mut best: Option<(bool, usize, &'static str)> = None;
    for name in presets::names() {
        let Some(preset) = presets::scenario(name) else {
            continue;
        };
        let (candidate, link) = with_options(preset, design, name);
        let differs_in = differences(&candidate, design);
        if differs_in.is_empty() {
            return Ok(link);
        }
        // Same name first, then fewest differences; earlier presets win ties.
        let key = (candidate.name != design.name, differs_in.len(), name);
        if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
            best = Some(key);
        }
    }
    let closest = best.map_or(presets::NAMES[0], |b| b.2);
    let preset = presets::scenario(closest).expect("a preset");
    let (candidate, _) = with_options(preset, design, closest);
    Err(NotAPreset {
        closest,
        differs_in: differences(&candidate, design),
    })
}

/// `preset` with the options of `design` it can take, and the link saying so.
fn with_options(
    mut preset: Scenario,
    design: &Scenario,
    name: &'static str,
) -> (Scenario, PresetLink) {
    let own_mode = preset.client.completion;
    let wanted = design.client.completion;
    let allowed = preset.client.allowed.contains(&wanted) || wanted == own_mode;
    let mode = (allowed && wanted != own_mode).then_some(wanted);
    if allowed {
        preset.client.completion = wanted;
    }
    let own_orders = preset.workload.orders;
    let orders = (design.workload.orders != own_orders).then_some(design.workload.orders);
    preset.workload.orders = design.workload.orders;
    (
        preset,
        PresetLink {
            preset: name,
            mode,
            orders,
        },
    )
}

/// The top-level fields in which `a` and `b` differ, in file order.
pub fn differences(a: &Scenario, b: &Scenario) -> Vec<&'static str> {
    let fields = [
        ("name", a.name == b.name),
        ("title", a.title == b.title),
        ("description", a.description == b.description),
        ("network", a.network == b.network),
        ("services", a.services == b.services),
        ("handlers", a.handlers == b.handlers),
        ("broker", a.broker == b.broker),
        ("breakers", a.breakers == b.breakers),
        ("client", a.client == b.client),
        ("workload", a.workload == b.workload),
        ("faults", a.faults == b.faults),
        ("outcome", a.outcome == b.outcome),
        ("limits", a.limits == b.limits),
        ("one_click_faults", a.one_click_faults == b.one_click_faults),
    ];
    fields
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(f, _)| f)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(name: &str) -> Scenario {
        presets::scenario(name).unwrap()
    }

    #[test]
    fn every_preset_links_to_itself_without_options() {
        for name in presets::names() {
            let link = preset_link(&preset(name)).unwrap();
            assert_eq!(
                link,
                PresetLink {
                    preset: presets::NAMES.iter().find(|n| **n == name).unwrap(),
                    mode: None,
                    orders: None
                }
            );
            assert_eq!(link.query(1), format!("?preset={name}&seed=1"));
        }
    }

    #[test]
    fn a_mode_the_preset_allows_and_an_order_count_are_options() {
        let mut s = preset("async-write");
        assert_ne!(s.client.completion, Completion::Callback);
        s.client.completion = Completion::Callback;
        s.workload.orders = 75;
        let link = preset_link(&s).unwrap();
        assert_eq!(link.mode, Some(Completion::Callback));
        assert_eq!(link.orders, Some(75));
        assert_eq!(
            link.query(9),
            "?preset=async-write&mode=callback&seed=9&orders=75"
        );
    }

    #[test]
    fn anything_else_names_the_closest_preset_and_the_fields() {
        let mut s = preset("hybrid-queue");
        s.services[1].replicas += 1;
        s.limits.series_points = 10;
        assert_eq!(
            preset_link(&s),
            Err(NotAPreset {
                closest: "hybrid-queue",
                differs_in: vec!["services", "limits"],
            })
        );
        // A mode the preset does not allow is no option: the client differs.
        let mut s = preset("sync-chain");
        s.client.completion = Completion::Push;
        assert_eq!(preset_link(&s).unwrap_err().differs_in, ["client"]);
        // Renamed: the closest is the one with the fewest differences.
        let mut s = preset("pizza");
        s.name = "my-pizza".into();
        assert_eq!(
            preset_link(&s),
            Err(NotAPreset {
                closest: "pizza",
                differs_in: vec!["name"],
            })
        );
    }
}
