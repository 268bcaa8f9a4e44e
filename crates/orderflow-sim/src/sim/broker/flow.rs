//! The broker in the flow: what crosses parts when a message is published,
//! delivered, acknowledged, redelivered, dead-lettered or lost — messages on
//! the wire, the consumer's handler, the order held and released, timers
//! and the trace. What the broker decides on its own is [`super::Broker`].

use super::super::handlers::Origin;
use super::super::network::{Body, Message};
use super::super::schedule::Event;
use super::super::world::World;
use super::queue::QueuedMsg;
use super::{Broker, Fate};
use crate::breaker::BreakerState;
use crate::ids::*;
use crate::model::*;
use crate::order::Answer;
use crate::trace::{Reason, TraceKind};

impl World {
    /// A delivery's visibility timeout ran out: extend it while the consumer
    /// still works on it, else the delivery failed.
    pub(in crate::sim) fn on_visibility(&mut self, m: &Model, q: QueueId, k: InflightKey) {
        let working = self
            .broker
            .worker_of(q, k)
            .flatten()
            .is_some_and(|a| self.acts.contains_key(a));
        if working {
            // The consumer is alive and still on it: it extends the timeout.
            self.broker.extend(q);
            self.timeout(m.queues[q].visibility_timeout_us, Event::Visibility(q, k));
        } else if let Some(msg) = self.broker.settle(q, k, false) {
            self.failed_delivery(m, q, msg, Reason::Timeout);
            self.dispatch(m, q);
        }
    }

    /// A delivery reached a live consumer: its handler starts, and the
    /// broker remembers who works on it (the visibility heartbeat).
    pub(in crate::sim) fn on_delivery_arrived(
        &mut self,
        m: &Model,
        msg: &Message,
        queue: QueueId,
        inflight: InflightKey,
        attempt: u32,
    ) {
        let c = self
            .broker
            .consumer_of(queue)
            .expect("deliveries come from consumed queues");
        let handler = m.consumers[c].handler;
        let origin = Origin::Delivery {
            queue,
            inflight,
            attempt,
        };
        let a = self.start_handler(m, handler, msg, origin);
        self.broker.set_worker(queue, inflight, a);
    }

    /// Messages waiting for a redelivery are due.
    pub(in crate::sim) fn on_redeliver(&mut self, m: &Model, q: QueueId) {
        self.broker.release_due(q, self.now);
        self.dispatch(m, q);
    }

    /// The broker is back after a restart.
    pub(in crate::sim) fn on_broker_up(&mut self, m: &Model) {
        self.broker.come_back();
        self.trace(m, TraceKind::BrokerUp);
        for q in self.broker.queue_ids() {
            self.dispatch(m, q);
        }
    }

    /// Stores a message of order `o` in the queue (or every queue of the
    /// exchange) `dest`; false if a queue refused it (full).
    pub(in crate::sim) fn publish(
        &mut self,
        m: &Model,
        dest: Destination,
        o: OrderKey,
        label: MessageNameId,
    ) -> bool {
        let one;
        let queues: &[QueueId] = match dest {
            Destination::Queue(q) => {
                one = [q];
                &one
            }
            Destination::Exchange(x) => &m.exchanges[x].queues,
        };
        let mut ok = true;
        let order_id = self.order_id(o);
        for &q in queues {
            let stored = self
                .broker
                .publish(q, &m.queues[q], o, order_id, label, self.now);
            if stored.is_none() {
                ok = false;
                continue;
            }
            self.hold(o);
            let kind = TraceKind::Enqueued {
                queue: q,
                order: order_id,
            };
            self.trace(m, kind);
            self.dispatch(m, q);
        }
        ok
    }

    /// An acknowledgement (`ok`) or a rejection of a delivery.
    pub(in crate::sim) fn on_ack(&mut self, m: &Model, q: QueueId, k: InflightKey, ok: bool) {
        let Some(msg) = self.broker.settle(q, k, ok) else {
            // Already redelivered (visibility timeout) or lost in a restart.
            return self.late();
        };
        if ok {
            self.release(m, msg.order);
        } else {
            self.failed_delivery(m, q, msg, Reason::Error);
        }
        self.dispatch(m, q);
    }

    /// A delivery was rejected or timed out: schedule another, or dead-letter.
    pub(in crate::sim) fn failed_delivery(
        &mut self,
        m: &Model,
        q: QueueId,
        msg: QueuedMsg,
        reason: Reason,
    ) {
        let qm = &m.queues[q];
        if Broker::fate(qm, &msg) == Fate::DeadLetter {
            return self.dead_letter(m, q, msg, Reason::MaxDeliveries);
        }
        let delay = qm
            .redelivery_backoff
            .delay_us(msg.attempts.saturating_sub(1), &mut self.rng);
        let due = self.now.plus_micros(delay);
        self.broker.redeliver_at(q, due, msg);
        self.trace(
            m,
            TraceKind::Redelivery {
                queue: q,
                order: msg.order_id,
                attempt: msg.attempts,
                reason,
            },
        );
        self.timers.at(due, Event::Redeliver(q));
    }

    /// `msg` leaves queue `q` unconsumed (to its dead-letter queue, if any):
    /// the order is marked, and no longer held by it.
    pub(in crate::sim) fn dead_letter(
        &mut self,
        m: &Model,
        q: QueueId,
        msg: QueuedMsg,
        reason: Reason,
    ) {
        let dlq = m.queues[q].dead_letter.map(|d| (d, &m.queues[d]));
        self.broker
            .dead_letter(q, msg, reason == Reason::Expired, dlq);
        if let Some(order) = self.orders.get_mut(msg.order) {
            order.dead_lettered = true;
        }
        self.trace(
            m,
            TraceKind::DeadLetter {
                queue: q,
                order: msg.order_id,
                reason,
            },
        );
        self.roll_back_accepted(m, q, msg.order);
        self.release(m, msg.order);
    }

    /// A message of an order whose client already took its 202 was
    /// dead-lettered (003: complete rollback, and tell the consumer): the
    /// order record is undone, the queue's `rollback` handler is sent the
    /// order to undo the rest (compensating calls; a job that insists until
    /// the handler answers), and the client is told FAILED over its
    /// completion channel unless it was told already.
    fn roll_back_accepted(&mut self, m: &Model, q: QueueId, o: OrderKey) {
        let now = self.now;
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        if order.client.answer != Answer::Accepted || order.completed_ok || order.rolled_back {
            return;
        }
        // A side reader's message (pizza's OrderHistory): the order goes on
        // without it, so it is neither failed nor undone. What it missed is
        // the dead-letter queue's (an operator's) business.
        let qm = &m.queues[q];
        if qm.rollback.is_none() && !qm.leads_to_outcome {
            return;
        }
        order.rolled_back = true;
        order.recorded = false;
        let first = order.completed_at.is_none();
        order.completed_at.get_or_insert(now);
        self.metrics.steps.rollbacks += 1;
        let entry = m.handlers[m.client.entry].service;
        if let Some(h) = m.queues[q].rollback {
            let from = m.broker_service.unwrap_or(entry);
            self.start_rollback(m, from, o, h);
        }
        if first {
            self.notify_client(m, entry, o, STATUS_FAILED, true);
        }
    }

    /// Delivers the queues that service `s` consumes (it came up or grew).
    pub(in crate::sim) fn dispatch_to(&mut self, m: &Model, s: ServiceId) {
        for q in self.broker.queue_ids() {
            let consumer = self.broker.consumer_of(q);
            if consumer.is_some_and(|c| m.consumers[c].service == s) {
                self.dispatch(m, q);
            }
        }
    }

    /// Delivers ready messages of `q` to its consumer's replicas, within
    /// prefetch, while the broker, the consumer's service and its breaker
    /// let it; expired messages are dead-lettered on the way.
    pub(in crate::sim) fn dispatch(&mut self, m: &Model, q: QueueId) {
        // Every broker operation ends in a dispatch: its books must balance.
        debug_assert_eq!(self.broker.accounts_for(q, &m.queues[q]), Ok(()));
        if !self.broker.is_up() {
            return;
        }
        let Some(c) = self.broker.consumer_of(q) else {
            return;
        };
        let cm = &m.consumers[c];
        let svc = cm.service;
        if !self.services.is_up(svc) {
            return;
        }
        if cm
            .pause_while_open
            .is_some_and(|b| self.breakers[b].state() == BreakerState::Open)
        {
            return;
        }
        let (ttl, visibility) = (m.queues[q].ttl_us, m.queues[q].visibility_timeout_us);
        let Some(broker) = m.broker_service else {
            return;
        };
        loop {
            // Expired messages leave from the front (the oldest first).
            if let Some(ttl) = ttl {
                while let Some(msg) = self.broker.expire_front(q, ttl, self.now) {
                    self.dead_letter(m, q, msg, Reason::Expired);
                }
            }
            let replicas = self.services.replica_counts(svc);
            let Some(d) = self.broker.deliver_next(q, c, cm, replicas) else {
                return;
            };
            let body = Body::Deliver {
                queue: q,
                inflight: d.inflight,
                attempt: d.msg.attempts,
                replica: d.replica,
                label: d.msg.label,
            };
            self.send(m, broker, svc, d.msg.order, body);
            self.timeout(visibility, Event::Visibility(q, d.inflight));
        }
    }

    /// A restart keeps durable messages, including those delivered and not
    /// yet acknowledged: they stay invisible until acknowledged or until
    /// their visibility timeout runs out, so a consumer still working on one
    /// is never joined by a second delivery. Transient queues lose everything.
    pub(in crate::sim) fn restart_broker(&mut self, m: &Model, downtime_us: u64) {
        let lost = self.broker.restart(|q| m.queues[q].durable);
        for &(q, msg) in &lost {
            if let Some(order) = self.orders.get_mut(msg.order) {
                order.lost_messages += 1;
            }
            let kind = TraceKind::MessageLost {
                queue: q,
                order: msg.order_id,
            };
            self.trace(m, kind);
            // Parked dead letters hold no reference to their order.
            if !m.queues[q].is_dead_letter_queue {
                self.release(m, msg.order);
            }
        }
        self.trace(
            m,
            TraceKind::BrokerRestart {
                lost: lost.len() as u32,
            },
        );
        debug_assert!(
            self.broker
                .queue_ids()
                .all(|q| self.broker.accounts_for(q, &m.queues[q]).is_ok())
        );
        self.after(downtime_us, Event::BrokerUp);
    }
}
