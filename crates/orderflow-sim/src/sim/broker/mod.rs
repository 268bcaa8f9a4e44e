//! The message broker: publishing to queues (directly or through an
//! exchange), dispatch to competing consumer replicas within prefetch,
//! acknowledgements, the visibility timeout, redelivery with backoff, dead
//! letters (after the maximum deliveries, or the TTL), and restarts.
//!
//! Three layers, each in its file:
//! - `queue.rs`: one queue's storage (ready, delayed and unacknowledged
//!   messages, counters);
//! - this file: [`Broker`], which owns every queue, the consumers'
//!   unacknowledged counts and whether the broker is up, and decides what
//!   needs nothing else: whether a publish fits, which replica takes the next
//!   delivery within prefetch, which messages expired, whether a failed
//!   delivery is redelivered or dead-lettered, what a restart loses;
//! - `flow.rs`: the `impl World` block for what crosses parts (messages on
//!   the wire, handlers that consume, orders held and released, timers, the
//!   trace).

mod flow;
pub mod queue;

use crate::ids::*;
use crate::model::{ConsumerModel, QueueModel};
use crate::scenario::Dispatch;
use crate::time::SimTime;
use queue::{Inflight, QueueCounters, QueueState, QueuedMsg};

/// A consumer's running state.
#[derive(Clone, Debug, Default)]
struct ConsumerState {
    /// Unacknowledged deliveries per replica.
    unacked: IdVec<ReplicaId, u32>,
    next_replica: usize,
}

impl ConsumerState {
    /// The replica that takes the next delivery, counted as unacknowledged
    /// there: one of the first `active` of the service's `replicas` with
    /// fewer than `prefetch` deliveries unacknowledged, taken round robin
    /// from the last pick or the least busy (lowest first on a tie). `None`
    /// when every active replica is at its prefetch.
    fn pick_replica(
        &mut self,
        dispatch: Dispatch,
        prefetch: u32,
        active: usize,
        replicas: usize,
    ) -> Option<ReplicaId> {
        if self.unacked.len() < replicas {
            self.unacked.resize(replicas, 0);
        }
        let unacked = self.unacked.as_slice();
        let eligible = |r: usize| unacked[r] < prefetch;
        let pick = match dispatch {
            Dispatch::RoundRobin => (0..active)
                .map(|i| (self.next_replica + i) % active)
                .find(|&r| eligible(r)),
            Dispatch::LeastBusy => (0..active)
                .filter(|&r| eligible(r))
                .min_by_key(|&r| (unacked[r], r)),
        }?;
        let r = ReplicaId::from_index(pick)?;
        self.next_replica = (pick + 1) % active.max(1);
        self.unacked[r] += 1;
        Some(r)
    }
}

/// A queue as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueView {
    pub ready: u32,
    pub delayed: u32,
    pub inflight: u32,
    pub counters: QueueCounters,
}

/// A message handed to a consumer replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Delivery {
    pub msg: QueuedMsg,
    pub inflight: InflightKey,
    pub replica: ReplicaId,
}

/// What becomes of a delivery that failed (rejected or timed out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fate {
    /// Back to the queue after a backoff, for another delivery.
    Redeliver,
    /// Delivered the maximum number of times: it leaves the queue.
    DeadLetter,
}

/// The broker's state: its queues, the consumer of each and its
/// unacknowledged counts, and whether it is up.
#[derive(Clone, Debug)]
pub(super) struct Broker {
    up: bool,
    queues: IdVec<QueueId, QueueState>,
    consumers: IdVec<ConsumerId, ConsumerState>,
    /// The consumer of each queue, if any.
    consumer_of: IdVec<QueueId, Option<ConsumerId>>,
    /// Arrival counter of published messages (stable redelivery order).
    next_seq: u64,
}

impl Broker {
    /// A broker of `queues` empty queues and `consumers`, each starting with
    /// `replicas(service)` replicas.
    pub fn new(
        queues: usize,
        consumers: &IdVec<ConsumerId, ConsumerModel>,
        replicas: impl Fn(ServiceId) -> u32,
    ) -> Broker {
        let mut consumer_of: IdVec<QueueId, Option<ConsumerId>> = vec![None; queues].into();
        for (i, c) in consumers.iter_enumerated() {
            consumer_of[c.queue] = Some(i);
        }
        Broker {
            up: true,
            queues: vec![QueueState::default(); queues].into(),
            consumers: consumers
                .iter()
                .map(|c| ConsumerState {
                    unacked: vec![0; replicas(c.service) as usize].into(),
                    next_replica: 0,
                })
                .collect(),
            consumer_of,
            next_seq: 0,
        }
    }

    // ----- getters -----

    /// True while the broker takes traffic.
    #[inline]
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Every queue's id.
    pub fn queue_ids(&self) -> impl Iterator<Item = QueueId> + Clone + use<> {
        self.queues.ids()
    }

    /// Every queue's storage, in queue order.
    pub fn queues(&self) -> impl Iterator<Item = &QueueState> {
        self.queues.iter()
    }

    /// The consumer of queue `q`, if it has one.
    #[inline]
    pub fn consumer_of(&self, q: QueueId) -> Option<ConsumerId> {
        self.consumer_of[q]
    }

    /// True while delivery `k` of queue `q` waits for its acknowledgement.
    #[inline]
    pub fn in_flight(&self, q: QueueId, k: InflightKey) -> bool {
        self.queues[q].inflight.contains_key(k)
    }

    /// The handler working on delivery `k` of queue `q`: `None` if the
    /// delivery is no longer in flight, `Some(None)` before it arrived.
    pub fn worker_of(&self, q: QueueId, k: InflightKey) -> Option<Option<ActKey>> {
        self.queues[q].inflight.get(k).map(|f| f.handler)
    }

    /// Queue `q` as seen from outside.
    pub fn view(&self, q: QueueId) -> QueueView {
        let qs = &self.queues[q];
        QueueView {
            ready: qs.ready.len() as u32,
            delayed: (qs.waiting() - qs.ready.len()) as u32,
            inflight: qs.inflight.len() as u32,
            counters: qs.counters,
        }
    }

    /// Checks that queue `q` (of model `qm`) accounts for every message it
    /// stored: each is acknowledged, dead-lettered, lost in a restart, or
    /// still held (ready, delayed or in flight). Dead-letter queues too:
    /// what they receive is counted as published.
    pub fn accounts_for(&self, q: QueueId, qm: &QueueModel) -> Result<(), String> {
        let qs = &self.queues[q];
        let c = qs.counters;
        let accounted = c.acked + c.dead_lettered + c.lost + qs.held() as u64;
        if c.published == accounted {
            return Ok(());
        }
        Err(format!(
            "queue {} loses messages: published {} != acked {} + dead {} + lost {} + held {}",
            qm.id,
            c.published,
            c.acked,
            c.dead_lettered,
            c.lost,
            qs.held()
        ))
    }

    /// Every queue's books balance ([`Broker::accounts_for`]), a durable
    /// queue has lost nothing, and none holds more than its capacity.
    pub fn check(&self, models: &IdVec<QueueId, QueueModel>) -> Result<(), String> {
        for (q, qs) in self.queues.iter_enumerated() {
            let qm = &models[q];
            self.accounts_for(q, qm)?;
            let lost = qs.counters.lost;
            if qm.durable && lost > 0 {
                return Err(format!("durable queue {} lost {lost} messages", qm.id));
            }
            if qs.held() > qm.capacity as usize {
                return Err(format!("queue {} over capacity", qm.id));
            }
        }
        Ok(())
    }

    /// What becomes of a delivery of `msg` from queue `qm` that failed.
    pub fn fate(qm: &QueueModel, msg: &QueuedMsg) -> Fate {
        if msg.attempts >= qm.max_deliveries {
            Fate::DeadLetter
        } else {
            Fate::Redeliver
        }
    }

    // ----- changes -----

    /// Stores a message of order `order` (`order_id`) in queue `q` (of
    /// model `qm`) at `now`, unless the queue is full (counted as refused).
    /// Returns the message stored.
    pub fn publish(
        &mut self,
        q: QueueId,
        qm: &QueueModel,
        order: OrderKey,
        order_id: OrderId,
        label: MessageNameId,
        now: SimTime,
    ) -> Option<QueuedMsg> {
        let qs = &mut self.queues[q];
        if qs.held() >= qm.capacity as usize {
            qs.counters.refused += 1;
            return None;
        }
        self.next_seq += 1;
        let msg = QueuedMsg {
            order,
            order_id,
            label,
            attempts: 0,
            enqueued_at: now,
            seq: self.next_seq,
        };
        qs.counters.published += 1;
        qs.push_ready(msg);
        Some(msg)
    }

    /// Takes the message at the front of queue `q` if it has waited `ttl_us`
    /// or longer at `now` (the oldest expire first).
    pub fn expire_front(&mut self, q: QueueId, ttl_us: u64, now: SimTime) -> Option<QueuedMsg> {
        let ready = &mut self.queues[q].ready;
        if now.since(ready.front()?.enqueued_at) < ttl_us {
            return None;
        }
        ready.pop_front()
    }

    /// Hands the next ready message of queue `q` to a replica of its
    /// consumer (`cm`), one of `active` of `replicas`, within prefetch. It
    /// waits in flight for its acknowledgement. `None` when nothing is ready
    /// or every replica is at its prefetch.
    pub fn deliver_next(
        &mut self,
        q: QueueId,
        c: ConsumerId,
        cm: &ConsumerModel,
        (active, replicas): (usize, usize),
    ) -> Option<Delivery> {
        if self.queues[q].ready.is_empty() {
            return None;
        }
        let cs = &mut self.consumers[c];
        let replica = cs.pick_replica(cm.dispatch, cm.prefetch, active, replicas)?;
        let qs = &mut self.queues[q];
        let mut msg = qs.ready.pop_front().expect("non-empty");
        msg.attempts += 1;
        qs.counters.delivered += 1;
        let inflight = qs.inflight.insert(Inflight {
            msg,
            replica,
            handler: None,
        });
        Some(Delivery {
            msg,
            inflight,
            replica,
        })
    }

    /// Notes that handler `a` works on delivery `k` of queue `q`.
    pub fn set_worker(&mut self, q: QueueId, k: InflightKey, a: Option<ActKey>) {
        if let Some(f) = self.queues[q].inflight.get_mut(k) {
            f.handler = a;
        }
    }

    /// The consumer still works on a delivery of queue `q`: its visibility
    /// timeout is extended (counted).
    pub fn extend(&mut self, q: QueueId) {
        self.queues[q].counters.extended += 1;
    }

    /// Delivery `k` of queue `q` ends (acknowledged when `acked`, else
    /// rejected or timed out): it leaves the in-flight set and its
    /// replica's unacknowledged count. `None` if it already had (a late
    /// answer).
    pub fn settle(&mut self, q: QueueId, k: InflightKey, acked: bool) -> Option<QueuedMsg> {
        let f = self.queues[q].inflight.remove(k)?;
        if let Some(c) = self.consumer_of[q]
            && let Some(n) = self.consumers[c].unacked.get_mut(f.replica)
        {
            *n = n.saturating_sub(1);
        }
        if acked {
            self.queues[q].counters.acked += 1;
        }
        Some(f.msg)
    }

    /// A failed delivery of `msg` goes back to queue `q` at `due`.
    pub fn redeliver_at(&mut self, q: QueueId, due: SimTime, msg: QueuedMsg) {
        let qs = &mut self.queues[q];
        qs.counters.redelivered += 1;
        qs.push_delayed(due, msg);
    }

    /// Messages of queue `q` whose redelivery is due at `now` are ready.
    pub fn release_due(&mut self, q: QueueId, now: SimTime) {
        self.queues[q].release_due(now);
    }

    /// `msg` leaves queue `q` unconsumed (`expired`: its time to live ran
    /// out, counted apart too). It is parked in the dead-letter
    /// queue `dlq` (with its model), if any and if that has room, where it
    /// no longer stands for its order.
    pub fn dead_letter(
        &mut self,
        q: QueueId,
        msg: QueuedMsg,
        expired: bool,
        dlq: Option<(QueueId, &QueueModel)>,
    ) {
        let counters = &mut self.queues[q].counters;
        counters.dead_lettered += 1;
        if expired {
            counters.expired += 1;
        }
        let Some((d, dm)) = dlq else { return };
        let dq = &mut self.queues[d];
        if dq.held() < dm.capacity as usize {
            dq.counters.published += 1;
            dq.push_ready(QueuedMsg {
                order: OrderKey::default(),
                ..msg
            });
        } else {
            dq.counters.refused += 1;
        }
    }

    /// The broker restarts and goes down: every queue that is not
    /// `durable` loses all it holds (counted as lost) and its consumer's
    /// replicas hold nothing unacknowledged any more. Durable queues keep
    /// everything, deliveries in flight included. Returns what was lost, in
    /// queue order.
    pub fn restart(&mut self, durable: impl Fn(QueueId) -> bool) -> Vec<(QueueId, QueuedMsg)> {
        let mut lost = Vec::new();
        for q in self.queues.ids() {
            if durable(q) {
                continue;
            }
            if let Some(c) = self.consumer_of[q] {
                self.consumers[c].unacked.iter_mut().for_each(|n| *n = 0);
            }
            let qs = &mut self.queues[q];
            let drained = qs.drain_all();
            qs.counters.lost += drained.len() as u64;
            lost.extend(drained.into_iter().map(|msg| (q, msg)));
        }
        self.up = false;
        lost
    }

    /// The broker is back after a restart.
    pub fn come_back(&mut self) {
        self.up = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BackoffModel;
    use slotmap::SlotMap;

    const Q: QueueId = QueueId::new(0);
    const DLQ: QueueId = QueueId::new(1);
    const C: ConsumerId = ConsumerId::new(0);

    fn queue(capacity: u32, max_deliveries: u32) -> QueueModel {
        QueueModel {
            id: "q".into(),
            durable: false,
            capacity,
            visibility_timeout_us: 1_000,
            max_deliveries,
            redelivery_backoff: BackoffModel {
                base_us: 10,
                max_us: 10,
                jitter: 0.0,
                kind: None,
            },
            ttl_us: None,
            dead_letter: Some(DLQ),
            rollback: None,
            is_dead_letter_queue: false,
            leads_to_outcome: true,
        }
    }

    fn consumer(dispatch: Dispatch, prefetch: u32) -> ConsumerModel {
        ConsumerModel {
            queue: Q,
            handler: HandlerId::new(0),
            service: ServiceId::new(0),
            dispatch,
            prefetch,
            pause_while_open: None,
        }
    }

    /// A broker with queue `Q`, consumed by `cm` on `replicas` replicas, and
    /// an unconsumed queue `DLQ`.
    fn broker(cm: &ConsumerModel, replicas: u32) -> Broker {
        let consumers: IdVec<ConsumerId, ConsumerModel> = vec![cm.clone()].into();
        Broker::new(2, &consumers, |_| replicas)
    }

    fn publish(b: &mut Broker, qm: &QueueModel, n: u64, now: SimTime) -> Vec<QueuedMsg> {
        let mut orders: SlotMap<OrderKey, ()> = SlotMap::with_key();
        (1..=n)
            .filter_map(|i| {
                let o = orders.insert(());
                b.publish(Q, qm, o, OrderId(i), MessageNameId::new(0), now)
            })
            .collect()
    }

    fn replicas_of(b: &mut Broker, cm: &ConsumerModel, active: usize, n: usize) -> Vec<usize> {
        std::iter::from_fn(|| b.deliver_next(Q, C, cm, (active, active)))
            .take(n)
            .map(|d| d.replica.index())
            .collect()
    }

    #[test]
    fn a_full_queue_refuses_a_publish() {
        let qm = queue(2, 5);
        let mut b = broker(&consumer(Dispatch::RoundRobin, 1), 1);
        assert_eq!(publish(&mut b, &qm, 3, SimTime::ZERO).len(), 2);
        let c = b.view(Q).counters;
        assert_eq!((c.published, c.refused, b.view(Q).ready), (2, 1, 2));
    }

    #[test]
    fn round_robin_deliveries_stop_at_the_prefetch_and_an_ack_frees_one() {
        let cm = consumer(Dispatch::RoundRobin, 1);
        let qm = queue(10, 5);
        let mut b = broker(&cm, 2);
        publish(&mut b, &qm, 4, SimTime::ZERO);
        let first = b.deliver_next(Q, C, &cm, (2, 2)).unwrap();
        assert_eq!(first.replica.index(), 0);
        assert_eq!(first.msg.attempts, 1);
        assert_eq!(replicas_of(&mut b, &cm, 2, 9), [1], "then both are full");
        assert_eq!(b.view(Q).inflight, 2);
        assert!(b.in_flight(Q, first.inflight));
        let acked = b.settle(Q, first.inflight, true).unwrap();
        assert_eq!(acked.order_id, OrderId(1));
        assert_eq!(b.settle(Q, first.inflight, true), None, "a late ack");
        assert_eq!(replicas_of(&mut b, &cm, 2, 9), [0]);
        assert_eq!(b.view(Q).counters.acked, 1);
    }

    #[test]
    fn least_busy_fills_the_emptiest_replica_first() {
        let cm = consumer(Dispatch::LeastBusy, 2);
        let qm = queue(10, 5);
        let mut b = broker(&cm, 3);
        publish(&mut b, &qm, 7, SimTime::ZERO);
        // Only two of three replicas take work (the third is draining).
        assert_eq!(replicas_of(&mut b, &cm, 2, 9), [0, 1, 0, 1]);
        assert_eq!(b.view(Q).ready, 3);
    }

    #[test]
    fn messages_past_their_ttl_expire_from_the_front() {
        let qm = queue(10, 5);
        let mut b = broker(&consumer(Dispatch::RoundRobin, 1), 1);
        publish(&mut b, &qm, 1, SimTime(0));
        publish(&mut b, &qm, 1, SimTime(50));
        assert_eq!(b.expire_front(Q, 100, SimTime(99)), None);
        let old = b.expire_front(Q, 100, SimTime(100)).unwrap();
        assert_eq!(old.enqueued_at, SimTime(0));
        assert_eq!(
            b.expire_front(Q, 100, SimTime(100)),
            None,
            "the newer one stays"
        );
    }

    #[test]
    fn a_failed_delivery_is_redelivered_until_the_maximum_then_dead_lettered() {
        let cm = consumer(Dispatch::RoundRobin, 5);
        let qm = queue(10, 2);
        let dlq = QueueModel {
            id: "dlq".into(),
            capacity: 1,
            dead_letter: None,
            is_dead_letter_queue: true,
            ..queue(1, 1)
        };
        let mut b = broker(&cm, 1);
        publish(&mut b, &qm, 2, SimTime::ZERO);
        let mut dead = 0;
        for round in 0..8 {
            let Some(d) = b.deliver_next(Q, C, &cm, (1, 1)) else {
                b.release_due(Q, SimTime(round * 100));
                continue;
            };
            let msg = b.settle(Q, d.inflight, false).unwrap();
            match Broker::fate(&qm, &msg) {
                Fate::Redeliver => b.redeliver_at(Q, SimTime(round * 100 + 10), msg),
                Fate::DeadLetter => {
                    dead += 1;
                    b.dead_letter(Q, msg, false, Some((DLQ, &dlq)));
                }
            }
        }
        // Both messages: delivered twice, then dead-lettered.
        let c = b.view(Q).counters;
        assert_eq!((c.delivered, c.redelivered, c.dead_lettered), (4, 2, 2));
        assert_eq!(dead, 2);
        // The dead-letter queue had room for one.
        let d = b.view(DLQ);
        assert_eq!(
            (d.ready, d.counters.published, d.counters.refused),
            (1, 1, 1)
        );
        assert_eq!(b.accounts_for(Q, &qm), Ok(()));
    }

    #[test]
    fn a_restart_loses_what_transient_queues_hold_and_keeps_durable_ones() {
        let cm = consumer(Dispatch::RoundRobin, 1);
        let qm = queue(10, 5);
        let mut b = broker(&cm, 1);
        publish(&mut b, &qm, 3, SimTime::ZERO);
        let d = b.deliver_next(Q, C, &cm, (1, 1)).unwrap();
        let kept = b.clone();
        let lost = b.restart(|_| false);
        assert_eq!(lost.len(), 3, "ready and in flight");
        assert_eq!(lost[0].1.order_id, d.msg.order_id, "in flight first");
        assert!(!b.is_up());
        assert_eq!(b.view(Q).counters.lost, 3);
        assert_eq!(b.accounts_for(Q, &qm), Ok(()));
        // The replica's prefetch is free again.
        publish(&mut b, &qm, 1, SimTime(5));
        b.come_back();
        assert!(b.deliver_next(Q, C, &cm, (1, 1)).is_some());

        let mut durable = kept;
        assert!(durable.restart(|q| q == Q).is_empty());
        assert!(durable.in_flight(Q, d.inflight));
    }

    #[test]
    fn a_books_imbalance_names_the_queue() {
        let qm = queue(10, 5);
        let mut b = broker(&consumer(Dispatch::RoundRobin, 1), 1);
        publish(&mut b, &qm, 1, SimTime::ZERO);
        b.queues[Q].ready.clear();
        let err = b.accounts_for(Q, &qm).unwrap_err();
        assert!(err.starts_with("queue q loses messages"), "{err}");
        let models: IdVec<QueueId, QueueModel> = vec![qm.clone(), qm].into();
        assert_eq!(b.check(&models), Err(err));
    }
}
