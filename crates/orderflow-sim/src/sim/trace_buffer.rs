//! The trace buffer: events produced since the caller last drained them,
//! bounded by `limits.trace_buffer` (the oldest half goes when it is full).

use crate::time::SimTime;
use crate::trace::{TraceEvent, TraceKind};

#[derive(Clone, Debug)]
pub(super) struct TraceBuffer {
    /// Off, nothing is recorded (faster runs); nothing else changes.
    pub on: bool,
    events: Vec<TraceEvent>,
    /// Events dropped because the buffer was not drained in time.
    pub dropped: u64,
}

impl Default for TraceBuffer {
    fn default() -> Self {
        TraceBuffer {
            on: true,
            events: Vec::new(),
            dropped: 0,
        }
    }
}

impl TraceBuffer {
    /// Records `kind` at `t`, keeping at most `limit` events.
    #[inline]
    pub fn push(&mut self, t: SimTime, kind: TraceKind, limit: usize) {
        if !self.on {
            return;
        }
        if self.events.len() >= limit {
            // Keep the newest: drop the oldest half at once so this stays
            // amortised O(1) when nobody drains.
            let half = self.events.len() / 2;
            self.events.drain(..half);
            self.dropped += half as u64;
        }
        self.events.push(TraceEvent { t, kind });
    }

    /// Takes the events recorded since the last call.
    pub fn drain(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_buffer_keeps_the_newest_and_counts_the_dropped() {
        let mut b = TraceBuffer::default();
        for i in 0..10 {
            b.push(SimTime(i), TraceKind::BrokerUp, 4);
        }
        let kept: Vec<u64> = b.drain().iter().map(|e| e.t.as_micros()).collect();
        assert_eq!(kept, [6, 7, 8, 9]);
        assert_eq!(b.dropped, 6);
        b.on = false;
        b.push(SimTime(11), TraceKind::BrokerUp, 4);
        assert!(b.drain().is_empty());
    }
}
