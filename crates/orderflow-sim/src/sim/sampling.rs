//! Sampling: a row of the time series (busy workers, queue depths, breaker
//! states, orders in flight, latencies of the interval) every
//! `limits.sample_interval_ms`.

use super::world::World;
use crate::metrics::Sample;
use crate::model::Model;
use crate::time::SimTime;

impl World {
    /// Takes every sample due at or before `t`.
    #[inline]
    pub(super) fn sample_until(&mut self, m: &Model, t: SimTime) {
        // Most events fall between two samples: decide that inline.
        if self.next_sample <= t {
            self.take_samples(m, t);
        }
    }

    #[inline(never)]
    fn take_samples(&mut self, m: &Model, t: SimTime) {
        let interval = m.sample_interval_us.max(1);
        let keep = u64::from(m.limits.series_points.max(1));
        // The last representable instant has no sample: the time after it
        // saturates, so sampling there would never move on.
        while self.next_sample <= t && self.next_sample < SimTime::MAX {
            let at = self.next_sample;
            self.take_sample(m, at);
            self.next_sample = at.plus_micros(interval);
            // Nothing changes before `t` (the clock moves to the next event
            // or command), so every sample still due is the same row, and
            // the series keeps only its newest `series_points`: skip those
            // it would drop. A clock moved years ahead takes a few thousand
            // samples instead of billions, with the same series.
            if self.next_sample <= t {
                let due = (t.as_micros() - self.next_sample.as_micros()) / interval + 1;
                if due > keep {
                    self.next_sample = self.next_sample.plus_micros((due - keep) * interval);
                }
            }
        }
    }

    fn take_sample(&mut self, m: &Model, t: SimTime) {
        let sample = Sample {
            t,
            in_flight_orders: self.orders.len() as u32,
            settled: self.metrics.outcomes,
            latency: self.metrics.latency_window.take(),
        };
        // The row, in the order `Shape` documents.
        let row = (self.services.iter().map(|s| s.busy()))
            .chain(self.services.iter().map(|s| s.queued()))
            .chain(self.broker.queues().map(|q| q.waiting() as u32))
            .chain(self.broker.queues().map(|q| q.inflight.len() as u32))
            .chain(self.breakers.iter().map(|b| b.state().code()));
        self.metrics
            .series
            .push(sample, row, m.limits.series_points as usize);
    }
}
