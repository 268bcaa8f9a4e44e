//! Owns the controller's design actions: one setting of a run's design
//! changed, a whole design pasted as JSON, the design reset, and what the
//! design panel reads. A child module of the controller, so it keeps to
//! the controller's private state without widening it.
//!
//! A changed design is a new run: the same seed, the same completion mode
//! and order count, and every command the run had (applied or waiting)
//! re-applied at its recorded simulated time; the playback stays at the
//! moment it was. Commands the new design cannot take (a service it lacks)
//! are left out and named.

use orderflow_sim::design::{self, Design, Edit, RunOptions, Setting};

use super::*;
use crate::design_json;
use crate::stats::fmt_ms;
use crate::url_state::UrlCommand;

/// The run options a design change keeps: the link's `mode=`, `id=` and
/// `orders=` (each `None` when the run uses the design's own).
struct RunChoice {
    mode: Option<Completion>,
    id: Option<orderflow_sim::IdSource>,
    orders: Option<u64>,
}

impl Controller {
    /// The design the design panel edits: the one last opened in it (a
    /// copy chosen in "Compare with…" opens it), the first at the start.
    pub fn design_run(&self) -> usize {
        self.design_run.min(self.runs.len() - 1)
    }

    /// True while the design panel is open.
    pub fn design_open(&self) -> bool {
        self.design_open
    }

    /// Opens the design panel on design `i` (the first if there is no
    /// such design).
    pub fn open_design(&mut self, i: usize) {
        self.design_run = if i < self.runs.len() { i } else { 0 };
        self.design_open = true;
    }

    /// Opens the design panel on the design it last edited, or closes it.
    pub fn toggle_design(&mut self) {
        self.design_open = !self.design_open;
    }

    /// Closes the design panel.
    pub fn close_design(&mut self) {
        self.design_open = false;
    }

    /// Every setting of run `i`'s design, with its current value.
    pub fn design_settings(&self, i: usize) -> Vec<Setting> {
        self.runs
            .get(i)
            .map(|r| design::settings(&r.model().scenario))
            .unwrap_or_default()
    }

    /// The settings of run `i`'s preset as it is (to mark what changed).
    pub fn design_base_settings(&self, i: usize) -> Vec<Setting> {
        let Some(r) = self.runs.get(i) else {
            return Vec::new();
        };
        match crate::run::load_model(r.preset(), r.orders_override()) {
            Ok(m) => design::settings(&m.scenario),
            Err(_) => Vec::new(),
        }
    }

    /// Run `i`'s edits of its preset.
    pub fn design_edits(&self, i: usize) -> Vec<Edit> {
        self.runs
            .get(i)
            .map(|r| r.edits().to_vec())
            .unwrap_or_default()
    }

    /// What the JSON worker needs to show run `i`'s design as JSON (see
    /// [`design_json::request_show`]).
    pub fn design_json_request(&self, i: usize) -> String {
        self.runs
            .get(i)
            .map(|r| design_json::request_show(r.preset(), r.orders_override(), r.edits()))
            .unwrap_or_default()
    }

    /// Sets one setting of run `i`'s design. A value out of range, a path
    /// the design lacks, or a result that does not compile keeps the run as
    /// it is and says why, naming the path.
    pub fn edit_design(&mut self, i: usize, path: &str, value: &str) {
        let Some(r) = self.runs.get(i) else { return };
        let mut d = Design {
            base: r.preset().to_owned(),
            edits: r.edits().to_vec(),
            options: RunOptions {
                completion: r.mode_override(),
                id_source: r.id_override(),
                seed: r.session().seed(),
                orders: r.orders_override(),
            },
        };
        if let Err(e) = d.set(path, value) {
            self.message = Some(e.to_string());
            return;
        }
        // The completion channel (or id source) set in the design replaces
        // a mode (an `id=`) chosen in the scenario bar or the link.
        let mode = if path == "client.completion" {
            None
        } else {
            r.mode_override()
        };
        let id = if path == "client.id_source" {
            None
        } else {
            r.id_override()
        };
        let preset = r.preset().to_owned();
        let orders = r.orders_override();
        self.rebuild_design(i, &preset, d.edits, RunChoice { mode, id, orders });
    }

    /// Replaces run `i`'s design with `base` + `edits`, read from a
    /// scenario pasted or uploaded as JSON (by the JSON worker,
    /// [`design_json::read`]).
    pub fn replace_design(&mut self, i: usize, base: &str, edits: Vec<Edit>) {
        let Some(r) = self.runs.get(i) else { return };
        let choice = RunChoice {
            mode: r.mode_override(),
            id: r.id_override(),
            orders: None,
        };
        self.rebuild_design(i, base, edits, choice);
    }

    /// A pasted or uploaded scenario was refused: says why (the message
    /// names the field) and keeps the design.
    pub fn design_refused(&mut self, message: &str) {
        self.message = Some(format!("JSON: {message}"));
    }

    /// Run `i`'s preset as it is, keeping its commands.
    pub fn reset_design(&mut self, i: usize) {
        let Some(r) = self.runs.get(i) else { return };
        let preset = r.preset().to_owned();
        let choice = RunChoice {
            mode: r.mode_override(),
            id: r.id_override(),
            orders: r.orders_override(),
        };
        self.rebuild_design(i, &preset, Vec::new(), choice);
    }

    /// Starts run `i` again as `preset` + `edits`, same seed, its commands
    /// re-applied by time, at the current moment.
    fn rebuild_design(&mut self, i: usize, preset: &str, edits: Vec<Edit>, choice: RunChoice) {
        let RunChoice { mode, id, orders } = choice;
        let old = &self.runs[i];
        let seed = old.session().seed();
        // faults=off is a run option too: the new design keeps it.
        let faults = old.faults();
        let commands = old.commands_by_time();
        let mut notices = Vec::new();
        let model = match crate::run::load_design(preset, &edits, orders) {
            Ok(m) => m,
            Err(e) => {
                self.message = Some(e);
                return;
            }
        };
        let mut kept = Vec::new();
        let mut dropped = Vec::new();
        for (at, c) in commands {
            match model.resolve_command(&c) {
                // Scheduled from the start, to fire at its recorded time.
                Ok(_) => kept.push(UrlCommand::Scheduled {
                    at,
                    command: c,
                    from: crate::session::Position::START,
                }),
                Err(e) => dropped.push(format!(
                    "{} at {} ({e})",
                    c.describe(),
                    fmt_ms(at.as_micros() as f64 / 1_000.0)
                )),
            }
        }
        let url = UrlState {
            preset: preset.to_owned(),
            mode: mode.filter(|m| model.client.allowed.contains(m)),
            id,
            seed,
            orders,
            faults,
            commands: kept,
            design: edits,
            ..UrlState::default()
        };
        let run = Run::from_url(&url, &mut notices);
        let now = self.now();
        self.runs[i] = run;
        self.generation += 1;
        // A built-in comparison with a design changed is that comparison
        // no more (its names and sentence would not hold).
        self.built_in = None;
        self.relabel();
        self.ff = None;
        if now > SimTime::ZERO {
            self.pending_seek = Some(now);
        }
        self.selected_order = None;
        notices.extend((!dropped.is_empty()).then(|| {
            format!(
                "Left out of the new run, as the design cannot take them: {}",
                dropped.join("; ")
            )
        }));
        self.message = Some(if notices.is_empty() {
            "Design changed: a new run on the same seed, with your changes re-applied at their times"
                .to_owned()
        } else {
            notices.join("; ")
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl(query: &str) -> Controller {
        let (url, notices) = UrlState::parse(query);
        Controller::from_url(&url, notices)
    }

    fn settle(c: &mut Controller) {
        while c.seeking() {
            c.tick(0.0, 1_000_000);
        }
    }

    #[test]
    fn an_edit_starts_a_new_run_at_the_same_moment_with_the_commands_by_time() {
        let mut c = ctrl("?preset=sync-chain&seed=3&t=4000&cmds=-:2000000:down:warehouse");
        settle(&mut c);
        let g = c.generation();
        c.edit_design(0, "services.payment.replicas", "4");
        settle(&mut c);
        assert_eq!(c.generation(), g + 1);
        assert_eq!(c.now(), SimTime(4_000_000));
        assert_eq!(c.run().session().seed(), 3);
        let u = c.url_state();
        assert_eq!(u.design, vec![Edit::new("services.payment.replicas", "4")]);
        // The warehouse went down at 2 s in the new run too.
        assert!(
            u.commands
                .iter()
                .any(|c| matches!(c, UrlCommand::Fired { applied: a, .. }
                if a.at == SimTime(2_000_000) && a.command.describe() == "warehouse down")),
            "{:?}",
            u.commands
        );
        assert!(
            u.to_query().contains("&d=s.payment.replicas:4"),
            "{}",
            u.to_query()
        );
    }

    #[test]
    fn a_bad_edit_names_its_path_and_keeps_the_run() {
        let mut c = ctrl("?preset=sync-chain");
        let g = c.generation();
        c.edit_design(0, "services.payment.replicas", "0");
        assert_eq!(c.generation(), g);
        assert_eq!(
            c.message(),
            Some("services.payment.replicas: must be a whole number from 1 to 256, got \"0\"")
        );
        assert!(c.run().edits().is_empty());
    }

    #[test]
    fn commands_the_new_design_cannot_take_are_named() {
        // hybrid-queue has a broker; turning its only publish into a call
        // is not possible (a fanout to two consumers), so use sync-chain:
        // publish creates a broker, a restart is recorded, then the call
        // comes back and the broker is gone.
        let mut c = ctrl("?preset=sync-chain");
        c.edit_design(0, "flow.order.place.1.mode", "publish");
        c.restart_broker();
        c.edit_design(0, "flow.order.place.1.mode", "call");
        assert!(c.run().edits().is_empty());
        let m = c.message().unwrap_or_default();
        assert!(m.starts_with("Left out of the new run"), "{m}");
        assert!(m.contains("broker restart"), "{m}");
    }

    #[test]
    fn pasted_json_replaces_the_design_or_names_the_field() {
        let mut c = ctrl("?preset=sync-chain");
        let reply = design_json::answer(&c.design_json_request(0));
        let json = design_json::parse_show_reply(&reply).unwrap();
        let json = json.replacen("\"replicas\": 2", "\"replicas\": 5", 1);
        let read = |json: &str| {
            design_json::parse_read_reply(&design_json::answer(&design_json::request_read(
                "sync-chain",
                json,
            )))
        };
        let (base, edits) = read(&json).unwrap();
        c.replace_design(0, &base, edits);
        assert_eq!(c.run().edits(), [Edit::new("services.order.replicas", "5")]);
        let good = c.generation();
        let bad = json.replacen("\"timeout_ms\": 1000", "\"timeot_ms\": 1000", 1);
        c.design_refused(&read(&bad).unwrap_err());
        assert_eq!(c.generation(), good);
        let m = c.message().unwrap_or_default();
        assert!(
            m.starts_with("JSON: handlers[0].steps[0]: unknown field `timeot_ms`"),
            "{m}"
        );
        assert_eq!(c.run().edits(), [Edit::new("services.order.replicas", "5")]);
        // The request for the JSON view carries the design.
        assert!(
            c.design_json_request(0).ends_with("\ns.order.replicas:5"),
            "{}",
            c.design_json_request(0)
        );
    }

    /// The figures e2e/design.spec.ts reads through the same link: the
    /// synchronous chain with 5 red units in stock instead of 50 (and
    /// their restock of 10 every 20 s), at 12 s.
    #[test]
    fn a_designs_stock_reached_by_a_link() {
        let mut c = ctrl("?preset=sync-chain&d=s.inventory.stock.SKU-RED:5&t=12000");
        settle(&mut c);
        assert_eq!(c.now(), SimTime(12_000_000));
        let f = c.frame();
        let red = c
            .stats()
            .stock
            .into_iter()
            .find(|r| r.sku == "SKU-RED")
            .unwrap();
        // Two orders of two red units ship, one unit is left, and the
        // seven orders after them fail cleanly (no restock before 20 s).
        let n = f.counters;
        assert_eq!(
            (
                n.completed,
                n.failed,
                n.compensated,
                n.inconsistent,
                n.lost,
                n.in_flight
            ),
            (35, 7, 0, 0, 0, 1)
        );
        assert_eq!(
            (
                red.initial,
                red.available,
                red.reserved,
                red.shipped,
                red.out_of_stock
            ),
            (5, 1, 0, 4, 7)
        );
    }
}
