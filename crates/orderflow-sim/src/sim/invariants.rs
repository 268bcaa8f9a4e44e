//! The invariants that hold between any two events, checked in full by
//! [`crate::Sim::check_invariants`] (the tests run it after every event of
//! their seed sweeps). Cheaper ones are asserted where state changes.

use super::world::World;
use crate::model::Model;

impl World {
    pub(super) fn check_invariants(&self, m: &Model) -> Result<(), String> {
        // Stock is conserved per SKU.
        for (i, (name, initial)) in m.skus.iter_enumerated() {
            let l = self.stock.levels()[i];
            if l.available + l.reserved + l.shipped != u64::from(*initial) {
                return Err(format!(
                    "stock of {name} not conserved: {l:?}, initial {initial}"
                ));
            }
        }
        // Queue accounting: every stored message is waiting, in flight, acked,
        // dead-lettered or lost.
        for (q, qs) in self.broker.queues.iter_enumerated() {
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
        for (s, st) in self.services.iter_enumerated() {
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
}
