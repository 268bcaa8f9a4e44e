//! What is true of one order: its records in each service (the ground
//! truth), what its client was told, and — once nothing is left in flight for
//! it — how it ended.
//!
//! Judging an order compares the two: the client's belief against the
//! records. That is how the engine *detects* the inconsistent orders a
//! fire-and-forget design produces, instead of assuming them.

use serde::{Deserialize, Serialize};

use crate::ids::{ActKey, OrderId, SkuId, StatusId};
use crate::model::{Model, RequirementModel, STATUS_PENDING};
use crate::time::SimTime;

/// The payment record kept by the payment service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentState {
    /// No payment record yet.
    #[default]
    None,
    Pending,
    Success,
    Failed,
    /// The provider was unavailable; the charge waits in the retry queue.
    QueuedForRetry,
    Refunded,
    /// A charge not captured that nobody wants any more: queued while the
    /// order failed, or voided by payment after giving up on an attempt
    /// whose outcome it could not know (a capture still on its way is
    /// refused).
    Cancelled,
}

impl PaymentState {
    /// The record's status in document 004's words (`"PENDING"`,
    /// `"SUCCESS"`, `"FAILED"`, `"QUEUED_FOR_RETRY"`), and the two it does not
    /// name in the same style.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::None => "NONE",
            PaymentState::Pending => "PENDING",
            PaymentState::Success => "SUCCESS",
            PaymentState::Failed => "FAILED",
            PaymentState::QueuedForRetry => "QUEUED_FOR_RETRY",
            PaymentState::Refunded => "REFUNDED",
            PaymentState::Cancelled => "CANCELLED",
        }
    }
}

/// The order's units in the inventory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockState {
    #[default]
    None,
    Reserved,
    Released,
    Shipped,
}

/// What the client was told or found out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Nothing yet.
    #[default]
    None,
    /// 202 Accepted: the outcome will come later.
    Accepted,
    /// The order went through.
    Success,
    /// The order failed (an error response or a FAILED status).
    Failure,
    /// The client stopped waiting for the response.
    TimedOut,
}

/// How an order ended, judged when nothing is left in flight for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The client was told it worked, and every required record agrees.
    Completed,
    /// The client was told it failed, and nothing was left half done.
    Failed,
    /// As `Failed`, but earlier steps had to be undone to get there.
    Compensated,
    /// The client's belief and the records disagree (told "placed" but never
    /// paid; told "failed" but charged…).
    Inconsistent,
    /// The client never learned the outcome and the work did not happen:
    /// messages were lost or it gave up waiting.
    Lost,
}

impl Outcome {
    /// All outcomes, in display order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Completed,
        Outcome::Failed,
        Outcome::Compensated,
        Outcome::Inconsistent,
        Outcome::Lost,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::Compensated => "compensated",
            Outcome::Inconsistent => "inconsistent",
            Outcome::Lost => "lost",
        }
    }
}

/// The client's side of one order.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientView {
    /// First answer (a sync response or the 202).
    pub answer: Answer,
    pub answered_at: Option<SimTime>,
    /// The final outcome as the client learned it (response, status, callback, push).
    pub final_answer: Answer,
    pub learned_at: Option<SimTime>,
    pub polls: u32,
    pub wasted_polls: u32,
    /// The last status a poll returned.
    pub last_status: StatusId,
    /// The answer said the work was queued for a later retry
    /// (QUEUED_FOR_RETRY with a sync response): the client expects it done
    /// later without hearing more.
    pub told_queued: bool,
    /// Still actively waiting or polling (holds the order open).
    pub waiting: bool,
    /// Bumped whenever a client timer is armed; stale timers carry old tokens.
    pub token: u32,
}

impl ClientView {
    /// True while the client waits under `token`: a timer or an answer
    /// armed for an earlier wait is stale.
    #[inline]
    pub fn waits_under(&self, token: u32) -> bool {
        self.waiting && self.token == token
    }

    /// The client starts waiting for the order; false if it already was.
    pub fn start_waiting(&mut self) -> bool {
        !std::mem::replace(&mut self.waiting, true)
    }

    /// The client stops waiting, and every timer armed for the wait goes
    /// stale; false if it was not waiting.
    pub fn stop_waiting(&mut self) -> bool {
        if !self.waiting {
            return false;
        }
        self.waiting = false;
        self.token += 1;
        true
    }

    /// Arms a new wait: earlier timers go stale. Returns the new token.
    pub fn rearm(&mut self) -> u32 {
        self.token += 1;
        self.token
    }

    /// The first answer (a response or the 202) at `now`; the outcome too
    /// when `last`. The client is answered once.
    pub fn give_answer(&mut self, answer: Answer, now: SimTime, last: bool) {
        debug_assert_eq!(self.answer, Answer::None, "answered twice");
        self.answer = answer;
        self.answered_at = Some(now);
        if last {
            self.final_answer = answer;
            self.learned_at = Some(now);
        }
    }

    /// The response timer of the wait under `token` ran out at `now`: the
    /// client stops waiting for the response. False (nothing changes) if
    /// the timer is stale or an answer came first.
    pub fn time_out(&mut self, token: u32, now: SimTime) -> bool {
        if !self.waits_under(token) || self.answer != Answer::None {
            return false;
        }
        self.answer = Answer::TimedOut;
        self.final_answer = Answer::TimedOut;
        self.answered_at = Some(now);
        true
    }

    /// The client learns the outcome at `now` (success unless `failed`);
    /// false if it already knew.
    pub fn learn_outcome(&mut self, failed: bool, now: SimTime) -> bool {
        if self.learned_at.is_some() {
            return false;
        }
        self.final_answer = if failed {
            Answer::Failure
        } else {
            Answer::Success
        };
        self.learned_at = Some(now);
        true
    }

    /// A poll of the wait under `token` goes out: counted, and the wait is
    /// rearmed (the new token is returned). `None` if the poll is stale.
    pub fn poll(&mut self, token: u32) -> Option<u32> {
        if !self.waits_under(token) {
            return None;
        }
        self.polls += 1;
        Some(self.rearm())
    }

    /// A poll that told nothing final (or got no answer): counted. If it
    /// showed a progress `status` the client had not seen, that becomes the
    /// last seen and true is returned.
    pub fn wasted_poll(&mut self, status: Option<StatusId>) -> bool {
        self.wasted_polls += 1;
        match status {
            Some(s) if s != STATUS_PENDING && s != self.last_status => {
                self.last_status = s;
                true
            }
            _ => false,
        }
    }
}

/// Everything the engine knows about one live order.
#[derive(Clone, Debug)]
pub struct OrderState {
    /// Sequential id, shown everywhere (`o#17`).
    pub id: OrderId,
    pub created_at: SimTime,
    pub sku: SkuId,
    pub qty: u32,
    pub recorded: bool,
    pub stock: StockState,
    pub payment: PaymentState,
    /// Money captured by the provider (at most once per order: the order id is
    /// the idempotency key).
    pub captured: bool,
    pub refunded: bool,
    /// The payment record was QUEUED_FOR_RETRY at some point.
    pub payment_queued: bool,
    /// Charge requests that reached the provider, duplicates included.
    pub provider_attempts: u32,
    pub notified: u32,
    /// The facts handlers marked (one bit per [`crate::ids::FlagId`]).
    pub flags: u32,
    /// The facts an `unmark` struck off: a `mark` of one of them that
    /// arrives later (a record overtaken by its cancel) changes nothing.
    pub struck: u32,
    /// Status-store record: the value before the last write, the last value,
    /// and when the last one becomes visible to readers.
    pub status_prev: StatusId,
    pub status_cur: StatusId,
    pub status_visible_at: SimTime,
    /// Order events raised (bit per event), and those raised as failures.
    pub events_ok: u32,
    pub events_failed: u32,
    /// A handler parked in a `wait` step for this order.
    pub parked: Option<ActKey>,
    pub client: ClientView,
    /// Retries of the order request so far, and the last one's backoff.
    pub client_retries: u32,
    pub client_retry_delay_us: u64,
    /// When a `complete` step (or the final failure) told the client.
    pub completed_at: Option<SimTime>,
    /// A `complete` step ran: the order record says the order went through.
    pub completed_ok: bool,
    /// Last time any service did work for it (not counting client traffic).
    pub done_at: SimTime,
    pub compensations: u32,
    pub lost_messages: u32,
    pub dead_lettered: bool,
    /// Things in flight for it: messages, handlers, queued messages, client
    /// waits, webhook jobs. The order is judged when this reaches zero.
    pub refs: u32,
    /// Its stream (SSE, WebSocket), server and client side.
    pub stream: crate::sim::StreamConn,
    /// A handler working on one of its messages rolled its steps back and
    /// the message will be delivered again: a refunded or cancelled payment
    /// may be charged anew (see `effects.rs`).
    pub retry_after_rollback: bool,
    /// A new payment attempt per charge after a rollback (the provider's
    /// idempotency key is the order id and this attempt).
    pub payment_attempt: u32,
    /// Captures at the provider over its payment attempts, and refunds:
    /// at most one capture is live (`captures - refunds <= 1`).
    pub captures: u32,
    pub refunds: u32,
    /// An accepted order whose message was dead-lettered: its work undone,
    /// its client told FAILED.
    pub rolled_back: bool,
}

impl OrderState {
    /// A new order.
    pub fn new(id: OrderId, now: SimTime, sku: SkuId, qty: u32) -> OrderState {
        OrderState {
            id,
            created_at: now,
            sku,
            qty,
            recorded: false,
            stock: StockState::None,
            payment: PaymentState::None,
            captured: false,
            refunded: false,
            payment_queued: false,
            provider_attempts: 0,
            client_retries: 0,
            client_retry_delay_us: 0,
            notified: 0,
            flags: 0,
            struck: 0,
            status_prev: STATUS_PENDING,
            status_cur: STATUS_PENDING,
            status_visible_at: now,
            events_ok: 0,
            events_failed: 0,
            parked: None,
            client: ClientView::default(),
            completed_at: None,
            completed_ok: false,
            done_at: now,
            compensations: 0,
            lost_messages: 0,
            dead_lettered: false,
            refs: 0,
            stream: Default::default(),
            retry_after_rollback: false,
            payment_attempt: 1,
            captures: 0,
            refunds: 0,
            rolled_back: false,
        }
    }

    /// The status a reader of the status store sees at `now`.
    pub fn visible_status(&self, now: SimTime) -> StatusId {
        if now >= self.status_visible_at {
            self.status_cur
        } else {
            self.status_prev
        }
    }

    /// Does `req` hold for this order?
    pub fn holds(&self, req: RequirementModel) -> bool {
        match req {
            RequirementModel::StockReserved => {
                matches!(self.stock, StockState::Reserved | StockState::Shipped)
            }
            RequirementModel::Paid => self.captured && !self.refunded,
            RequirementModel::Shipped => self.stock == StockState::Shipped,
            RequirementModel::Flag(f) => self.flags & f.bit() != 0,
        }
    }

    /// Judges the settled order against the model's requirements.
    pub fn judge(&self, model: &Model) -> Outcome {
        let held = model.requires.iter().filter(|r| self.holds(**r)).count();
        let committed = held == model.requires.len();
        let clean = held == 0;
        let final_answer = match self.client.final_answer {
            Answer::None | Answer::Accepted => self.client.answer,
            a => a,
        };
        match final_answer {
            Answer::Success if committed => Outcome::Completed,
            // Told "queued for retry", and the retry did it.
            Answer::Accepted if committed && self.client.told_queued => Outcome::Completed,
            Answer::Failure | Answer::TimedOut if clean && self.compensations > 0 => {
                Outcome::Compensated
            }
            Answer::Failure | Answer::TimedOut if clean => Outcome::Failed,
            Answer::None | Answer::Accepted if !committed => Outcome::Lost,
            _ => Outcome::Inconsistent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::STATUS_COMPLETED;
    use crate::presets;

    fn order() -> OrderState {
        OrderState::new(OrderId(1), SimTime::ZERO, SkuId::new(0), 1)
    }

    #[test]
    fn judging_compares_belief_and_records() {
        // sync-chain requires stock reserved, paid and shipped.
        let model = presets::model("sync-chain").unwrap().unwrap();
        let mut o = order();
        o.client.answer = Answer::Success;
        assert_eq!(
            o.judge(&model),
            Outcome::Inconsistent,
            "told success, nothing done"
        );
        o.stock = StockState::Shipped;
        o.captured = true;
        assert_eq!(o.judge(&model), Outcome::Completed);
        o.client.answer = Answer::Failure;
        assert_eq!(
            o.judge(&model),
            Outcome::Inconsistent,
            "told failure, but shipped and paid"
        );
        o.stock = StockState::Released;
        o.refunded = true;
        assert_eq!(o.judge(&model), Outcome::Failed);
        o.compensations = 2;
        assert_eq!(o.judge(&model), Outcome::Compensated);
        o.client.answer = Answer::Accepted;
        assert_eq!(
            o.judge(&model),
            Outcome::Lost,
            "accepted, never learned, nothing done"
        );
        o.client.final_answer = Answer::Success;
        assert_eq!(
            o.judge(&model),
            Outcome::Inconsistent,
            "learned success, nothing done"
        );
    }

    #[test]
    fn a_client_wait_ignores_stale_timers_and_is_answered_once() {
        let mut c = ClientView::default();
        assert!(c.start_waiting() && !c.start_waiting());
        let first = c.token;
        let next = c.rearm();
        assert!(!c.time_out(first, SimTime(5)), "a stale timer");
        c.give_answer(Answer::Accepted, SimTime(6), false);
        assert!(!c.time_out(next, SimTime(7)), "answered already");
        assert_eq!((c.answer, c.final_answer), (Answer::Accepted, Answer::None));
        let poll = c.poll(next).unwrap();
        assert_eq!((c.polls, c.poll(next)), (1, None));
        assert!(c.waits_under(poll));
        assert!(c.learn_outcome(false, SimTime(9)));
        assert!(!c.learn_outcome(true, SimTime(10)), "learned once");
        assert_eq!(
            (c.final_answer, c.learned_at),
            (Answer::Success, Some(SimTime(9)))
        );
        assert!(c.stop_waiting() && !c.stop_waiting());
        assert!(!c.waits_under(poll), "stopping makes every timer stale");
    }

    #[test]
    fn the_response_timer_times_out_a_waiting_client() {
        let mut c = ClientView::default();
        c.start_waiting();
        assert!(c.time_out(c.token, SimTime(3)));
        assert_eq!(
            (c.answer, c.final_answer),
            (Answer::TimedOut, Answer::TimedOut)
        );
        assert_eq!(c.answered_at, Some(SimTime(3)));
    }

    #[test]
    fn wasted_polls_count_and_report_new_progress_once() {
        let mut c = ClientView::default();
        let prep = StatusId::new(3);
        assert!(!c.wasted_poll(None));
        assert!(!c.wasted_poll(Some(STATUS_PENDING)));
        assert!(c.wasted_poll(Some(prep)));
        assert!(!c.wasted_poll(Some(prep)), "seen already");
        assert_eq!((c.wasted_polls, c.last_status), (4, prep));
    }

    #[test]
    fn status_becomes_visible_after_the_lag() {
        let mut o = order();
        o.status_prev = STATUS_PENDING;
        o.status_cur = STATUS_COMPLETED;
        o.status_visible_at = SimTime::from_millis(10);
        assert_eq!(o.visible_status(SimTime::from_millis(9)), STATUS_PENDING);
        assert_eq!(o.visible_status(SimTime::from_millis(10)), STATUS_COMPLETED);
    }
}
