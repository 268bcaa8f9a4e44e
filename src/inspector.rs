//! Owns the order inspector: one order's story, hop by hop, from the trace,
//! and the panel's view of it (summary, moments, waterfall, notes).
//!
//! For each piece of work a service did for the order it gives when the
//! request arrived, how long it waited for a worker and how long the work
//! took, plus the retries, fallbacks, compensations and redeliveries along
//! the way, and the three moments that matter: when the client got its
//! answer, when the work was really done, and when the client learned the
//! outcome. The gap between the first two is the eventual-consistency
//! window.

use orderflow_sim::SimTime;
use orderflow_sim::ids::{HandlerId, OrderId, ServiceId};
use orderflow_sim::model::Model;
use orderflow_sim::order::{Answer, Outcome};
use orderflow_sim::trace::{Label, TraceEvent, TraceKind, label_text};

use crate::stats::fmt_us;

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
    pub order: OrderId,
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
        order: OrderId,
        events: impl IntoIterator<Item = &'a TraceEvent>,
    ) -> Story {
        let mut s = Story {
            order,
            ..Story::default()
        };
        let svc = |i: ServiceId| {
            model
                .services
                .get(i)
                .map_or("?".into(), |x| x.label.clone())
        };
        let op = |h: HandlerId| model.handlers.get(h).map_or("?".into(), |x| x.op.clone());
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
                        model.statuses.get(*status).cloned().unwrap_or_default(),
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

/// An order number typed into the inspector (`"12"` or `"o#12"`).
pub fn parse_order(text: &str) -> Option<OrderId> {
    text.trim().trim_start_matches("o#").parse().ok()
}

/// One row of the waterfall: a span's label, its tooltip (also its
/// accessible name), and the bar's parts as CSS percentages.
#[derive(Clone, Debug, PartialEq)]
pub struct WaterfallRow {
    pub label: String,
    pub title: String,
    pub wait_left: String,
    pub wait_width: String,
    pub work_left: String,
    pub work_width: String,
    /// The work ended and failed.
    pub failed: bool,
}

/// The inspector's story as the panel shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryView {
    /// How the order ended (or not yet), its messages, its time waiting.
    pub summary: String,
    /// The moments that matter, one line each, then the consistency window.
    pub moments: Vec<String>,
    pub rows: Vec<WaterfallRow>,
    /// Notes: (classes, text).
    pub notes: Vec<(String, String)>,
}

/// What the inspector panel shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Inspection {
    /// No order selected.
    Nothing,
    /// The order is not in the trace kept: why, in words.
    Unseen(String),
    Story(StoryView),
}

impl Inspection {
    /// The panel for `order` (if one is selected) at time `now`.
    pub fn of<'a>(
        model: &Model,
        order: Option<OrderId>,
        events: impl IntoIterator<Item = &'a TraceEvent>,
        now: SimTime,
    ) -> Inspection {
        let Some(order) = order else {
            return Inspection::Nothing;
        };
        let s = Story::build(model, order, events);
        if s.created.is_none() {
            return Inspection::Unseen(format!(
                "Order {order} has not been seen yet (or fell out of the kept trace) at {now}."
            ));
        }
        Inspection::Story(s.view(now))
    }
}

impl Story {
    /// The panel's view of the story at time `now` (a running span ends
    /// there).
    pub fn view(&self, now: SimTime) -> StoryView {
        let summary = format!(
            "{} — {} messages, {} waiting for workers",
            self.settled
                .map_or("still in flight".to_owned(), |(t, o)| format!(
                    "{} at {t}",
                    o.as_str()
                )),
            self.messages,
            fmt_us(self.waiting_us()),
        );
        let at = |m: Option<(SimTime, String)>| {
            m.map_or("—".to_owned(), |(t, what)| format!("{t} {what}"))
        };
        let done_name = if self.settled.is_some() {
            "work really done"
        } else {
            "last work so far"
        };
        let moments = vec![
            format!(
                "client answered: {}",
                at(self.answered.map(|(t, a)| (t, format!("{a:?}"))))
            ),
            format!("{done_name}: {}", at(self.done.map(|t| (t, String::new())))),
            format!("client learned outcome: {}", at(self.learned.clone())),
            format!(
                "eventual-consistency window: {}",
                self.consistency_window().map_or("—".to_owned(), fmt_us)
            ),
        ];
        let range = self.range();
        let pct = |v: f64| format!("{v:.2}%");
        let rows = self
            .spans
            .iter()
            .map(|sp| {
                let b = bar(sp, range, now);
                WaterfallRow {
                    label: format!("{} · {}", sp.service, sp.op),
                    title: format!(
                        "{} {}: waited {}, worked {}{}",
                        sp.service,
                        sp.op,
                        fmt_us(sp.started.since(sp.arrived)),
                        fmt_us(sp.ended.unwrap_or(now).since(sp.started)),
                        sp.result
                            .as_ref()
                            .map_or(" (running)".to_owned(), |r| format!(", {r}")),
                    ),
                    wait_left: pct(b.wait_left),
                    wait_width: pct(b.wait_width),
                    work_left: pct(b.work_left),
                    work_width: pct(b.work_width),
                    failed: !sp.ok && sp.ended.is_some(),
                }
            })
            .collect();
        let notes = self
            .notes
            .iter()
            .map(|n| {
                (
                    format!("inspector__note inspector__note--{}", n.kind),
                    format!("{} {}", n.t, n.text),
                )
            })
            .collect();
        StoryView {
            summary,
            moments,
            rows,
            notes,
        }
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
        let story = Story::build(&model, OrderId(2), s.store().events());
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
                .any(|n| n.kind == "record" && n.text.contains("payment SUCCESS"))
        );
        let b = bar(&story.spans[0], story.range(), s.now());
        assert!(b.wait_left >= 0.0 && b.work_left + b.work_width <= 100.0001);
    }

    #[test]
    fn the_panel_reads_the_story_in_words_and_percentages() {
        let model = presets::model("sync-chain").unwrap().unwrap();
        let mut s = Session::new(model.clone(), Completion::Sync, 4).unwrap();
        s.advance_to(SimTime::from_secs(3), u64::MAX);
        let events = s.store().events();
        assert_eq!(
            Inspection::of(&model, None, events, s.now()),
            Inspection::Nothing
        );
        assert_eq!(
            Inspection::of(&model, Some(OrderId(9_999)), events, s.now()),
            Inspection::Unseen(
                "Order 9999 has not been seen yet (or fell out of the kept trace) at 3.000s."
                    .into()
            )
        );
        let Inspection::Story(v) = Inspection::of(&model, Some(OrderId(1)), events, s.now()) else {
            panic!("order 1 is in the trace");
        };
        let story = Story::build(&model, OrderId(1), events);
        let (settled_at, outcome) = story.settled.unwrap();
        assert!(
            v.summary
                .starts_with(&format!("{} at {settled_at} — ", outcome.as_str())),
            "{}",
            v.summary
        );
        assert!(v.summary.ends_with(" waiting for workers"));
        let (answered_at, _) = story.answered.unwrap();
        assert!(
            v.moments[0].starts_with(&format!("client answered: {answered_at} ")),
            "{:?}",
            v.moments
        );
        assert!(v.moments[1].starts_with("work really done: "));
        assert!(v.moments[3].starts_with("eventual-consistency window: "));
        assert_eq!(v.rows.len(), story.spans.len());
        let first = &v.rows[0];
        assert_eq!(first.label, "Order Service · place");
        let left: f64 = first.wait_left.trim_end_matches('%').parse().unwrap();
        assert!(
            (0.0..5.0).contains(&left),
            "the first span starts as the story does: {}",
            first.wait_left
        );
        assert!(first.title.starts_with("Order Service place: waited "));
        assert!(
            v.rows
                .iter()
                .all(|r| r.work_width.ends_with('%') && !r.failed)
        );
    }

    #[test]
    fn typed_order_numbers() {
        assert_eq!(parse_order(" 12 "), Some(OrderId(12)));
        assert_eq!(parse_order("o#12"), Some(OrderId(12)));
        assert_eq!(parse_order("twelve"), None);
        assert_eq!(parse_order(""), None);
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
        let story = Story::build(&model, OrderId(1), s.store().events());
        let kinds: Vec<&str> = story.notes.iter().map(|n| n.kind).collect();
        assert!(kinds.contains(&"retry"), "{kinds:?}");
        assert!(kinds.contains(&"compensate"), "{kinds:?}");
        assert!(kinds.contains(&"failure"), "{kinds:?}");
        assert_eq!(story.settled.unwrap().1, Outcome::Compensated);
        assert!(story.notes.iter().all(|n| !n.text.starts_with("o#")));
    }
}
