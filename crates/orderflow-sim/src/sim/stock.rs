//! Stock: per SKU, units available, reserved for an order, or shipped.
//! Every movement goes through [`Stock::move_units`], which keeps each
//! counter from going negative and the SKU's total unchanged.

use crate::ids::{IdVec, SkuId};

/// Stock of one SKU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StockLevel {
    pub available: u64,
    pub reserved: u64,
    pub shipped: u64,
}

/// One of a SKU's three counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Counter {
    Available,
    Reserved,
    Shipped,
}

impl StockLevel {
    fn counter(&mut self, c: Counter) -> &mut u64 {
        match c {
            Counter::Available => &mut self.available,
            Counter::Reserved => &mut self.reserved,
            Counter::Shipped => &mut self.shipped,
        }
    }

    /// Units of the SKU in all: constant over a run.
    pub fn total(&self) -> u64 {
        self.available + self.reserved + self.shipped
    }
}

/// The stock of every SKU, in the model's SKU order.
#[derive(Clone, Debug)]
pub(super) struct Stock {
    levels: IdVec<SkuId, StockLevel>,
}

impl Stock {
    /// Stock with `initial` units available per SKU.
    pub fn new(initial: impl Iterator<Item = u64>) -> Stock {
        Stock {
            levels: initial
                .map(|n| StockLevel {
                    available: n,
                    ..StockLevel::default()
                })
                .collect(),
        }
    }

    pub fn levels(&self) -> &IdVec<SkuId, StockLevel> {
        &self.levels
    }

    /// Moves `qty` units of `sku` from one counter to another. Refuses
    /// (returns false, changes nothing) when `from` holds fewer than `qty`.
    pub fn move_units(&mut self, sku: SkuId, qty: u64, from: Counter, to: Counter) -> bool {
        let level = &mut self.levels[sku];
        let total = level.total();
        let source = level.counter(from);
        if *source < qty {
            return false;
        }
        *source -= qty;
        *level.counter(to) += qty;
        debug_assert_eq!(level.total(), total, "stock of sku {sku} is conserved");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: SkuId = SkuId::new(0);
    const B: SkuId = SkuId::new(1);

    #[test]
    fn units_move_between_counters_and_the_total_stays() {
        let mut s = Stock::new([5, 1].into_iter());
        assert!(s.move_units(A, 3, Counter::Available, Counter::Reserved));
        assert!(s.move_units(A, 2, Counter::Reserved, Counter::Shipped));
        assert!(s.move_units(A, 1, Counter::Shipped, Counter::Reserved));
        assert_eq!(
            s.levels()[A],
            StockLevel {
                available: 2,
                reserved: 2,
                shipped: 1
            }
        );
        assert_eq!(s.levels()[B].total(), 1, "other SKUs untouched");
    }

    #[test]
    fn a_move_larger_than_the_source_is_refused_and_changes_nothing() {
        let mut s = Stock::new([2].into_iter());
        assert!(!s.move_units(A, 3, Counter::Available, Counter::Reserved));
        assert!(!s.move_units(A, 1, Counter::Reserved, Counter::Available));
        assert_eq!(s.levels()[A].available, 2);
        assert_eq!(s.levels()[A].total(), 2);
    }
}
