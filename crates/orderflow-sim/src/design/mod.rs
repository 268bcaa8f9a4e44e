//! Designs as data: a design is a preset plus a list of edits, each a
//! setting's path and its new value, plus the run's options.
//!
//! - [`registry`]: every setting a scenario has ([`settings`]), generated
//!   from the scenario itself, and [`set`] by path.
//! - [`apply`] replays edits on a base scenario; [`diff`] finds the edits
//!   that turn a base into another scenario (the shortest list, in the
//!   registry's order), so a design pasted as JSON becomes a short list
//!   again. `apply(base, diff(base, s)) == s` whenever `diff` succeeds.
//! - [`text`]: the compact text of a list of edits, for links (`d=`).
//! - `wait`: wait or don't wait (a call turned into a publish or a send).
//!
//! Every error names the setting's path; nothing here panics on bad input.
//! The result of a design is a [`Scenario`], which still goes through
//! [`crate::Model::compile`] like any other.

mod fields;
mod list;
mod registry;
pub mod text;
mod wait;
mod workload;

// Native only, as proptest is (the design round trips are plain Rust).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use list::{LATENCY_KINDS, MAX_RATE_PER_S, MAX_SEGMENTS, MODES, settings};
pub use registry::{Group, Kind, NONE, Setting, fmt_num, get, set};
pub use wait::queue_for;
pub use workload::SHAPES;

use crate::model::{Model, ScenarioError};
use crate::scenario::{Completion, Scenario};

/// Edits one design may hold.
pub const MAX_EDITS: usize = 500;

/// One change: the setting at `path` takes `value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub path: String,
    pub value: String,
}

impl Edit {
    pub fn new(path: impl Into<String>, value: impl Into<String>) -> Edit {
        Edit {
            path: path.into(),
            value: value.into(),
        }
    }
}

/// How a design is run, besides its scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// How the client learns outcomes; `None`: the scenario's own.
    pub completion: Option<Completion>,
    /// Where order ids come from (`id=` in links); `None`: the scenario's own.
    pub id_source: Option<crate::scenario::IdSource>,
    pub seed: u64,
    /// Orders in the run; `None`: the scenario's own count.
    pub orders: Option<u64>,
}

/// A design: a preset, the edits made to it, and how it is run.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    /// The preset's name (`"sync-chain"`).
    pub base: String,
    pub edits: Vec<Edit>,
    pub options: RunOptions,
}

fn error(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        path: path.into(),
        message: message.into(),
    }
}

/// `base` with `edits` applied in order. The first edit that does not apply
/// (no such setting in the design as it stands then, a value out of range)
/// is the error, named by its path.
pub fn apply(base: &Scenario, edits: &[Edit]) -> Result<Scenario, ScenarioError> {
    if edits.len() > MAX_EDITS {
        return Err(error("d", format!("at most {MAX_EDITS} edits")));
    }
    let mut s = base.clone();
    for e in edits {
        set(&mut s, &e.path, &e.value)?;
    }
    Ok(s)
}

/// `base` with every edit of `edits` that applies; returns the scenario and
/// the edits that did not apply, each with its reason.
pub fn apply_lenient(base: &Scenario, edits: &[Edit]) -> (Scenario, Vec<ScenarioError>) {
    let mut s = base.clone();
    let mut refused = Vec::new();
    for e in edits.iter().take(MAX_EDITS) {
        if let Err(err) = set(&mut s, &e.path, &e.value) {
            refused.push(err);
        }
    }
    (s, refused)
}

/// The edits that turn `base` into `target`, in the registry's order.
/// Fails, naming the first part that differs, when `target` differs in
/// something no setting changes (a handler's effect, a service added by
/// hand): such a design cannot be written as edits of its preset.
pub fn diff(base: &Scenario, target: &Scenario) -> Result<Vec<Edit>, ScenarioError> {
    let mut cur = base.clone();
    let mut edits = Vec::new();
    // A setting can appear, or take a value, only after another made room
    // for it (a queue created by turning a call into a publish, possibly
    // later in the registry's order), hence a few passes; a value refused
    // now is tried again in the next pass.
    let mut refused = None;
    for _ in 0..4 {
        if cur == *target {
            return Ok(edits);
        }
        let mut changed = false;
        refused = None;
        // The current values, listed again only after a change.
        let mut now = values(&cur);
        for want in settings(target) {
            match now.get(&want.path) {
                Some(v) if *v != want.value => match set(&mut cur, &want.path, &want.value) {
                    Ok(()) => {
                        edits.push(Edit::new(want.path, want.value));
                        changed = true;
                        now = values(&cur);
                    }
                    Err(e) => refused = Some(e),
                },
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    if cur == *target {
        Ok(edits)
    } else if let Some(e) = refused {
        Err(e)
    } else {
        Err(error(
            first_difference(&cur, target),
            "differs from the preset in a way no setting expresses",
        ))
    }
}

/// Every setting's value by path.
fn values(s: &Scenario) -> std::collections::BTreeMap<String, String> {
    settings(s).into_iter().map(|x| (x.path, x.value)).collect()
}

/// The path of the first top-level part (or list item) where `a` and `b`
/// differ.
fn first_difference(a: &Scenario, b: &Scenario) -> String {
    fn list<T: PartialEq>(name: &str, a: &[T], b: &[T]) -> Option<String> {
        if a == b {
            return None;
        }
        let i = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        Some(format!("{name}[{i}]"))
    }
    let checks = [
        (a.name != b.name).then(|| "name".to_owned()),
        (a.title != b.title).then(|| "title".to_owned()),
        (a.description != b.description).then(|| "description".to_owned()),
        (a.network != b.network).then(|| "network".to_owned()),
        list("services", &a.services, &b.services),
        list("handlers", &a.handlers, &b.handlers),
        (a.broker != b.broker).then(|| "broker".to_owned()),
        list("breakers", &a.breakers, &b.breakers),
        (a.client != b.client).then(|| "client".to_owned()),
        (a.workload != b.workload).then(|| "workload".to_owned()),
        list("faults", &a.faults, &b.faults),
        (a.outcome != b.outcome).then(|| "outcome".to_owned()),
        (a.limits != b.limits).then(|| "limits".to_owned()),
        list("one_click_faults", &a.one_click_faults, &b.one_click_faults),
        list("claims", &a.claims, &b.claims),
    ];
    checks.into_iter().flatten().next().unwrap_or_default()
}

/// `s` with the old spellings a scenario file may still use written the
/// way the settings write them (the model reads both the same): a
/// breaker's `error_rate_threshold` fraction as opossum's percentage, the
/// id source and id service from their old place under `client.polling`.
fn normalized(s: &Scenario) -> Scenario {
    let mut s = s.clone();
    for b in &mut s.breakers {
        if let Some(r) = b.error_rate_threshold.take() {
            b.error_threshold_percentage = r * 100.0;
        }
    }
    let c = &mut s.client;
    if let Some(p) = c.polling.as_mut() {
        if c.id_source.is_none() && p.id_source != crate::scenario::IdSource::Server {
            c.id_source = Some(p.id_source);
        }
        p.id_source = crate::scenario::IdSource::Server;
        if c.id_service.is_none() {
            c.id_service = p.id_service.take();
        }
        p.id_service = None;
    }
    s
}

impl Design {
    /// A preset, unchanged, with its own options.
    pub fn new(base: impl Into<String>) -> Design {
        Design {
            base: base.into(),
            edits: Vec::new(),
            options: RunOptions::default(),
        }
    }

    /// The preset this design starts from.
    pub fn base_scenario(&self) -> Result<Scenario, ScenarioError> {
        crate::presets::scenario(&self.base)
            .ok_or_else(|| error("preset", format!("unknown preset {:?}", self.base)))
    }

    /// The design's scenario: the preset with the edits (and the order
    /// count of the options) applied. Not yet compiled.
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        let mut s = apply(&self.base_scenario()?, &self.edits)?;
        if let Some(n) = self.options.orders {
            s.workload.orders = n;
        }
        Ok(s)
    }

    /// Sets one setting. The design is unchanged when the edit does not
    /// apply or the result does not compile (the error names the path).
    /// Setting a value back to the preset's drops the edit, with every
    /// edit that depended on it: turning a publish back into a call brings
    /// back the preset's call, timeout and retries included.
    pub fn set(&mut self, path: &str, value: &str) -> Result<(), ScenarioError> {
        let base = self.base_scenario()?;
        let others: Vec<Edit> = self
            .edits
            .iter()
            .filter(|e| e.path != path)
            .cloned()
            .collect();
        let (without, _) = apply_lenient(&base, &others);
        let target = if get(&without, path).as_deref() == Some(value) {
            without
        } else {
            let mut s = apply(&base, &others)?;
            set(&mut s, path, value)?;
            s
        };
        self.replace(&base, &target)
    }

    /// Makes the design `target` (a scenario built on the same preset),
    /// checked by compiling it. Unchanged on error.
    fn replace(&mut self, base: &Scenario, target: &Scenario) -> Result<(), ScenarioError> {
        let mut compiled = target.clone();
        if let Some(n) = self.options.orders {
            compiled.workload.orders = n;
        }
        Model::compile(compiled).map_err(|e| {
            e.0.into_iter()
                .next()
                .unwrap_or_else(|| error("", "invalid"))
        })?;
        self.edits = diff(base, target)?;
        Ok(())
    }

    /// The design that `target` is, as edits of preset `base` (the
    /// scenario's own `name` when that is a preset, else `base`).
    pub fn from_scenario(
        base: &str,
        target: &Scenario,
        options: RunOptions,
    ) -> Result<Design, ScenarioError> {
        let name = if crate::presets::NAMES.contains(&target.name.as_str()) {
            target.name.clone()
        } else {
            base.to_owned()
        };
        let mut d = Design {
            base: name,
            edits: Vec::new(),
            options,
        };
        let base = d.base_scenario()?;
        // Name, title and description are the preset's: a design is known
        // by its preset and edits. A pasted order count is the scenario's
        // own (an edit of `workload.orders`), not an override.
        let mut target = normalized(target);
        target.name = base.name.clone();
        target.title = base.title.clone();
        target.description = base.description.clone();
        // Claims are checked by `orderflow claims`, not run: the preset's.
        target.claims = base.claims.clone();
        d.options.orders = None;
        d.replace(&base, &target)?;
        Ok(d)
    }
}
