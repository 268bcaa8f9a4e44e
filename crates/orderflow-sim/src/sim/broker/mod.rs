//! The message broker: publishing to queues (directly or through an
//! exchange), dispatch to competing consumer replicas within prefetch,
//! acknowledgements, the visibility timeout, redelivery with backoff, dead
//! letters (after the maximum deliveries, or the TTL), and restarts.
//!
//! A queue's storage (ready, delayed and unacknowledged messages, counters)
//! is [`queue::QueueState`]; this file decides what happens to it.

pub mod queue;

use super::handlers::Origin;
use super::network::{Body, Message};
use super::schedule::Event;
use super::world::World;
use crate::breaker::BreakerState;
use crate::ids::*;
use crate::model::*;
use crate::scenario::Dispatch;
use crate::trace::{Reason, TraceKind};
use queue::{Inflight, QueueCounters, QueueState, QueuedMsg};

/// A consumer's running state.
#[derive(Clone, Debug, Default)]
pub(super) struct ConsumerState {
    /// Unacknowledged deliveries per replica.
    pub unacked: Vec<u32>,
    pub next_replica: usize,
}

/// A queue as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueView {
    pub ready: u32,
    pub delayed: u32,
    pub inflight: u32,
    pub counters: QueueCounters,
}

/// The broker's state: its queues, the consumer of each, and whether it is up.
#[derive(Clone, Debug)]
pub(super) struct Broker {
    pub up: bool,
    pub queues: Vec<QueueState>,
    pub consumers: Vec<ConsumerState>,
    /// Consumer index per queue.
    pub consumer_of: Vec<Option<u16>>,
    /// Arrival counter of published messages (stable redelivery order).
    pub next_seq: u64,
}

impl Broker {
    pub fn new(m: &Model) -> Broker {
        let mut consumer_of = vec![None; m.queues.len()];
        let consumers = m
            .consumers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                consumer_of[c.queue as usize] = Some(i as u16);
                ConsumerState {
                    unacked: vec![0; m.services[c.service as usize].replicas as usize],
                    next_replica: 0,
                }
            })
            .collect();
        Broker {
            up: true,
            queues: vec![QueueState::default(); m.queues.len()],
            consumers,
            consumer_of,
            next_seq: 0,
        }
    }

    /// Checks that queue `q` accounts for every message it stored: each is
    /// acknowledged, dead-lettered, lost in a restart, or still held (ready,
    /// delayed or in flight). Dead-letter queues too: what they receive is
    /// counted as published.
    pub fn accounts_for(&self, m: &Model, q: usize) -> Result<(), String> {
        let qs = &self.queues[q];
        let c = qs.counters;
        let accounted = c.acked + c.dead_lettered + c.lost + qs.held() as u64;
        if c.published == accounted {
            return Ok(());
        }
        Err(format!(
            "queue {} loses messages: published {} != acked {} + dead {} + lost {} + held {}",
            m.queues[q].id,
            c.published,
            c.acked,
            c.dead_lettered,
            c.lost,
            qs.held()
        ))
    }

    /// Queue `id` as seen from outside.
    pub fn view(&self, id: QueueId) -> QueueView {
        let q = &self.queues[id as usize];
        QueueView {
            ready: q.ready.len() as u32,
            delayed: (q.waiting() - q.ready.len()) as u32,
            inflight: q.inflight.len() as u32,
            counters: q.counters,
        }
    }
}

impl World {
    /// A delivery's visibility timeout ran out: extend it while the consumer
    /// still works on it, else the delivery failed.
    pub(super) fn on_visibility(&mut self, m: &Model, q: QueueId, k: InflightKey) {
        let working = self.broker.queues[q as usize]
            .inflight
            .get(k)
            .and_then(|f| f.handler)
            .is_some_and(|a| self.acts.contains_key(a));
        if working {
            // The consumer is alive and still on it: it extends the timeout.
            self.broker.queues[q as usize].counters.extended += 1;
            self.timeout(
                m.queues[q as usize].visibility_timeout_us,
                Event::Visibility(q, k),
            );
        } else if let Some(f) = self.broker.queues[q as usize].inflight.remove(k) {
            self.unack(q, f.replica);
            self.failed_delivery(m, q, f.msg, Reason::Timeout);
            self.dispatch(m, q);
        }
    }

    /// A delivery reached a live consumer: its handler starts, and the
    /// broker remembers who works on it (the visibility heartbeat).
    pub(super) fn on_delivery_arrived(
        &mut self,
        m: &Model,
        msg: &Message,
        queue: QueueId,
        inflight: InflightKey,
        attempt: u32,
    ) {
        let c =
            self.broker.consumer_of[queue as usize].expect("deliveries come from consumed queues");
        let handler = m.consumers[c as usize].handler;
        let origin = Origin::Delivery {
            queue,
            inflight,
            attempt,
        };
        let a = self.start_handler(m, handler, msg, origin);
        if let Some(f) = self.broker.queues[queue as usize]
            .inflight
            .get_mut(inflight)
        {
            f.handler = a;
        }
    }

    /// Messages waiting for a redelivery are due.
    pub(super) fn on_redeliver(&mut self, m: &Model, q: QueueId) {
        self.broker.queues[q as usize].release_due(self.now);
        self.dispatch(m, q);
    }

    /// The broker is back after a restart.
    pub(super) fn on_broker_up(&mut self, m: &Model) {
        self.broker.up = true;
        self.trace(m, TraceKind::BrokerUp);
        for q in 0..self.broker.queues.len() {
            self.dispatch(m, q as QueueId);
        }
    }

    pub(super) fn publish(
        &mut self,
        m: &Model,
        dest: Destination,
        o: OrderKey,
        label: u16,
    ) -> bool {
        let queues: Vec<QueueId> = match dest {
            Destination::Queue(q) => vec![q],
            Destination::Exchange(x) => m.exchanges[x as usize].queues.clone(),
        };
        let mut ok = true;
        let order_id = self.order_id(o);
        for q in queues {
            let qs = &mut self.broker.queues[q as usize];
            if qs.held() >= m.queues[q as usize].capacity as usize {
                qs.counters.refused += 1;
                ok = false;
                continue;
            }
            self.broker.next_seq += 1;
            let msg = QueuedMsg {
                order: o,
                order_id,
                label,
                attempts: 0,
                enqueued_at: self.now,
                seq: self.broker.next_seq,
            };
            qs.counters.published += 1;
            qs.push_ready(msg);
            self.hold(o);
            self.trace(
                m,
                TraceKind::Enqueued {
                    queue: q,
                    order: order_id,
                },
            );
            self.dispatch(m, q);
        }
        ok
    }

    pub(super) fn unack(&mut self, q: QueueId, replica: u16) {
        if let Some(c) = self.broker.consumer_of[q as usize]
            && let Some(n) = self.broker.consumers[c as usize]
                .unacked
                .get_mut(replica as usize)
        {
            *n = n.saturating_sub(1);
        }
    }

    pub(super) fn on_ack(&mut self, m: &Model, q: QueueId, k: InflightKey, ok: bool) {
        let Some(f) = self.broker.queues[q as usize].inflight.remove(k) else {
            // Already redelivered (visibility timeout) or lost in a restart.
            return self.late();
        };
        self.unack(q, f.replica);
        if ok {
            self.broker.queues[q as usize].counters.acked += 1;
            self.release(m, f.msg.order);
        } else {
            self.failed_delivery(m, q, f.msg, Reason::Error);
        }
        self.dispatch(m, q);
    }

    /// A delivery was rejected or timed out: schedule another, or dead-letter.
    pub(super) fn failed_delivery(
        &mut self,
        m: &Model,
        q: QueueId,
        msg: QueuedMsg,
        reason: Reason,
    ) {
        let qm = &m.queues[q as usize];
        if msg.attempts >= qm.max_deliveries {
            return self.dead_letter(m, q, msg, Reason::MaxDeliveries);
        }
        let delay = qm
            .redelivery_backoff
            .delay_us(msg.attempts.saturating_sub(1), &mut self.rng);
        let due = self.now.plus_micros(delay);
        let qs = &mut self.broker.queues[q as usize];
        qs.counters.redelivered += 1;
        qs.push_delayed(due, msg);
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

    pub(super) fn dead_letter(&mut self, m: &Model, q: QueueId, msg: QueuedMsg, reason: Reason) {
        self.broker.queues[q as usize].counters.dead_lettered += 1;
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
        if let Some(d) = m.queues[q as usize].dead_letter {
            let dq = &mut self.broker.queues[d as usize];
            if dq.held() < m.queues[d as usize].capacity as usize {
                dq.counters.published += 1;
                // Parked for inspection: it no longer keeps the order open.
                dq.push_ready(QueuedMsg {
                    order: OrderKey::default(),
                    ..msg
                });
            } else {
                dq.counters.refused += 1;
            }
        }
        self.release(m, msg.order);
    }

    /// Delivers ready messages of `q` to its consumer's replicas, within prefetch.
    pub(super) fn dispatch(&mut self, m: &Model, q: QueueId) {
        // Every broker operation ends in a dispatch: its books must balance.
        debug_assert_eq!(self.broker.accounts_for(m, q as usize), Ok(()));
        if !self.broker.up {
            return;
        }
        let Some(c) = self.broker.consumer_of[q as usize] else {
            return;
        };
        let cm = &m.consumers[c as usize];
        let svc = cm.service;
        if !self.services[svc as usize].up {
            return;
        }
        if cm
            .pause_while_open
            .is_some_and(|b| self.breakers[b as usize].state() == BreakerState::Open)
        {
            return;
        }
        let ttl = m.queues[q as usize].ttl_us;
        let visibility = m.queues[q as usize].visibility_timeout_us;
        let Some(broker) = m.broker_service else {
            return;
        };
        loop {
            // Expired messages leave from the front (the oldest first).
            if let Some(ttl) = ttl {
                while let Some(front) = self.broker.queues[q as usize].ready.front() {
                    if self.now.since(front.enqueued_at) < ttl {
                        break;
                    }
                    let msg = self.broker.queues[q as usize]
                        .ready
                        .pop_front()
                        .expect("peeked");
                    self.dead_letter(m, q, msg, Reason::Expired);
                }
            }
            if self.broker.queues[q as usize].ready.is_empty() {
                return;
            }
            let active = self.services[svc as usize].active_replicas as usize;
            let cs = &mut self.broker.consumers[c as usize];
            if cs.unacked.len() < self.services[svc as usize].replicas.len() {
                cs.unacked
                    .resize(self.services[svc as usize].replicas.len(), 0);
            }
            let eligible = |r: usize| cs.unacked[r] < cm.prefetch;
            let pick = match cm.dispatch {
                Dispatch::RoundRobin => (0..active)
                    .map(|i| (cs.next_replica + i) % active)
                    .find(|&r| eligible(r)),
                Dispatch::LeastBusy => (0..active)
                    .filter(|&r| eligible(r))
                    .min_by_key(|&r| (cs.unacked[r], r)),
            };
            let Some(r) = pick else { return };
            cs.next_replica = (r + 1) % active.max(1);
            cs.unacked[r] += 1;
            let qs = &mut self.broker.queues[q as usize];
            let mut msg = qs.ready.pop_front().expect("non-empty");
            msg.attempts += 1;
            qs.counters.delivered += 1;
            let k = qs.inflight.insert(Inflight {
                msg,
                replica: r as u16,
                handler: None,
            });
            let body = Body::Deliver {
                queue: q,
                inflight: k,
                attempt: msg.attempts,
                replica: r as u16,
                label: msg.label,
            };
            self.send(m, broker, svc, msg.order, body);
            self.timeout(visibility, Event::Visibility(q, k));
        }
    }

    /// A restart keeps durable messages, including those delivered and not
    /// yet acknowledged: they stay invisible until acknowledged or until
    /// their visibility timeout runs out, so a consumer still working on one
    /// is never joined by a second delivery. Transient queues lose everything.
    pub(super) fn restart_broker(&mut self, m: &Model, downtime_us: u64) {
        let mut lost = 0u32;
        for q in 0..self.broker.queues.len() {
            if m.queues[q].durable {
                continue;
            }
            if let Some(c) = self.broker.consumer_of[q] {
                self.broker.consumers[c as usize]
                    .unacked
                    .iter_mut()
                    .for_each(|n| *n = 0);
            }
            for msg in self.broker.queues[q].drain_all() {
                lost += 1;
                self.broker.queues[q].counters.lost += 1;
                if let Some(order) = self.orders.get_mut(msg.order) {
                    order.lost_messages += 1;
                }
                self.trace(
                    m,
                    TraceKind::MessageLost {
                        queue: q as QueueId,
                        order: msg.order_id,
                    },
                );
                // Parked dead letters hold no reference to their order.
                if !m.queues[q].is_dead_letter_queue {
                    self.release(m, msg.order);
                }
            }
        }
        self.trace(m, TraceKind::BrokerRestart { lost });
        debug_assert!(
            (0..self.broker.queues.len()).all(|q| self.broker.accounts_for(m, q).is_ok())
        );
        self.broker.up = false;
        self.after(downtime_us, Event::BrokerUp);
    }
}
