//! One order as a Mermaid `sequenceDiagram`, from the trace.

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
