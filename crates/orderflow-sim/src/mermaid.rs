//! One order as a Mermaid `sequenceDiagram`, from the trace.
//!
//! [`StoryEvents`] gathers what the diagram needs from a run read in slices
//! and [`sequence_diagram`] draws it, so the command line (`orderflow
//! mermaid`) and the playground's export draw the same text for the same run.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::ids::{OrderId, ServiceId};
use crate::model::Model;
use crate::trace::{MsgKind, TraceEvent, TraceKind, label_text};

/// The sequence diagram of order `order` in `trace` (which must hold the
/// whole run, or at least the order's whole life).
pub fn sequence_diagram(model: &Model, trace: &[TraceEvent], order: OrderId) -> String {
    let dropped: BTreeSet<u64> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Drop { msg, .. } => Some(*msg),
            _ => None,
        })
        .collect();
    let mine: Vec<&TraceEvent> = trace.iter().filter(|e| e.order() == Some(order)).collect();
    let mut used = BTreeSet::new();
    for e in &mine {
        if let TraceKind::Send { from, to, .. } = e.kind {
            used.insert(from);
            used.insert(to);
        }
    }
    let mut out = String::from("sequenceDiagram\n");
    for (i, s) in model.services.iter_enumerated() {
        if used.contains(&i) {
            let _ = writeln!(out, "    participant {} as {}", s.id, s.label);
        }
    }
    let name = |i: ServiceId| model.services.get(i).map_or("unknown", |s| s.id.as_str());
    for e in mine {
        match &e.kind {
            TraceKind::Send {
                msg,
                from,
                to,
                kind,
                label,
                ..
            } => {
                let arrow = match (dropped.contains(msg), kind) {
                    (true, _) => "-x",
                    (false, MsgKind::Response) => "-->>",
                    (false, MsgKind::Event | MsgKind::Push | MsgKind::Callback) => "-)",
                    (false, _) => "->>",
                };
                let _ = writeln!(
                    out,
                    "    {}{arrow}{}: {} @{}",
                    name(*from),
                    name(*to),
                    label_text(label, model).replace(':', " -"),
                    e.t
                );
            }
            TraceKind::Settled { outcome, .. } => {
                let _ = writeln!(
                    out,
                    "    Note over {}: settled {} @{}",
                    name(model.client.service),
                    outcome.as_str(),
                    e.t
                );
            }
            TraceKind::Compensate {
                service, target, ..
            } => {
                let h = model.handlers.get(*target).map_or("?", |h| h.name.as_str());
                let _ = writeln!(out, "    Note over {}: compensate with {h}", name(*service));
            }
            _ => {}
        }
    }
    out
}

/// What [`sequence_diagram`] needs of one order, gathered from a run's
/// trace read from its start in slices of any size: the order's events and
/// every lost message, up to and including the order's `Settled` event.
/// Nothing after it counts, so where the slices end does not matter: the
/// command line and the playground read a run in different slices and get
/// the same diagram.
#[derive(Clone, Debug)]
pub struct StoryEvents {
    order: OrderId,
    kept: Vec<TraceEvent>,
    settled: bool,
}

impl StoryEvents {
    /// Nothing gathered yet for `order`.
    pub fn new(order: OrderId) -> StoryEvents {
        StoryEvents {
            order,
            kept: Vec::new(),
            settled: false,
        }
    }

    /// True once the order's `Settled` event was read: more slices change
    /// nothing.
    pub fn settled(&self) -> bool {
        self.settled
    }

    /// Reads the next slice of the run's trace.
    pub fn add(&mut self, slice: &[TraceEvent]) {
        for e in slice {
            if self.settled {
                return;
            }
            let mine = e.order() == Some(self.order);
            if mine || matches!(e.kind, TraceKind::Drop { .. }) {
                self.kept.push(e.clone());
            }
            if mine && matches!(e.kind, TraceKind::Settled { .. }) {
                self.settled = true;
            }
        }
    }

    /// What was gathered, oldest first.
    pub fn events(&self) -> &[TraceEvent] {
        &self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;
    use crate::sim::Sim;

    /// The story of `order` read in slices of `slice` events.
    fn story(name: &str, seed: u64, order: u64, slice: u64) -> String {
        let model = presets::model(name).unwrap().unwrap();
        let mut sim = Sim::new(model.clone(), seed);
        let mut story = StoryEvents::new(OrderId(order));
        while !story.settled() && !sim.run_to_end(slice) {
            story.add(&sim.drain_trace());
        }
        story.add(&sim.drain_trace());
        assert!(story.settled(), "{name} order {order} never settled");
        sequence_diagram(&model, story.events(), OrderId(order))
    }

    #[test]
    fn the_slices_a_run_is_read_in_do_not_change_the_diagram() {
        for (name, order) in [
            ("hybrid-queue", 5),
            ("payment-breaker", 40),
            ("async-write", 7),
        ] {
            let whole = story(name, 3, order, 50_000);
            assert!(whole.contains("settled"), "{whole}");
            for slice in [1, 7, 1_000] {
                assert_eq!(
                    story(name, 3, order, slice),
                    whole,
                    "{name}, slices of {slice}"
                );
            }
        }
    }

    #[test]
    fn nothing_after_settled_is_kept() {
        let model = presets::model("hybrid-queue").unwrap().unwrap();
        let mut sim = Sim::new(model, 1);
        sim.run_to_end(u64::MAX);
        let trace = sim.drain_trace();
        let mut story = StoryEvents::new(OrderId(2));
        story.add(&trace);
        let last = story.events().last().unwrap();
        assert!(
            matches!(
                last.kind,
                TraceKind::Settled {
                    order: OrderId(2),
                    ..
                }
            ),
            "{last:?}"
        );
    }
}
