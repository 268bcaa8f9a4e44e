//! The order inspector: one order's story, hop by hop, from the trace.
//!
//! For each piece of work a service did for the order it gives when the
//! request arrived, how long it waited for a worker and how long the work
//! took, plus the retries, fallbacks, compensations and redeliveries along
//! the way, and the three moments that matter: when the client got its
//! answer, when the work was really done, and when the client learned the
//! outcome. The gap between the first two is the eventual-consistency
//! window.

use orderflow_sim::SimTime;
use orderflow_sim::model::Model;
use orderflow_sim::order::{Answer, Outcome};
use orderflow_sim::trace::{Label, TraceEvent, TraceKind, label_text};

/// One piece of work in one service.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub service: String,
    /// The handler's op (`"reserve"`).
    pub op: String,
    pub arrived: SimTime,
    pub started: SimTime,
    /// `None` while still running at the end of the known trace.
    pub ended: Option<SimTime>,
    /// `"ok"`, `"deferred"`, `"error: timeout"`…
    pub result: Option<String>,
    pub ok: bool,
}

/// A notable moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub t: SimTime,
    pub text: String,
    /// `retry`, `fallback`, `compensate`, `failure`, `broker`, `client`.
    pub kind: &'static str,
}

/// The whole story of one order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Story {
    pub order: u64,
    pub created: Option<SimTime>,
    pub answered: Option<(SimTime, Answer)>,
    pub learned: Option<(SimTime, String)>,
    /// End of the last piece of work.
    pub done: Option<SimTime>,
    pub settled: Option<(SimTime, Outcome)>,
    pub spans: Vec<Span>,
    pub notes: Vec<Note>,
    pub messages: usize,
}

impl Story {
    /// Builds the story of `order` from trace events (any superset of its
    /// events, in trace order).
    pub fn build<'a>(
        model: &Model,
        order: u64,
        events: impl IntoIterator<Item = &'a TraceEvent>,
    ) -> Story {
        let mut s = Story {
            order,
            ..Story::default()
        };
        let svc = |i: u16| {
            model
                .services
                .get(i as usize)
                .map_or("?".into(), |x| x.label.clone())
        };
        let op = |h: u16| {
            model
                .handlers
                .get(h as usize)
                .map_or("?".into(), |x| x.op.clone())
        };
        for e in events.into_iter().filter(|e| e.order() == Some(order)) {
            match &e.kind {
                TraceKind::OrderCreated { .. } => s.created = Some(e.t),
                TraceKind::Send { .. } => s.messages += 1,
                TraceKind::Started {
                    service,
                    handler,
                    waited_us,
                    ..
                } => s.spans.push(Span {
                    service: svc(*service),
                    op: op(*handler),
                    arrived: SimTime(e.t.as_micros().saturating_sub(*waited_us)),
                    started: e.t,
                    ended: None,
                    result: None,
                    ok: false,
                }),
                TraceKind::Finished {
                    service,
                    handler,
                    result,
                    ..
                } => {
                    let (name, o) = (svc(*service), op(*handler));
                    if let Some(span) = s
                        .spans
                        .iter_mut()
                        .rev()
                        .find(|sp| sp.ended.is_none() && sp.service == name && sp.op == o)
                    {
                        span.ended = Some(e.t);
                        span.result = Some(label_text(result, model));
                        span.ok = !matches!(result, Label::Failed(_));
                    }
                    s.done = Some(s.done.map_or(e.t, |d| d.max(e.t)));
                }
                TraceKind::ClientAnswer { answer, .. } => {
                    if s.answered.is_none() {
                        s.answered = Some((e.t, *answer));
                    }
                    if *answer != Answer::Accepted {
                        s.learned.get_or_insert((e.t, format!("{answer:?}")));
                    }
                }
                TraceKind::ClientLearned {
                    status, last: true, ..
                } => {
                    s.learned = Some((
                        e.t,
                        model
                            .statuses
                            .get(*status as usize)
                            .cloned()
                            .unwrap_or_default(),
                    ));
                }
                TraceKind::Settled { outcome, .. } => s.settled = Some((e.t, *outcome)),
                TraceKind::Retry { .. } => s.note(e, model, "retry"),
                TraceKind::Fallback { .. } => s.note(e, model, "fallback"),
                TraceKind::Compensate { .. } => s.note(e, model, "compensate"),
                TraceKind::StepFailed { .. } => s.note(e, model, "failure"),
                TraceKind::Redelivery { .. }
                | TraceKind::DeadLetter { .. }
                | TraceKind::MessageLost { .. }
                | TraceKind::Enqueued { .. } => s.note(e, model, "broker"),
                TraceKind::Parked { .. } | TraceKind::Raised { .. } => s.note(e, model, "wait"),
                TraceKind::Payment { .. } | TraceKind::Stock { .. } | TraceKind::Status { .. } => {
                    s.note(e, model, "record")
                }
                TraceKind::ClientLearned { .. } | TraceKind::ClientGaveUp { .. } => {
                    s.note(e, model, "client")
                }
                _ => {}
            }
        }
        s
    }

    fn note(&mut self, e: &TraceEvent, model: &Model, kind: &'static str) {
        // The event text without the leading time and order id.
        let text = e.text(model);
        let text = text.trim_start();
        let text = text.split_once(' ').map_or(text, |(_, rest)| rest);
        let text = text
            .strip_prefix(&format!("o#{} ", self.order))
            .unwrap_or(text)
            .to_owned();
        self.notes.push(Note { t: e.t, text, kind });
    }

    /// Time from the client's first answer to the end of the last work:
    /// how long what the client was told ran ahead of reality.
    pub fn consistency_window(&self) -> Option<u64> {
        match (self.answered, self.done) {
            (Some((a, _)), Some(d)) => Some(d.since(a)),
            _ => None,
        }
    }

    /// Time spent waiting for workers, over all spans.
    pub fn waiting_us(&self) -> u64 {
        self.spans.iter().map(|s| s.started.since(s.arrived)).sum()
    }

    /// The time range the story covers.
    pub fn range(&self) -> (SimTime, SimTime) {
        let start = self
            .created
            .or(self.spans.first().map(|s| s.arrived))
            .unwrap_or(SimTime::ZERO);
        let mut end = start;
        for t in [
            self.done,
            self.learned.as_ref().map(|l| l.0),
            self.settled.map(|s| s.0),
            self.answered.map(|a| a.0),
        ]
        .into_iter()
        .flatten()
        {
            end = end.max(t);
        }
        for s in &self.spans {
            end = end.max(s.ended.unwrap_or(s.started));
        }
        (start, end.max(start.plus_micros(1)))
    }
}

/// Bar geometry of the waterfall, in percent of the chart width.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub wait_left: f64,
    pub wait_width: f64,
    pub work_left: f64,
    pub work_width: f64,
}

/// Places a span on a waterfall spanning `range`, where the running span
/// ends at `now`.
pub fn bar(span: &Span, range: (SimTime, SimTime), now: SimTime) -> Bar {
    let (a, b) = (range.0.as_micros() as f64, range.1.as_micros() as f64);
    let w = (b - a).max(1.0);
    let pct = |t: SimTime| ((t.as_micros() as f64 - a) / w * 100.0).clamp(0.0, 100.0);
    let end = span.ended.unwrap_or(now.max(span.started));
    Bar {
        wait_left: pct(span.arrived),
        wait_width: pct(span.started) - pct(span.arrived),
        work_left: pct(span.started),
        work_width: (pct(end) - pct(span.started)).max(0.4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;
    use orderflow_sim::{Command, Completion, presets};

    #[test]
    fn the_story_of_a_hybrid_queue_order() {
        let model = presets::model("hybrid-queue").unwrap().unwrap();
        let mut s = Session::new(model.clone(), Completion::Polling, 4).unwrap();
        s.advance_to(SimTime::from_secs(5), u64::MAX);
        let story = Story::build(&model, 2, s.store().events());
        assert!(story.created.is_some());
        let services: Vec<&str> = story.spans.iter().map(|sp| sp.service.as_str()).collect();
        for expected in [
            "Order Service",
            "Inventory",
            "Payment",
            "Payment Provider",
            "Warehouse",
            "Notification",
        ] {
            assert!(
                services.contains(&expected),
                "{expected} missing from {services:?}"
            );
        }
        assert!(story.spans.iter().all(|sp| sp.ended.is_some() && sp.ok));
        let (answered, answer) = story.answered.unwrap();
        assert_eq!(answer, Answer::Accepted);
        assert_eq!(story.learned.as_ref().unwrap().1, "COMPLETED");
        // 202 first, then the work, then polling finds out.
        assert!(answered < story.done.unwrap());
        assert!(story.done.unwrap() <= story.learned.as_ref().unwrap().0);
        assert!(story.consistency_window().unwrap() > 100_000);
        assert_eq!(story.settled.unwrap().1, Outcome::Completed);
        assert!(
            story
                .notes
                .iter()
                .any(|n| n.kind == "record" && n.text.contains("payment Success"))
        );
        let b = bar(&story.spans[0], story.range(), s.now());
        assert!(b.wait_left >= 0.0 && b.work_left + b.work_width <= 100.0001);
    }

    #[test]
    fn retries_and_compensation_are_noted() {
        let model = presets::model("sync-chain").unwrap().unwrap();
        let mut s = Session::new(model.clone(), Completion::Sync, 4).unwrap();
        s.apply(Command::SetUp {
            service: "warehouse".into(),
            up: false,
        })
        .unwrap();
        s.advance_to(SimTime::from_secs(3), u64::MAX);
        let story = Story::build(&model, 1, s.store().events());
        let kinds: Vec<&str> = story.notes.iter().map(|n| n.kind).collect();
        assert!(kinds.contains(&"retry"), "{kinds:?}");
        assert!(kinds.contains(&"compensate"), "{kinds:?}");
        assert!(kinds.contains(&"failure"), "{kinds:?}");
        assert_eq!(story.settled.unwrap().1, Outcome::Compensated);
        assert!(story.notes.iter().all(|n| !n.text.starts_with("o#")));
    }
}
