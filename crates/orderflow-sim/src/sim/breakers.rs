//! Circuit breakers as the flow sees them: the state machine itself is
//! [`crate::breaker::Breaker`]; here are the reactions to its transitions
//! (operations alerted and a timer for the reset when it opens, consumers
//! that resume when it half-opens or closes).

use super::schedule::Event;
use super::world::World;
use crate::breaker::BreakerState;
use crate::ids::*;
use crate::model::*;
use crate::trace::TraceKind;

impl World {
    /// An open breaker's wait is over (unless it changed meanwhile).
    pub(super) fn on_breaker_reset(&mut self, m: &Model, b: BreakerId, epoch: u32) {
        if let Some(state) = self.breakers[b].reset_due(self.now, epoch) {
            self.breaker_changed(m, b, state);
        }
    }

    pub(super) fn breaker_changed(&mut self, m: &Model, b: BreakerId, state: BreakerState) {
        self.trace(m, TraceKind::Breaker { breaker: b, state });
        match state {
            BreakerState::Open => {
                // The breaker counted the alert; the trace shows it.
                self.trace(m, TraceKind::OperationsAlerted { breaker: b });
                let breaker = &self.breakers[b];
                let (at, epoch) = (breaker.reset_at(), breaker.epoch());
                self.timers.at(at, Event::BreakerReset(b, epoch));
            }
            BreakerState::HalfOpen | BreakerState::Closed => {
                for q in self.broker.queue_ids() {
                    let c = self.broker.consumer_of(q);
                    if c.is_some_and(|c| m.consumers[c].pause_while_open == Some(b)) {
                        self.dispatch(m, q);
                    }
                }
            }
        }
    }
}
