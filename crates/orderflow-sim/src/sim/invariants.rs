//! The invariants that hold between any two events, checked in full by
//! [`crate::Sim::check_invariants`] (the tests run it after every event of
//! their seed sweeps). Cheaper ones are asserted where state changes.

use super::world::World;
use crate::model::Model;
use crate::order::OrderState;

/// The money of settled orders (they leave the live table), so the
/// payment counters can be checked against every order, live or settled.
#[derive(Clone, Debug, Default)]
pub(super) struct Audit {
    captured: u64,
    refunded: u64,
}

impl Audit {
    pub fn settled(&mut self, o: &OrderState) {
        self.captured += u64::from(o.captured);
        self.refunded += u64::from(o.refunded);
    }
}

impl World {
    pub(super) fn check_invariants(&self, m: &Model) -> Result<(), String> {
        self.check_money()?;
        // Stock is conserved per SKU.
        for (i, (name, initial)) in m.skus.iter().enumerate() {
            let l = self.stock.levels()[i];
            if l.available + l.reserved + l.shipped != u64::from(*initial) {
                return Err(format!(
                    "stock of {name} not conserved: {l:?}, initial {initial}"
                ));
            }
        }
        // Breakers move only closed → open → half-open → closed or open.
        for (b, breaker) in self.breakers.iter().enumerate() {
            breaker
                .check()
                .map_err(|e| format!("{}: {e}", m.breakers[b].id))?;
        }
        // Queue accounting: every stored message is waiting, in flight, acked,
        // dead-lettered (unconsumed: too many deliveries or its TTL expired)
        // or lost.
        for (q, qs) in self.broker.queues.iter().enumerate() {
            self.broker.accounts_for(m, q)?;
            let c = qs.counters;
            if m.queues[q].durable && c.lost > 0 {
                return Err(format!(
                    "durable queue {} lost {} messages",
                    m.queues[q].id, c.lost
                ));
            }
            if qs.held() > m.queues[q].capacity as usize {
                return Err(format!("queue {} over capacity", m.queues[q].id));
            }
        }
        // No order captured twice, and service counters agree with replicas.
        for (s, st) in self.services.iter().enumerate() {
            let busy: u32 = st.replicas.iter().map(|r| r.busy).sum();
            let buffered: u32 = st.replicas.iter().map(|r| r.buffer.len() as u32).sum();
            if busy != st.busy || buffered != st.buffered {
                return Err(format!(
                    "service {} worker counts disagree",
                    m.services[s].id
                ));
            }
            if st.inbox.len() > m.services[s].queue_capacity as usize {
                return Err(format!(
                    "service {} request queue over capacity",
                    m.services[s].id
                ));
            }
        }
        if self.orders.len() > m.limits.max_live_orders as usize {
            return Err("more live orders than limits.max_live_orders".into());
        }
        Ok(())
    }

    /// Nobody is charged twice: the provider's captures count each order
    /// at most once (live or settled), and only captured money is refunded.
    fn check_money(&self) -> Result<(), String> {
        let (mut captured, mut refunded) = (self.audit.captured, self.audit.refunded);
        for o in self.orders.values() {
            if o.refunded && !o.captured {
                return Err(format!("o#{} refunded but never charged", o.id));
            }
            captured += u64::from(o.captured);
            refunded += u64::from(o.refunded);
        }
        let p = &self.metrics.payments;
        if p.captured != captured || p.refunded != refunded {
            return Err(format!(
                "payments: {} captured and {} refunded counted, but {captured} orders charged and {refunded} refunded",
                p.captured, p.refunded
            ));
        }
        Ok(())
    }
}
