//! The client: orders arriving (constant, Poisson or surge), the order
//! request and its answer, the id fetch and status polls of a polling
//! client, what the client learns, and judging an order once nothing is left
//! in flight for it.
//!
//! How outcomes reach a client that is not waiting for the response (push,
//! webhooks, final-status writes) is in `notify.rs`.

use super::network::{Body, CallResult, Reply};
use super::schedule::Event;
use super::world::World;
use crate::ids::*;
use crate::model::*;
use crate::order::{Answer, OrderState, Outcome};
use crate::scenario::{Completion, IdSource};
use crate::time::SimTime;
use crate::trace::TraceKind;

/// The client's own state: its completion mode, where its order ids come
/// from, and the arrival process.
#[derive(Clone, Debug)]
pub(super) struct Client {
    pub completion: Completion,
    pub id_source: IdSource,
    /// Orders created so far (arrivals, including shed ones).
    pub orders_started: u64,
    /// Next arrival time, in fractional microseconds (no drift).
    pub next_arrival_us: f64,
}

impl Client {
    pub fn new(completion: Completion, id_source: IdSource) -> Client {
        Client {
            completion,
            id_source,
            orders_started: 0,
            next_arrival_us: 0.0,
        }
    }
}

impl World {
    pub(super) fn on_arrival(&mut self, m: &Model) {
        if self.client.orders_started >= m.orders {
            return;
        }
        self.client.orders_started += 1;
        let id = OrderId(self.client.orders_started);
        let mix = m.mix[self.rng.weighted_index(&m.mix_weights)];
        if self.orders.len() >= m.limits.max_live_orders as usize {
            self.metrics.orders_shed += 1;
            self.trace(m, TraceKind::OrderShed { order: id });
        } else {
            self.metrics.orders_created += 1;
            let o = self
                .orders
                .insert(OrderState::new(id, self.now, mix.0, mix.1.max(mix.2)));
            self.orders[o].qty = mix.2;
            self.trace(
                m,
                TraceKind::OrderCreated {
                    order: id,
                    sku: mix.0,
                    qty: mix.2,
                },
            );
            self.client_begin(m, o);
        }
        if self.client.orders_started < m.orders {
            self.schedule_next_arrival(m);
        }
    }

    pub(super) fn schedule_next_arrival(&mut self, m: &Model) {
        let gap = match &m.arrival {
            ArrivalModel::Single => return,
            ArrivalModel::Constant { interval_us } => *interval_us,
            ArrivalModel::Poisson { mean_gap_us } => self.rng.exponential(*mean_gap_us),
            ArrivalModel::Surge { segments } => {
                // A Poisson process with piecewise-constant rate: spend one
                // unit-mean exponential draw across the segments.
                let mut need = self.rng.exponential(1.0);
                let mut t = self.client.next_arrival_us;
                let mut i = segments
                    .iter()
                    .position(|s| (s.0.as_micros() as f64) > t)
                    .unwrap_or(segments.len() - 1);
                loop {
                    let rate = segments[i].1;
                    let end = if i + 1 < segments.len() {
                        segments[i].0.as_micros() as f64
                    } else {
                        f64::INFINITY
                    };
                    let room = (end - t) * rate;
                    if room >= need {
                        t += need / rate;
                        break;
                    }
                    need -= room;
                    t = end;
                    i += 1;
                }
                t - self.client.next_arrival_us
            }
        };
        self.client.next_arrival_us += gap;
        let at = SimTime(libm::round(self.client.next_arrival_us) as u64).max(self.now);
        self.timers.at(at, Event::Arrival);
    }

    pub(super) fn client_hold(&mut self, o: OrderKey) {
        if let Some(order) = self.orders.get_mut(o)
            && order.client.start_waiting()
        {
            order.refs += 1;
        }
    }

    pub(super) fn client_release(&mut self, m: &Model, o: OrderKey) {
        if self
            .orders
            .get_mut(o)
            .is_some_and(|x| x.client.stop_waiting())
        {
            self.release(m, o);
        }
    }

    pub(super) fn client_begin(&mut self, m: &Model, o: OrderKey) {
        self.client_hold(o);
        match (self.client.id_source, m.client.id_service) {
            (IdSource::IdService, Some(ids)) => {
                let token = self.orders[o].client.token;
                let to = m.handlers[ids].service;
                self.send(
                    m,
                    m.client.service,
                    to,
                    o,
                    Body::Request {
                        handler: ids,
                        reply: Reply::IdFetch { token },
                        arg: STATUS_PENDING,
                    },
                );
                self.timeout(m.client.timeout_us, Event::ClientTimeout(o, token));
            }
            _ => self.send_order(m, o),
        }
    }

    pub(super) fn send_order(&mut self, m: &Model, o: OrderKey) {
        let token = self.orders[o].client.token;
        let entry = m.client.entry;
        self.send(
            m,
            m.client.service,
            m.handlers[entry].service,
            o,
            Body::Request {
                handler: entry,
                reply: Reply::Client { token },
                arg: STATUS_PENDING,
            },
        );
        self.timeout(m.client.timeout_us, Event::ClientTimeout(o, token));
        if let Some(p) = &m.client.polling
            && self.client.completion == Completion::Polling
            && self.client.id_source == IdSource::Client
        {
            self.after(p.interval_us, Event::Poll(o, token));
        }
    }

    pub(super) fn on_client_timeout(&mut self, m: &Model, o: OrderKey, token: u32) {
        if self.client_retry(m, o, token) {
            return;
        }
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        if !order.client.time_out(token, self.now) {
            return;
        }
        self.metrics.client.timeouts += 1;
        let id = order.id;
        self.trace(
            m,
            TraceKind::ClientAnswer {
                order: id,
                answer: Answer::TimedOut,
            },
        );
        self.client_release(m, o);
    }

    /// The answer to the client's order request (or its id fetch).
    pub(super) fn on_client_response(
        &mut self,
        m: &Model,
        o: OrderKey,
        reply: Reply,
        result: CallResult,
        status: StatusId,
        accepted: bool,
    ) {
        let Some(order) = self.orders.get(o) else {
            return;
        };
        match reply {
            Reply::IdFetch { token } => {
                if !order.client.waits_under(token) {
                    return self.late();
                }
                if result.is_ok() {
                    self.orders[o].client.rearm();
                    self.send_order(m, o);
                } else {
                    self.client_answer(m, o, Answer::Failure, true);
                    self.client_release(m, o);
                }
            }
            Reply::Client { token } => {
                if !order.client.waits_under(token) || order.client.answer != Answer::None {
                    return self.late();
                }
                if result.is_ok() {
                    self.budget_refill(m, m.client.retry.and_then(|r| r.budget));
                }
                if accepted {
                    self.client_answer(m, o, Answer::Accepted, false);
                    if status != STATUS_PENDING {
                        // Accepted with news: "QUEUED_FOR_RETRY".
                        self.client_progress(m, o, status);
                    }
                    match self.client.completion {
                        Completion::Polling => {
                            // The response timeout goes stale, and so do the
                            // polls a client-made id already scheduled:
                            // polling starts over under a new token.
                            self.orders[o].client.rearm();
                            self.next_poll(m, o);
                        }
                        _ => self.client_release(m, o),
                    }
                } else {
                    let answer = if result.is_ok() {
                        Answer::Success
                    } else {
                        Answer::Failure
                    };
                    self.client_answer(m, o, answer, true);
                    self.client_release(m, o);
                }
            }
            _ => {}
        }
    }

    pub(super) fn client_answer(&mut self, m: &Model, o: OrderKey, answer: Answer, last: bool) {
        let order = &mut self.orders[o];
        // The client is answered once (a late answer is counted, not given).
        order.client.give_answer(answer, self.now, last);
        let id = order.id;
        self.trace(m, TraceKind::ClientAnswer { order: id, answer });
    }

    /// The client hears a progress status with its answer (a sync client
    /// told QUEUED_FOR_RETRY): it becomes the last status it saw.
    fn client_progress(&mut self, m: &Model, o: OrderKey, status: StatusId) {
        let order = &mut self.orders[o];
        order.client.last_status = status;
        order.client.told_queued = true;
        let id = order.id;
        self.trace(
            m,
            TraceKind::ClientLearned {
                order: id,
                status,
                last: false,
            },
        );
    }

    /// The client learns a status (poll answer, webhook, push).
    pub(super) fn client_learn(&mut self, m: &Model, o: OrderKey, status: StatusId) {
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        if order.client.learned_at.is_some() {
            return;
        }
        let last = m.is_terminal_status(status);
        if last {
            order
                .client
                .learn_outcome(status == STATUS_FAILED, self.now);
        }
        let id = order.id;
        self.trace(
            m,
            TraceKind::ClientLearned {
                order: id,
                status,
                last,
            },
        );
        if last {
            self.client_release(m, o);
        }
    }

    pub(super) fn next_poll(&mut self, m: &Model, o: OrderKey) {
        let Some(p) = &m.client.polling else { return };
        let order = &mut self.orders[o];
        let token = order.client.rearm();
        if order.client.polls >= p.max_polls {
            self.metrics.client.gave_up += 1;
            let id = order.id;
            self.trace(m, TraceKind::ClientGaveUp { order: id });
            self.client_release(m, o);
            return;
        }
        self.after(p.interval_us, Event::Poll(o, token));
    }

    pub(super) fn on_poll(&mut self, m: &Model, o: OrderKey, token: u32) {
        let Some(p) = &m.client.polling else { return };
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        let Some(token) = order.client.poll(token) else {
            return;
        };
        self.metrics.client.polls += 1;
        let to = m.handlers[p.target].service;
        self.send(
            m,
            m.client.service,
            to,
            o,
            Body::Request {
                handler: p.target,
                reply: Reply::Poll { token },
                arg: STATUS_PENDING,
            },
        );
        self.timeout(p.timeout_us, Event::PollTimeout(o, token));
    }

    pub(super) fn on_poll_answer(
        &mut self,
        m: &Model,
        o: OrderKey,
        token: u32,
        result: CallResult,
        status: StatusId,
    ) {
        let Some(order) = self.orders.get(o) else {
            return;
        };
        if !order.client.waits_under(token) {
            return self.late();
        }
        if result.is_ok() && m.is_terminal_status(status) {
            self.client_learn(m, o, status);
            return;
        }
        self.metrics.client.wasted_polls += 1;
        let order = &mut self.orders[o];
        if order.client.wasted_poll(result.is_ok().then_some(status)) {
            let id = order.id;
            self.trace(
                m,
                TraceKind::ClientLearned {
                    order: id,
                    status,
                    last: false,
                },
            );
        }
        self.next_poll(m, o);
    }

    /// A poll went unanswered: count it and poll again.
    pub(super) fn on_poll_timeout(&mut self, m: &Model, o: OrderKey, token: u32) {
        if self
            .orders
            .get(o)
            .is_some_and(|x| x.client.waits_under(token))
        {
            self.metrics.client.wasted_polls += 1;
            self.orders[o].client.wasted_poll(None);
            self.next_poll(m, o);
        }
    }

    /// Judges a settled order and forgets it.
    pub(super) fn settle_order(&mut self, m: &Model, o: OrderKey) {
        let Some(order) = self.orders.remove(o) else {
            return;
        };
        self.audit.settled(&order);
        let outcome = order.judge(m);
        self.metrics.outcomes.add(outcome);
        let created = order.created_at;
        let mx = &mut self.metrics;
        if let Some(a) = order.client.answered_at {
            mx.response.record_us(a.since(created));
            mx.consistency_window.record_us(order.done_at.since(a));
        }
        if let Some(l) = order.client.learned_at {
            mx.completion.record_us(l.since(created));
            if let Some(c) = order.completed_at
                && self.client.completion != Completion::Sync
            {
                mx.detection_lag.record_us(l.since(c));
            }
        }
        mx.done.record_us(order.done_at.since(created));
        mx.latency_window.record(
            order.client.learned_at.map(|l| l.since(created)),
            order.done_at.since(created),
        );
        if outcome == Outcome::Lost || outcome == Outcome::Inconsistent {
            debug_assert!(order.parked.is_none());
        }
        self.trace(
            m,
            TraceKind::Settled {
                order: order.id,
                outcome,
            },
        );
    }
}
