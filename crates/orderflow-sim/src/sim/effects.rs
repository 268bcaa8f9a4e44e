//! Effects: what a handler does to the order's records when its worker
//! finishes the service time — reserve, release or ship stock, write the
//! payment record, capture money at the provider (at most once per order),
//! notify, write a status, set a flag.
//!
//! Each effect is idempotent where a redelivery can repeat it: reserving
//! stock already reserved, or charging an order already paid, does nothing.

use super::stock::Counter;
use super::world::World;
use crate::ids::*;
use crate::model::*;
use crate::order::{PaymentState, StockState};
use crate::trace::{Reason, TraceKind};

impl World {
    /// Applies the handler's effect. An error fails the handler with that
    /// reason (out of stock, nothing reserved to ship, payment cancelled).
    pub(super) fn begin_effect(&mut self, m: &Model, a: ActKey) -> Result<(), Reason> {
        let act = &self.acts[a];
        let (o, s, handler, arg) = (act.order, act.service, act.handler, act.arg);
        let Some(order) = self.orders.get_mut(o) else {
            return Ok(());
        };
        let stock = order.stock;
        let is_final = m.is_terminal_status(order.status_cur);
        let trace = match m.handlers[handler].effect {
            EffectModel::None | EffectModel::IssueId | EffectModel::ReadStatus => None,
            EffectModel::RecordOrder => {
                order.recorded = true;
                None
            }
            EffectModel::ReserveStock => match stock {
                StockState::None | StockState::Released => {
                    let moved = self.move_stock(o, Counter::Available, Counter::Reserved);
                    let moved = moved.ok_or(Reason::OutOfStock)?;
                    self.book_restocks(m, self.orders[o].sku);
                    Some(moved)
                }
                _ => None,
            },
            EffectModel::ReleaseStock => (stock == StockState::Reserved)
                .then(|| self.move_stock(o, Counter::Reserved, Counter::Available))
                .flatten(),
            EffectModel::Ship => match stock {
                StockState::Reserved => self.move_stock(o, Counter::Reserved, Counter::Shipped),
                StockState::Shipped => None,
                _ => return Err(Reason::NotReserved),
            },
            EffectModel::CancelShipment => (stock == StockState::Shipped)
                .then(|| self.move_stock(o, Counter::Shipped, Counter::Reserved))
                .flatten(),
            EffectModel::Charge => self.charge(a, o)?,
            EffectModel::Refund => self.refund(o),
            EffectModel::ProviderCharge => {
                self.provider_charge(o)?;
                None
            }
            EffectModel::Notify => {
                self.notify(s, o);
                None
            }
            // A final status stays final: a write that arrives after it (an
            // attempt slowed past its timeout, overtaken by its retry and
            // the failure that followed) does not move the order back to
            // PROCESSING, where the client would wait for it for ever.
            EffectModel::WriteStatus if is_final && !m.is_terminal_status(arg) => None,
            EffectModel::WriteStatus => {
                let lag = m.handlers[handler].visibility_lag_us;
                let now = self.now;
                let order = &mut self.orders[o];
                order.status_prev = order.visible_status(now);
                order.status_cur = arg;
                order.status_visible_at = now.plus_micros(lag);
                Some(TraceKind::Status {
                    order: order.id,
                    status: arg,
                    visible_at: order.status_visible_at,
                })
            }
            // A fact struck off stays off: the cancel may overtake the
            // record it undoes (two queues, two consumers).
            EffectModel::Mark(f) => {
                order.flags |= f.bit() & !order.struck;
                None
            }
            EffectModel::Unmark(f) => {
                order.flags &= !f.bit();
                order.struck |= f.bit();
                None
            }
        };
        if let Some(kind) = trace {
            self.trace(m, kind);
        }
        Ok(())
    }

    /// Moves the order's units from one stock counter to another and its
    /// stock record along; `None` if the source holds too few (only
    /// possible for available units: the order's own units are where its
    /// record says).
    fn move_stock(&mut self, o: OrderKey, from: Counter, to: Counter) -> Option<TraceKind> {
        let order = &mut self.orders[o];
        // The order's units are where its record says.
        debug_assert_eq!(
            from,
            match order.stock {
                StockState::None | StockState::Released => Counter::Available,
                StockState::Reserved => Counter::Reserved,
                StockState::Shipped => Counter::Shipped,
            }
        );
        let (sku, qty) = (order.sku, u64::from(order.qty));
        let moved = if (from, to) == (Counter::Available, Counter::Reserved) {
            // A reservation: a refusal is counted (out of stock).
            self.stock.reserve(sku, qty)
        } else {
            self.stock.move_units(sku, qty, from, to)
        };
        if !moved {
            debug_assert_eq!(from, Counter::Available, "an order's own units moved");
            return None;
        }
        let state = match to {
            Counter::Available => StockState::Released,
            Counter::Reserved => StockState::Reserved,
            Counter::Shipped => StockState::Shipped,
        };
        order.stock = state;
        Some(TraceKind::Stock {
            order: order.id,
            sku: order.sku,
            state,
        })
    }

    /// The payment service takes a charge: PENDING until the provider
    /// answers; an order already paid skips the steps (an idempotent repeat).
    fn charge(&mut self, a: ActKey, o: OrderKey) -> Result<Option<TraceKind>, Reason> {
        let order = &mut self.orders[o];
        match order.payment {
            PaymentState::Success => {
                self.acts[a].skip_steps = true;
                Ok(None)
            }
            // A retry after a rollback: a new attempt, a new PENDING record
            // (the provider's idempotency key includes the attempt).
            PaymentState::Refunded | PaymentState::Cancelled if order.retry_after_rollback => {
                order.retry_after_rollback = false;
                order.payment_attempt += 1;
                order.payment = PaymentState::Pending;
                self.metrics.payments.new_attempts += 1;
                Ok(Some(TraceKind::Payment {
                    order: order.id,
                    state: PaymentState::Pending,
                }))
            }
            PaymentState::Refunded | PaymentState::Cancelled => Err(Reason::Cancelled),
            PaymentState::Pending => Ok(None),
            _ => {
                order.payment = PaymentState::Pending;
                Ok(Some(TraceKind::Payment {
                    order: order.id,
                    state: PaymentState::Pending,
                }))
            }
        }
    }

    /// Money captured is refunded; a charge not captured yet is cancelled,
    /// so one still queued or in flight cannot capture money for a dead order.
    pub(super) fn refund(&mut self, o: OrderKey) -> Option<TraceKind> {
        let order = &mut self.orders[o];
        let state = if order.captured && !order.refunded {
            order.refunded = true;
            order.refunds += 1;
            self.metrics.payments.refunded += 1;
            PaymentState::Refunded
        } else if !order.captured && order.payment != PaymentState::Cancelled {
            PaymentState::Cancelled
        } else {
            return None;
        };
        order.payment = state;
        Some(TraceKind::Payment {
            order: order.id,
            state,
        })
    }

    /// The provider captures the money, at most once per payment attempt
    /// (the order id and the attempt are the idempotency key); a repeat is
    /// counted, not charged. A refunded capture of an earlier attempt does
    /// not stop a new attempt, and two captures are never live at once.
    fn provider_charge(&mut self, o: OrderKey) -> Result<(), Reason> {
        let order = &mut self.orders[o];
        order.provider_attempts += 1;
        let attempt_dead = matches!(
            order.payment,
            PaymentState::Cancelled | PaymentState::Refunded
        );
        if order.captured && !order.refunded {
            self.metrics.payments.duplicate_attempts += 1;
        } else if attempt_dead || (order.refunded && order.payment_attempt == 1) {
            return Err(Reason::Cancelled);
        } else {
            order.captured = true;
            order.captures += 1;
            order.refunded = false;
            self.metrics.payments.captured += 1;
        }
        Ok(())
    }

    /// A notification goes out: counted on the order, kept in the service's
    /// outbox (the last few).
    fn notify(&mut self, s: ServiceId, o: OrderKey) {
        let order = &mut self.orders[o];
        order.notified += 1;
        self.services.record_notification(s, self.now, order.id);
    }
}
