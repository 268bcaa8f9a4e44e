//! Owns the event log's logic: the trace as a filterable list that stays
//! smooth at any length, because only the rows in view are ever rendered.
//!
//! [`LogIndex`] keeps the absolute trace indices that match the filter and
//! catches up incrementally as the trace grows; [`visible_rows`] turns a
//! scroll position into the slice of rows to draw, [`LogIndex::view_rows`]
//! gives them their text and place, and [`Viewport`] follows the newest row
//! unless the reader scrolled up.

use std::ops::Range;

use orderflow_sim::ids::{OrderId, ServiceId};
use orderflow_sim::model::Model;
use orderflow_sim::trace::{MsgKind, TraceEvent, TraceKind};

use crate::session::TraceStore;

/// Height of one row, in CSS pixels (the stylesheet uses the same value).
pub const ROW_PX: f64 = 22.0;
/// Rows rendered beyond each edge of the viewport.
pub const OVERSCAN: usize = 8;
/// Height of the log's viewport, CSS pixels, and as a CSS length.
pub const VIEWPORT_PX: f64 = 264.0;
pub const VIEWPORT_HEIGHT: &str = "264px";

/// What kind of events to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Messages of one kind (sends and their deliveries or drops).
    Message(MsgKind),
    /// Work in services: handlers started and finished, retries, fallbacks,
    /// failed steps, compensations.
    Work,
    /// Broker: enqueued, redelivered, dead-lettered, lost.
    Broker,
    /// Records: payment, stock (and restocks), status.
    Records,
    /// The client's view and how orders ended.
    Outcomes,
    /// Faults, commands, breakers, services up and down.
    Faults,
}

impl Category {
    /// Every category, in menu order, with its label.
    pub const ALL: [(Category, &'static str); 11] = [
        (Category::Message(MsgKind::Request), "requests"),
        (Category::Message(MsgKind::Response), "responses"),
        (Category::Message(MsgKind::Event), "events"),
        (Category::Message(MsgKind::Callback), "callbacks"),
        (Category::Message(MsgKind::Poll), "polls"),
        (Category::Message(MsgKind::Push), "pushes"),
        (Category::Work, "work"),
        (Category::Broker, "broker"),
        (Category::Records, "records"),
        (Category::Outcomes, "outcomes"),
        (Category::Faults, "faults & breakers"),
    ];

    /// The category's menu value (`"requests"`).
    pub fn label(self) -> &'static str {
        Category::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("", |(_, l)| l)
    }

    /// The category with menu value `label`.
    pub fn from_label(label: &str) -> Option<Category> {
        Category::ALL
            .iter()
            .find(|(_, l)| *l == label)
            .map(|(c, _)| *c)
    }
}

/// The filter: every field that is set must match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub order: Option<OrderId>,
    pub service: Option<ServiceId>,
    pub category: Option<Category>,
}

/// What the log remembers of a sent message, to file its delivery or drop
/// (which carry only the message id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsgInfo {
    pub kind: MsgKind,
    pub from: ServiceId,
    pub to: ServiceId,
    pub order: OrderId,
}

impl LogFilter {
    /// Does the event match? `sent` looks up the message of a delivery or drop.
    pub fn matches(&self, e: &TraceEvent, sent: impl Fn(u64) -> Option<MsgInfo>) -> bool {
        let msg = match &e.kind {
            TraceKind::Deliver { msg } | TraceKind::Drop { msg, .. } => sent(*msg),
            _ => None,
        };
        if let Some(o) = self.order
            && e.order().or(msg.map(|m| m.order)) != Some(o)
        {
            return false;
        }
        if let Some(s) = self.service {
            let involved = match &e.kind {
                TraceKind::Send { from, to, .. } => *from == s || *to == s,
                TraceKind::Started { service, .. }
                | TraceKind::Finished { service, .. }
                | TraceKind::Retry { service, .. }
                | TraceKind::Compensate { service, .. }
                | TraceKind::ServiceUp { service, .. } => *service == s,
                TraceKind::Deliver { .. } | TraceKind::Drop { .. } => {
                    msg.is_some_and(|m| m.from == s || m.to == s)
                }
                _ => false,
            };
            if !involved {
                return false;
            }
        }
        if let Some(c) = self.category {
            let ok = match (c, &e.kind) {
                (Category::Message(k), TraceKind::Send { kind, .. }) => *kind == k,
                (Category::Message(k), TraceKind::Deliver { .. } | TraceKind::Drop { .. }) => {
                    msg.is_some_and(|m| m.kind == k)
                }
                (Category::Work, k) => matches!(
                    k,
                    TraceKind::Started { .. }
                        | TraceKind::Finished { .. }
                        | TraceKind::Retry { .. }
                        | TraceKind::StepFailed { .. }
                        | TraceKind::Fallback { .. }
                        | TraceKind::Compensate { .. }
                        | TraceKind::Parked { .. }
                        | TraceKind::Raised { .. }
                ),
                (Category::Broker, k) => matches!(
                    k,
                    TraceKind::Enqueued { .. }
                        | TraceKind::Redelivery { .. }
                        | TraceKind::DeadLetter { .. }
                        | TraceKind::MessageLost { .. }
                ),
                (Category::Records, k) => {
                    matches!(
                        k,
                        TraceKind::Payment { .. }
                            | TraceKind::Stock { .. }
                            | TraceKind::Restock { .. }
                            | TraceKind::Status { .. }
                    )
                }
                (Category::Outcomes, k) => matches!(
                    k,
                    TraceKind::OrderCreated { .. }
                        | TraceKind::OrderShed { .. }
                        | TraceKind::ClientAnswer { .. }
                        | TraceKind::ClientLearned { .. }
                        | TraceKind::ClientGaveUp { .. }
                        | TraceKind::Settled { .. }
                ),
                (Category::Faults, k) => matches!(
                    k,
                    TraceKind::Command { .. }
                        | TraceKind::Breaker { .. }
                        | TraceKind::OperationsAlerted { .. }
                        | TraceKind::ServiceUp { .. }
                        | TraceKind::BrokerRestart { .. }
                        | TraceKind::BrokerUp
                ),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

/// The trace indices that match a filter, kept up to date incrementally.
#[derive(Clone, Debug, Default)]
pub struct LogIndex {
    filter: LogFilter,
    matches: Vec<usize>,
    scanned: usize,
    rewinds: u64,
    /// Recent sends by message id, to file their deliveries and drops.
    sends: std::collections::BTreeMap<u64, MsgInfo>,
}

/// Sends remembered for classifying their deliveries.
const SEND_MEMORY: usize = 50_000;

impl LogIndex {
    /// Changes the filter (rescans on the next update).
    pub fn set_filter(&mut self, filter: LogFilter) {
        if filter != self.filter {
            self.filter = filter;
            self.matches.clear();
            self.scanned = 0;
            self.sends.clear();
        }
    }

    pub fn filter(&self) -> LogFilter {
        self.filter
    }

    /// Catches up with `store`. Returns true if the rows changed.
    pub fn update(&mut self, store: &TraceStore, rewinds: u64) -> bool {
        let mut changed = false;
        if rewinds != self.rewinds {
            self.rewinds = rewinds;
            let end = store.end();
            let before = self.matches.len();
            self.matches.retain(|&i| i < end);
            self.scanned = self.scanned.min(end);
            changed |= self.matches.len() != before;
        }
        // Indices dropped from the front of the store are gone from the list too.
        let start = store.start();
        if self.matches.first().is_some_and(|&i| i < start) {
            self.matches.retain(|&i| i >= start);
            changed = true;
        }
        self.scanned = self.scanned.max(start);
        for i in self.scanned..store.end() {
            let Some(e) = store.get(i) else { continue };
            if let TraceKind::Send {
                msg,
                kind,
                from,
                to,
                order,
                ..
            } = &e.kind
            {
                self.sends.insert(
                    *msg,
                    MsgInfo {
                        kind: *kind,
                        from: *from,
                        to: *to,
                        order: *order,
                    },
                );
                if self.sends.len() > SEND_MEMORY {
                    self.sends.pop_first();
                }
            }
            let sends = &self.sends;
            if self.filter.matches(e, |m| sends.get(&m).copied()) {
                self.matches.push(i);
                changed = true;
            }
        }
        self.scanned = store.end();
        changed
    }

    /// Rows matching the filter.
    pub fn len(&self) -> usize {
        self.matches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.matches.is_empty()
    }

    /// Trace indices of rows `range`.
    pub fn rows(&self, range: Range<usize>) -> &[usize] {
        let end = range.end.min(self.matches.len());
        &self.matches[range.start.min(end)..end]
    }
}

/// One row as the list draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    /// Its place in the list (`style:top`, CSS pixels: `"44px"`).
    pub top: String,
    pub text: String,
    /// The order it belongs to (a click opens it in the inspector).
    pub order: Option<OrderId>,
}

impl LogIndex {
    /// Rows `range` of the list, with their text, read from `store`.
    pub fn view_rows(&self, store: &TraceStore, model: &Model, range: Range<usize>) -> Vec<LogRow> {
        self.rows(range.clone())
            .iter()
            .zip(range)
            .filter_map(|(&i, row)| {
                store.get(i).map(|e| LogRow {
                    top: px(row as f64 * ROW_PX),
                    text: e.text(model),
                    order: e.order(),
                })
            })
            .collect()
    }
}

/// A length in CSS pixels.
fn px(v: f64) -> String {
    format!("{v}px")
}

/// The scrolled list's geometry for `len` rows in a viewport of
/// [`VIEWPORT_PX`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub len: usize,
}

impl Viewport {
    /// The list's full height (`"2200px"`).
    pub fn list_height(self) -> String {
        px(self.len as f64 * ROW_PX)
    }

    /// The scroll position that shows the newest row at the bottom.
    pub fn bottom(self) -> f64 {
        (self.len as f64 * ROW_PX - VIEWPORT_PX).max(0.0)
    }

    /// True when a reader scrolled to `top` is looking at the newest rows
    /// (within a row of the bottom): the list keeps following them.
    pub fn follows_at(self, top: f64) -> bool {
        top >= self.len as f64 * ROW_PX - VIEWPORT_PX - ROW_PX
    }

    /// The count beside the title: `"(12 rows)"`.
    pub fn count_label(self) -> String {
        format!("({} rows)", self.len)
    }
}

/// An order number typed into the filter (`None`: any order).
pub fn parse_order_filter(text: &str) -> Option<OrderId> {
    text.trim().parse().ok()
}

/// The service menu's value (a service id; empty: any service).
pub fn parse_service_filter(value: &str) -> Option<ServiceId> {
    value.parse().ok()
}

/// The rows to render for a viewport scrolled to `scroll_px` of height
/// `height_px`, over `len` rows, with [`OVERSCAN`] rows of margin.
pub fn visible_rows(scroll_px: f64, height_px: f64, len: usize) -> Range<usize> {
    let first = (scroll_px.max(0.0) / ROW_PX).floor() as usize;
    let count = (height_px.max(0.0) / ROW_PX).ceil() as usize + 1;
    let start = first.saturating_sub(OVERSCAN).min(len);
    let end = (first + count + OVERSCAN).min(len);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;
    use orderflow_sim::{SimTime, presets};

    fn session() -> Session {
        let model = presets::model("hybrid-queue").unwrap().unwrap();
        let mut s = Session::new(model, orderflow_sim::Completion::Callback, 2).unwrap();
        s.advance_to(SimTime::from_secs(8), u64::MAX);
        s
    }

    #[test]
    fn restocks_are_listed_with_the_records() {
        let model = presets::model("sync-chain").unwrap().unwrap();
        let mut s = Session::new(model, orderflow_sim::Completion::Sync, 1).unwrap();
        // SKU-RED's first restock comes at 20 s.
        s.advance_to(SimTime::from_secs(21), u64::MAX);
        let mut idx = LogIndex::default();
        idx.set_filter(LogFilter {
            category: Some(Category::Records),
            ..LogFilter::default()
        });
        idx.update(s.store(), s.rewinds());
        let restocks = idx
            .rows(0..idx.len())
            .iter()
            .filter(|&&i| matches!(s.store().get(i).unwrap().kind, TraceKind::Restock { .. }))
            .count();
        assert_eq!(restocks, 1);
    }

    #[test]
    fn filters_by_order_service_and_category() {
        let s = session();
        let m = s.model().clone();
        let mut idx = LogIndex::default();
        idx.set_filter(LogFilter {
            order: Some(OrderId(3)),
            ..LogFilter::default()
        });
        idx.update(s.store(), s.rewinds());
        assert!(idx.len() > 10);
        let rows = idx.rows(0..idx.len());
        // The order's own events, and the deliveries of its messages.
        assert!(
            rows.iter()
                .any(|&i| matches!(s.store().get(i).unwrap().kind, TraceKind::Deliver { .. }))
        );
        assert!(rows.iter().all(|&i| {
            let e = s.store().get(i).unwrap();
            e.order() == Some(OrderId(3))
                || matches!(e.kind, TraceKind::Deliver { .. } | TraceKind::Drop { .. })
        }));

        let warehouse = m.service_index("warehouse").unwrap();
        idx.set_filter(LogFilter {
            service: Some(warehouse),
            ..LogFilter::default()
        });
        idx.update(s.store(), s.rewinds());
        assert!(!idx.is_empty());
        for &i in idx.rows(0..idx.len()) {
            let e = s.store().get(i).unwrap();
            assert!(
                e.text(&m).contains("warehouse")
                    || matches!(e.kind, TraceKind::Deliver { .. } | TraceKind::Drop { .. }),
                "{}",
                e.text(&m)
            );
        }

        idx.set_filter(LogFilter {
            category: Some(Category::Message(MsgKind::Callback)),
            ..LogFilter::default()
        });
        idx.update(s.store(), s.rewinds());
        let callbacks = idx.len();
        assert!(callbacks > 0);
        let sends = s
            .store()
            .events()
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    TraceKind::Send {
                        kind: MsgKind::Callback,
                        ..
                    }
                )
            })
            .count();
        // Each callback send plus its delivery.
        assert!(
            callbacks >= sends && callbacks <= sends * 2,
            "{callbacks} rows for {sends} callbacks"
        );
    }

    #[test]
    fn catches_up_incrementally_and_after_a_rewind() {
        let model = presets::model("sync-chain").unwrap().unwrap();
        let mut s = Session::new(model, orderflow_sim::Completion::Sync, 1).unwrap();
        let mut idx = LogIndex::default();
        s.advance_to(SimTime::from_secs(2), u64::MAX);
        assert!(idx.update(s.store(), s.rewinds()));
        let early = idx.len();
        s.advance_to(SimTime::from_secs(4), u64::MAX);
        idx.update(s.store(), s.rewinds());
        assert!(idx.len() > early);
        assert_eq!(
            idx.len(),
            s.store().events().len(),
            "no filter: every event"
        );
        s.seek(SimTime::from_secs(2), u64::MAX);
        idx.update(s.store(), s.rewinds());
        assert_eq!(idx.len(), s.store().events().len());
    }

    #[test]
    fn only_the_rows_in_view_are_rendered() {
        assert_eq!(visible_rows(0.0, 220.0, 100_000), 0..19);
        let r = visible_rows(22.0 * 50_000.0, 220.0, 100_000);
        assert_eq!(r, 49_992..50_019);
        assert_eq!(visible_rows(1e12, 220.0, 10), 10..10);
        assert_eq!(visible_rows(-5.0, 0.0, 3), 0..3);
        assert!(
            r.len() < 40,
            "a viewport of 10 rows renders about 27, not 100,000"
        );
    }

    #[test]
    fn rows_in_view_have_their_text_and_place() {
        let s = session();
        let m = s.model().clone();
        let mut idx = LogIndex::default();
        idx.update(s.store(), s.rewinds());
        let rows = idx.view_rows(s.store(), &m, 10..13);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].top, "220px");
        assert_eq!(rows[2].top, "264px");
        let e = s.store().get(idx.rows(10..11)[0]).unwrap();
        assert_eq!(
            (rows[0].text.clone(), rows[0].order),
            (e.text(&m), e.order())
        );
        assert!(
            idx.view_rows(s.store(), &m, idx.len()..idx.len() + 5)
                .is_empty()
        );
    }

    #[test]
    fn the_viewport_follows_the_newest_row_until_scrolled_up() {
        let v = Viewport { len: 100 };
        assert_eq!(v.list_height(), "2200px");
        assert_eq!(v.bottom(), 2_200.0 - 264.0);
        assert!(v.follows_at(v.bottom()));
        assert!(v.follows_at(v.bottom() - 22.0), "within a row");
        assert!(!v.follows_at(v.bottom() - 23.0));
        assert_eq!(
            Viewport { len: 3 }.bottom(),
            0.0,
            "a short list does not scroll"
        );
        assert_eq!(v.count_label(), "(100 rows)");
        assert_eq!(VIEWPORT_HEIGHT, px(VIEWPORT_PX));
        assert_eq!(parse_order_filter(" 7 "), Some(OrderId(7)));
        assert_eq!(parse_order_filter(""), None);
        assert_eq!(parse_service_filter("3"), ServiceId::from_index(3));
        assert_eq!(parse_service_filter("-1"), None);
        assert_eq!(parse_service_filter(""), None);
    }

    #[test]
    fn category_labels_round_trip() {
        for (c, label) in Category::ALL {
            assert_eq!(Category::from_label(label), Some(c));
            assert_eq!(c.label(), label);
        }
        assert_eq!(Category::from_label("nope"), None);
    }
}
