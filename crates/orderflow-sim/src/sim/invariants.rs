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
        self.captured += u64::from(o.captures);
        self.refunded += u64::from(o.refunds);
    }
}

impl World {
    pub(super) fn check_invariants(&self, m: &Model) -> Result<(), String> {
        self.check_money()?;
        // Stock is conserved per SKU: only restocks and `set_stock` bring
        // units in or take them out, and both count them.
        for (i, (name, initial)) in m.skus.iter_enumerated() {
            let l = self.stock.levels()[i];
            if l.available + l.reserved + l.shipped != l.expected_total(u64::from(*initial)) {
                return Err(format!(
                    "stock of {name} not conserved: {l:?}, initial {initial}"
                ));
            }
        }
        // Breakers move only closed → open → half-open → closed or open.
        for (b, breaker) in self.breakers.iter_enumerated() {
            breaker
                .check()
                .map_err(|e| format!("{}: {e}", m.breakers[b].id))?;
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

    /// Nobody is charged twice: the provider's captures count each order
    /// at most once (live or settled), and only captured money is refunded.
    fn check_money(&self) -> Result<(), String> {
        let (mut captured, mut refunded) = (self.audit.captured, self.audit.refunded);
        for o in self.orders.values() {
            if o.refunds > o.captures {
                return Err(format!("o#{} refunded but never charged", o.id));
            }
            // A new payment attempt (a retry after a rollback) may capture
            // again, but only once the last capture was refunded.
            if o.captures > o.refunds + 1 {
                return Err(format!("o#{} charged twice", o.id));
            }
            captured += u64::from(o.captures);
            refunded += u64::from(o.refunds);
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
