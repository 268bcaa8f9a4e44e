//! A broker queue's storage: messages ready for delivery, those delivered
//! and not yet acknowledged, and those waiting for a redelivery, with the
//! queue's counters.
//!
//! Only data and small operations live here; when to deliver, to whom, and
//! what happens to the orders is decided in `broker/mod.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use serde::Serialize;
use slotmap::SlotMap;

use crate::ids::{ActKey, InflightKey, MessageNameId, OrderId, OrderKey, ReplicaId};
use crate::time::SimTime;

/// A message stored in a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuedMsg {
    pub order: OrderKey,
    /// The order's id (kept for display after the order is gone).
    pub order_id: OrderId,
    /// Index into the model's message names.
    pub label: MessageNameId,
    /// Deliveries so far.
    pub attempts: u32,
    pub enqueued_at: SimTime,
    /// Arrival order, for stable ordering of redeliveries.
    pub seq: u64,
}

/// A message delivered to a consumer replica, waiting for its ack.
#[derive(Clone, Copy, Debug)]
pub struct Inflight {
    pub msg: QueuedMsg,
    pub replica: ReplicaId,
    /// The handler working on it, once the delivery arrived. While it lives,
    /// the consumer keeps extending the visibility timeout (a heartbeat), so
    /// slow work is not delivered twice; if the consumer dies, the message
    /// comes back when the timeout runs out.
    pub handler: Option<ActKey>,
}

/// A message waiting for its redelivery time.
#[derive(Clone, Copy, Debug)]
struct Delayed {
    due: SimTime,
    msg: QueuedMsg,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.msg.seq) == (other.due, other.msg.seq)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.msg.seq).cmp(&(other.due, other.msg.seq))
    }
}

/// Counters of one queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounters {
    /// Messages stored (publishes accepted, dead letters received).
    pub published: u64,
    pub delivered: u64,
    pub acked: u64,
    /// Deliveries that failed or timed out and were scheduled again.
    pub redelivered: u64,
    /// Visibility timeouts extended because the consumer was still working.
    pub extended: u64,
    /// Messages that left unconsumed (max deliveries or TTL).
    pub dead_lettered: u64,
    /// Of those, the ones whose TTL ran out before a delivery.
    pub expired: u64,
    /// Messages lost (transient, on a broker restart).
    pub lost: u64,
    /// Publishes refused because the queue was full.
    pub refused: u64,
    pub max_depth: u32,
}

/// One queue's state.
#[derive(Clone, Debug, Default)]
pub struct QueueState {
    pub ready: VecDeque<QueuedMsg>,
    delayed: BinaryHeap<Reverse<Delayed>>,
    pub inflight: SlotMap<InflightKey, Inflight>,
    pub counters: QueueCounters,
}

impl QueueState {
    /// Messages held: ready, delayed and unacknowledged.
    pub fn held(&self) -> usize {
        self.ready.len() + self.delayed.len() + self.inflight.len()
    }

    /// Messages waiting to be delivered (ready + delayed).
    pub fn waiting(&self) -> usize {
        self.ready.len() + self.delayed.len()
    }

    /// Appends a message to the ready list.
    pub fn push_ready(&mut self, msg: QueuedMsg) {
        self.ready.push_back(msg);
        self.counters.max_depth = self.counters.max_depth.max(self.waiting() as u32);
    }

    /// Holds `msg` back until `due`.
    pub fn push_delayed(&mut self, due: SimTime, msg: QueuedMsg) {
        self.delayed.push(Reverse(Delayed { due, msg }));
    }

    /// Moves every delayed message due at `now` to the ready list, in due order.
    pub fn release_due(&mut self, now: SimTime) {
        while self.delayed.peek().is_some_and(|d| d.0.due <= now) {
            let d = self.delayed.pop().expect("peeked").0;
            self.ready.push_back(d.msg);
        }
    }

    /// Removes every stored message (ready, delayed, in flight), in a stable
    /// order: in flight by key, then delayed by due time, then ready.
    pub fn drain_all(&mut self) -> Vec<QueuedMsg> {
        let mut out: Vec<QueuedMsg> = self.inflight.drain().map(|(_, f)| f.msg).collect();
        // A min-heap of `Reverse`: its sorted vec runs from the latest due.
        let delayed = std::mem::take(&mut self.delayed).into_sorted_vec();
        out.extend(delayed.into_iter().rev().map(|d| d.0.msg));
        out.extend(self.ready.drain(..));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: u64) -> QueuedMsg {
        QueuedMsg {
            order: OrderKey::default(),
            order_id: OrderId(seq),
            label: MessageNameId::new(0),
            attempts: 0,
            enqueued_at: SimTime::ZERO,
            seq,
        }
    }

    #[test]
    fn delayed_messages_come_back_in_due_order() {
        let mut q = QueueState::default();
        q.push_delayed(SimTime(30), msg(1));
        q.push_delayed(SimTime(10), msg(2));
        q.push_delayed(SimTime(10), msg(3));
        assert_eq!(q.held(), 3);
        q.release_due(SimTime(20));
        let seqs: Vec<u64> = q.ready.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [2, 3]);
        q.release_due(SimTime(30));
        assert_eq!(q.ready.len(), 3);
    }

    #[test]
    fn drain_all_empties_every_part_in_a_stable_order() {
        let mut q = QueueState::default();
        q.push_ready(msg(5));
        q.push_delayed(SimTime(9), msg(4));
        q.inflight.insert(Inflight {
            msg: msg(2),
            replica: ReplicaId::new(0),
            handler: None,
        });
        let seqs: Vec<u64> = q.drain_all().iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [2, 4, 5]);
        assert_eq!(q.held(), 0);
    }
}
