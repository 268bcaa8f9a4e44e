//! Stock: per SKU, units available, reserved for an order, or shipped.
//! Every movement between counters goes through [`Stock::move_units`],
//! which keeps each counter from going negative and the SKU's total
//! unchanged; units come in or go out only through [`Stock::restock`] and
//! [`Stock::set_available`], which count them (`added`, `removed`), so the
//! total always equals the initial units plus added minus removed.

use super::schedule::Event;
use super::world::World;
use crate::ids::{IdVec, SkuId};
use crate::model::Model;
use crate::trace::TraceKind;

/// Stock of one SKU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StockLevel {
    pub available: u64,
    pub reserved: u64,
    pub shipped: u64,
    /// Units that came in after the start (restocks, `set_stock` raising
    /// the count). Left out of the JSON while zero, so runs without stock
    /// changes report what they always did.
    #[serde(skip_serializing_if = "is_zero")]
    pub added: u64,
    /// Units written off by `set_stock` lowering the count.
    #[serde(skip_serializing_if = "is_zero")]
    pub removed: u64,
    /// Reservations refused because too few units were available (each
    /// changed nothing).
    #[serde(skip_serializing_if = "is_zero")]
    pub out_of_stock: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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

    /// Units of the SKU in all: only restocks and `set_stock` change it.
    pub fn total(&self) -> u64 {
        self.available + self.reserved + self.shipped
    }

    /// What the total must be: the initial units plus added minus removed.
    pub fn expected_total(&self, initial: u64) -> u64 {
        (initial + self.added).saturating_sub(self.removed)
    }
}

/// The stock of every SKU, in the model's SKU order.
#[derive(Clone, Debug)]
pub(super) struct Stock {
    levels: IdVec<SkuId, StockLevel>,
    /// Per restock schedule (the model's order): whether its next
    /// delivery is booked. A schedule whose shelf is full books none, so a
    /// run waiting on orders that never settle still runs out of events.
    booked: Vec<bool>,
}

impl Stock {
    /// Stock with `initial` units available per SKU, and `restocks`
    /// schedules, each booked at the start.
    pub fn new(initial: impl Iterator<Item = u64>, restocks: usize) -> Stock {
        Stock {
            levels: initial
                .map(|n| StockLevel {
                    available: n,
                    ..StockLevel::default()
                })
                .collect(),
            booked: vec![true; restocks],
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

    /// Moves `qty` available units of `sku` to reserved, or counts the
    /// refusal (and moves nothing) when fewer are available.
    pub fn reserve(&mut self, sku: SkuId, qty: u64) -> bool {
        let ok = self.move_units(sku, qty, Counter::Available, Counter::Reserved);
        if !ok {
            self.levels[sku].out_of_stock += 1;
        }
        ok
    }

    /// `units` more units of `sku` arrive (available at once). Returns the
    /// units available now.
    pub fn restock(&mut self, sku: SkuId, units: u64) -> u64 {
        let level = &mut self.levels[sku];
        level.available += units;
        level.added += units;
        level.available
    }

    /// The available units of `sku` become `units` (a count, a delivery or
    /// a write-off); reserved and shipped units are not touched.
    pub fn set_available(&mut self, sku: SkuId, units: u64) {
        let level = &mut self.levels[sku];
        if units >= level.available {
            level.added += units - level.available;
        } else {
            level.removed += level.available - units;
        }
        level.available = units;
    }
}

impl World {
    /// A restock comes due: units arrive up to the shelf's level (none if
    /// it is already full), and the next delivery is booked if the shelf is
    /// still below it while the shop is open (see [`World::book_restocks`]).
    pub(super) fn on_restock(&mut self, m: &Model, i: u32) {
        let Some(r) = m.restock.get(i as usize).copied() else {
            return;
        };
        self.stock.booked[i as usize] = false;
        let room = u64::from(r.max_units).saturating_sub(self.stock.levels[r.sku].available);
        let units = room.min(u64::from(r.units));
        if units > 0 {
            let available = self.stock.restock(r.sku, units);
            self.trace(
                m,
                TraceKind::Restock {
                    sku: r.sku,
                    // At most `r.units`, a u32.
                    units: units as u32,
                    available,
                },
            );
        }
        self.book_restocks(m, r.sku);
    }

    /// Books the next delivery of each of `sku`'s restock schedules that
    /// has none booked, if the shelf is below its level and the shop is
    /// open (orders still to come or still in flight). Called when a
    /// delivery arrives and when units leave the shelf: a full shelf books
    /// nothing until a reservation or a count takes it below its level,
    /// and a finished run has nothing left scheduled.
    pub(super) fn book_restocks(&mut self, m: &Model, sku: SkuId) {
        let open = self.client.orders_started < m.orders || !self.orders.is_empty();
        let available = self.stock.levels[sku].available;
        for (i, r) in (0u32..).zip(&m.restock) {
            let booked = &mut self.stock.booked[i as usize];
            if r.sku == sku && !*booked && open && available < u64::from(r.max_units) {
                *booked = true;
                self.after(r.every_us, Event::Restock(i));
            }
        }
    }

    /// `set_stock`: the SKU's available units become `units`.
    pub(super) fn set_stock(&mut self, m: &Model, sku: SkuId, units: u32) {
        self.stock.set_available(sku, u64::from(units));
        self.book_restocks(m, sku);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: SkuId = SkuId::new(0);
    const B: SkuId = SkuId::new(1);

    #[test]
    fn units_move_between_counters_and_the_total_stays() {
        let mut s = Stock::new([5, 1].into_iter(), 0);
        assert!(s.move_units(A, 3, Counter::Available, Counter::Reserved));
        assert!(s.move_units(A, 2, Counter::Reserved, Counter::Shipped));
        assert!(s.move_units(A, 1, Counter::Shipped, Counter::Reserved));
        assert_eq!(
            s.levels()[A],
            StockLevel {
                available: 2,
                reserved: 2,
                shipped: 1,
                ..StockLevel::default()
            }
        );
        assert_eq!(s.levels()[B].total(), 1, "other SKUs untouched");
    }

    #[test]
    fn restocks_and_counts_are_accounted_as_added_or_removed() {
        let mut s = Stock::new([5].into_iter(), 0);
        assert!(s.move_units(A, 2, Counter::Available, Counter::Reserved));
        assert_eq!(s.restock(A, 4), 7);
        s.set_available(A, 1);
        let l = s.levels()[A];
        assert_eq!((l.available, l.reserved, l.added, l.removed), (1, 2, 4, 6));
        assert_eq!(l.total(), l.expected_total(5));
        s.set_available(A, 10);
        let l = s.levels()[A];
        assert_eq!((l.added, l.removed, l.total()), (13, 6, 12));
        assert_eq!(l.total(), l.expected_total(5));
    }

    #[test]
    fn a_refused_reservation_is_counted_and_moves_nothing() {
        let mut s = Stock::new([1].into_iter(), 0);
        assert!(!s.reserve(A, 2));
        assert!(s.reserve(A, 1));
        let l = s.levels()[A];
        assert_eq!((l.available, l.reserved, l.out_of_stock), (0, 1, 1));
    }

    #[test]
    fn a_move_larger_than_the_source_is_refused_and_changes_nothing() {
        let mut s = Stock::new([2].into_iter(), 0);
        assert!(!s.move_units(A, 3, Counter::Available, Counter::Reserved));
        assert!(!s.move_units(A, 1, Counter::Reserved, Counter::Available));
        assert_eq!(s.levels()[A].available, 2);
        assert_eq!(s.levels()[A].total(), 2);
    }
}
