//! Retry budgets at run time (one token bucket per budget of the model)
//! and the client's retries of its order request after a response timeout:
//! a new request for the same order, after a backoff, while the budget
//! holds a token. The old request is not withdrawn: a service may still
//! work on it for nobody (the load a retry storm is made of).

use super::schedule::Event;
use super::world::World;
use crate::ids::*;
use crate::model::*;
use crate::order::Answer;
use crate::retry::TokenBucket;
use crate::trace::{Reason, TraceKind};

/// The run-time state of every retry budget.
pub(super) fn budgets(m: &Model) -> IdVec<BudgetId, TokenBucket> {
    m.budgets.iter().map(TokenBucket::new).collect()
}

impl World {
    /// A retry asks budget `b` (if any) for a token.
    pub(super) fn budget_allows(&mut self, b: Option<BudgetId>) -> bool {
        match b {
            Some(b) => self.budgets[b].try_take(),
            None => true,
        }
    }

    /// A success puts its share back into budget `b` (if any).
    pub(super) fn budget_refill(&mut self, m: &Model, b: Option<BudgetId>) {
        if let Some(b) = b {
            self.budgets[b].refill(&m.budgets[b]);
        }
    }

    /// The order request of `o` timed out while the client still waited
    /// for its first answer: retry it if the client's policy and budget
    /// allow. True if a retry was scheduled (the client keeps waiting).
    pub(super) fn client_retry(&mut self, m: &Model, o: OrderKey, token: u32) -> bool {
        let Some(r) = m.client.retry else {
            return false;
        };
        let Some(order) = self.orders.get(o) else {
            return false;
        };
        if !order.client.waits_under(token) || order.client.answer != Answer::None {
            return false;
        }
        let attempt = order.client_retries;
        let prev = if attempt == 0 {
            0
        } else {
            order.client_retry_delay_us
        };
        if attempt >= r.retries || !self.budget_allows(r.budget) {
            return false;
        }
        let delay = r.backoff.next_delay_us(attempt, prev, &mut self.rng);
        let order = &mut self.orders[o];
        order.client_retries += 1;
        order.client_retry_delay_us = delay;
        let token = order.client.rearm();
        let id = order.id;
        self.metrics.client.retries += 1;
        self.trace(
            m,
            TraceKind::Retry {
                order: id,
                service: m.client.service,
                target: m.client.entry,
                attempt,
                delay_us: delay,
                reason: Reason::Timeout,
            },
        );
        self.after(delay, Event::ClientRetry(o, token));
        true
    }

    /// A client retry's backoff ran out: send the order request again.
    pub(super) fn on_client_retry(&mut self, m: &Model, o: OrderKey, token: u32) {
        if self
            .orders
            .get(o)
            .is_some_and(|x| x.client.waits_under(token))
        {
            self.send_order(m, o);
        }
    }
}
