//! The event queue: what happens next, in `(time, seq)` order, with the
//! rarely firing timeouts kept in per-duration lanes beside the heap.
//!
//! [`Schedule`] owns the heap, the lanes, the sequence counter and the cache
//! of the next event. It knows nothing of what events mean; whether a timer
//! can still do anything (its staleness) is asked of the caller through a
//! function passed in.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::ids::{ActKey, BreakerId, FaultId, InflightKey, JobKey, MsgKey, OrderKey, QueueId};
use crate::time::SimTime;

/// Events of the queue.
#[derive(Clone, Copy, Debug)]
pub(super) enum Event {
    Arrival,
    Deliver(MsgKey),
    WorkDone(ActKey),
    StepTimer(ActKey, u32),
    CallTimeout(ActKey, u32),
    Retry(ActKey, u32),
    WaitTimeout(ActKey, u32),
    ClientTimeout(OrderKey, u32),
    /// A client retry of the order request, after its backoff.
    ClientRetry(OrderKey, u32),
    Poll(OrderKey, u32),
    PollTimeout(OrderKey, u32),
    JobTimeout(JobKey, u32),
    JobRetry(JobKey, u32),
    Visibility(QueueId, InflightKey),
    Redeliver(QueueId),
    BrokerUp,
    BreakerReset(BreakerId, u32),
    Fault(FaultId),
    /// The restock schedule at this index of `Model::restock` comes due.
    Restock(u32),
    /// A stream client reconnects (SSE, WebSocket).
    StreamReconnect(OrderKey),
}

/// An event in the queue, ordered by `(time, seq)`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scheduled {
    pub time: SimTime,
    pub seq: u64,
    pub event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// Timeouts of one fixed duration, in scheduling order.
///
/// Most timeouts never fire: the answer comes first and the timer goes
/// stale. In one binary heap, millions of stale timers would make every
/// operation slower (an M/M/c client's week-long timeout is one per
/// customer). Timers of equal duration are scheduled in time order, so each
/// duration gets a FIFO "lane"; stale timers at a lane's front are discarded
/// without ever counting as events. The next event is the least `(time,
/// seq)` over the heap and the lane fronts, so the order of events is exactly
/// that of a single queue.
#[derive(Clone, Debug)]
struct Lane {
    duration_us: u64,
    timers: VecDeque<Scheduled>,
}

/// Lanes kept; more distinct timeout durations go to the heap.
const MAX_LANES: usize = 16;

/// Where the next event is: the front of timeout lane `lane`, or the top of
/// the heap (`lane == None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NextEvent {
    lane: Option<usize>,
    time: SimTime,
}

/// The event queue. Events scheduled for the same microsecond come out in
/// the order they went in.
#[derive(Clone, Debug, Default)]
pub(super) struct Schedule {
    seq: u64,
    heap: BinaryHeap<Reverse<Scheduled>>,
    lanes: Vec<Lane>,
    /// The next event as found by [`Schedule::settle`] (`None`: not found
    /// yet, or there is none). Valid between events: every change to the
    /// heap, the lanes or to what makes a timer stale happens inside a step
    /// or a command, and each of those ends by settling again, so getters
    /// only read it.
    next: Option<NextEvent>,
    /// Checks that getters only read a settled cache.
    #[cfg(debug_assertions)]
    settled: bool,
}

impl Schedule {
    /// Schedules `event` at `time`.
    pub fn at(&mut self, time: SimTime, event: Event) {
        self.seq += 1;
        self.unsettle();
        self.heap.push(Reverse(Scheduled {
            time,
            seq: self.seq,
            event,
        }));
    }

    /// Schedules a timeout `us` after `now` in the lane of that duration
    /// (the heap if every lane is taken). Stale timers at the front of that
    /// lane are dropped on the way.
    pub fn timeout(
        &mut self,
        now: SimTime,
        us: u64,
        event: Event,
        is_stale: impl Fn(&Event) -> bool,
    ) {
        let i = match self.lanes.iter().position(|l| l.duration_us == us) {
            Some(i) => i,
            None if self.lanes.len() < MAX_LANES => {
                self.lanes.push(Lane {
                    duration_us: us,
                    timers: VecDeque::new(),
                });
                self.lanes.len() - 1
            }
            None => return self.at(now.plus_micros(us), event),
        };
        self.seq += 1;
        self.unsettle();
        let lane = &mut self.lanes[i].timers;
        lane.push_back(Scheduled {
            time: now.plus_micros(us),
            seq: self.seq,
            event,
        });
        // Keep the lane short: stale timers at its front can go now.
        while lane.front().is_some_and(|s| is_stale(&s.event)) {
            lane.pop_front();
        }
    }

    /// Finds the next event and caches it: least `(time, seq)` of the heap's
    /// top and the lanes' earliest live timer. Every timer of a lane is at or
    /// after its front (one duration per lane), so the earliest front of all
    /// is the earliest timer. Only when it would come before the heap's top
    /// does its staleness matter: a stale one goes and the search repeats.
    /// Timers that went stale wait in their lane until their time (or until
    /// [`Schedule::timeout`] prunes the lane); they cost one check each, once.
    #[inline]
    pub fn settle(&mut self, is_stale: impl Fn(&Event) -> bool) {
        #[cfg(debug_assertions)]
        {
            self.settled = true;
        }
        if self.next.is_some() {
            return;
        }
        let heap = self.heap.peek().map(|s| (s.0.time, s.0.seq));
        self.next = loop {
            let mut best: Option<(usize, SimTime, u64)> = None;
            for (i, lane) in self.lanes.iter().enumerate() {
                if let Some(s) = lane.timers.front()
                    && best.is_none_or(|(_, t, q)| (s.time, s.seq) < (t, q))
                {
                    best = Some((i, s.time, s.seq));
                }
            }
            match best {
                Some((i, t, q)) if heap.is_none_or(|h| (t, q) < h) => {
                    if is_stale(&self.lanes[i].timers[0].event) {
                        self.lanes[i].timers.pop_front();
                        continue;
                    }
                    break Some(NextEvent {
                        lane: Some(i),
                        time: t,
                    });
                }
                _ => {
                    break heap.map(|(t, _)| NextEvent {
                        lane: None,
                        time: t,
                    });
                }
            }
        };
    }

    /// Marks the cache out of date: something changed what makes a timer
    /// stale without touching the queue.
    #[inline]
    pub fn unsettle(&mut self) {
        self.next = None;
        #[cfg(debug_assertions)]
        {
            self.settled = false;
        }
    }

    /// Time of the next event as last settled.
    #[inline]
    pub fn next_time(&self) -> Option<SimTime> {
        #[cfg(debug_assertions)]
        debug_assert!(self.settled, "the schedule is read between settles");
        self.next.map(|n| n.time)
    }

    /// Removes and returns the next event (settling first if needed).
    #[inline]
    pub fn pop(&mut self, is_stale: impl Fn(&Event) -> bool) -> Option<Scheduled> {
        self.settle(is_stale);
        let next = self.next?;
        self.unsettle();
        match next.lane {
            Some(i) => self.lanes[i].timers.pop_front(),
            None => self.heap.pop().map(|r| r.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(s: &mut Schedule, stale: impl Fn(&Event) -> bool + Copy) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        while let Some(e) = s.pop(stale) {
            let tag = match e.event {
                Event::Fault(i) => i.index() as u64,
                _ => 99,
            };
            out.push((e.time.as_micros(), tag));
        }
        out
    }

    fn fault(i: u32) -> Event {
        Event::Fault(FaultId::new(i))
    }

    #[test]
    fn equal_times_come_out_in_scheduling_order_across_heap_and_lanes() {
        let mut s = Schedule::default();
        s.at(SimTime(10), fault(1));
        s.timeout(SimTime(5), 5, fault(2), |_| false);
        s.at(SimTime(10), fault(3));
        s.timeout(SimTime(0), 10, fault(4), |_| false);
        s.at(SimTime(3), fault(5));
        assert_eq!(
            times(&mut s, |_| false),
            [(3, 5), (10, 1), (10, 2), (10, 3), (10, 4)]
        );
    }

    #[test]
    fn stale_timers_never_come_out_and_the_cache_sees_them_go() {
        let mut s = Schedule::default();
        let stale = |e: &Event| matches!(e, Event::Fault(i) if i.index() % 2 == 0);
        for i in 0..6 {
            s.timeout(SimTime(i), 100, fault(i as u32), |_| false);
        }
        s.at(SimTime(500), fault(7));
        s.settle(stale);
        assert_eq!(s.next_time(), Some(SimTime(101)));
        assert_eq!(
            times(&mut s, stale),
            [(101, 1), (103, 3), (105, 5), (500, 7)]
        );
        s.settle(stale);
        assert_eq!(s.next_time(), None);
    }

    #[test]
    fn more_durations_than_lanes_spill_into_the_heap_in_order() {
        let mut s = Schedule::default();
        for d in 0..(MAX_LANES as u64 + 4) {
            s.timeout(SimTime::ZERO, 1_000 - d, fault(d as u32), |_| false);
        }
        let out = times(&mut s, |_| false);
        assert_eq!(out.len(), MAX_LANES + 4);
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0), "{out:?}");
    }
}
