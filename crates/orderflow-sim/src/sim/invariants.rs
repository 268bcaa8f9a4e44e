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
        // dead-lettered or lost; durable queues lose nothing; none overflows.
        self.broker.check(&m.queues)?;
        // Service counters agree with replicas, queues within capacity.
        self.services.check(&m.services)?;
        if self.orders.len() > m.limits.max_live_orders as usize {
            return Err("more live orders than limits.max_live_orders".into());
        }
        Ok(())
    }
}
