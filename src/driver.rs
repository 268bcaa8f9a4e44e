//! Owns the animation clock: the one module that touches it.
//!
//! Each animation frame it hands the frame's timestamp to what it drives
//! (an [`Animated`], implemented by the page), which turns wall time into
//! simulated time with the speed factor and copies the result into its
//! signals. It also keeps every frame's work bounded ([`Pacer`]): the number
//! of engine events per frame adapts so a frame's simulation work stays near
//! [`FRAME_WORK_MS`], and the page never freezes however fast the run is
//! played or fast-forwarded. The driver knows nothing of the page: it calls
//! the four methods of [`Animated`].

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos_use::{UseRafFnCallbackArgs, use_prefers_reduced_motion, use_raf_fn};

/// Target simulation work per frame, ms of wall time, while playing: the
/// rest of the 16.7 ms frame is left for drawing.
pub const FRAME_WORK_MS: f64 = 8.0;
/// The same while fast-forwarding or seeking, when only a progress bar and
/// the counters are drawn: more of each frame goes to the engine, and a
/// frame's task still stays far under the 50 ms that makes a page feel stuck.
pub const FF_FRAME_WORK_MS: f64 = 13.0;
/// Bounds of the per-frame event budget.
const MIN_BUDGET: u64 = 500;
const MAX_BUDGET: u64 = 2_000_000;
/// The budget of the first frame, before any measurement: small, because
/// an event can cost several microseconds in wasm on a slow machine (20,000
/// made an 84 ms first frame of fast-forward on the reference machine). It
/// doubles per frame while there is time to spare, so it costs a few frames.
const START_BUDGET: u64 = 2_000;
/// How often the slower panels (metrics, log, controls) refresh, ms.
const PANEL_EVERY_MS: f64 = 250.0;

/// What one frame's simulation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameWork {
    /// The picture changed.
    pub redraw: bool,
    /// The event budget ran out before the frame's target.
    pub budget_spent: bool,
    /// Still moving after the frame: playing, seeking or fast-forwarding.
    pub busy: bool,
    /// Seeking or fast-forwarding: only progress is drawn.
    pub skipping: bool,
}

/// What the driver drives.
pub trait Animated: Copy + 'static {
    /// Simulates up to wall-clock `wall_ms` with at most `budget` events;
    /// `None` if there is nothing to drive any more (the page is gone).
    fn advance(&self, wall_ms: f64, budget: u64, reduced_motion: bool) -> Option<FrameWork>;
    /// Recomputes the picture.
    fn redraw(&self);
    /// Refreshes the slower panels.
    fn refresh_panels(&self);
    /// The run stopped moving: a moment to record the state (the URL).
    fn settled(&self);
}

/// What to do after a frame besides drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AfterFrame {
    pub refresh_panels: bool,
    pub settled: bool,
}

/// The frame loop's bookkeeping: the event budget and when the panels
/// last refreshed. Plain state, tested natively.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacer {
    budget: u64,
    last_panels_ms: f64,
    was_busy: bool,
}

impl Default for Pacer {
    fn default() -> Pacer {
        Pacer {
            budget: START_BUDGET,
            last_panels_ms: f64::NEG_INFINITY,
            was_busy: true,
        }
    }
}

impl Pacer {
    /// Events the next frame may process.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// Learns from a frame at `wall_ms` whose simulation took `spent_ms`:
    /// grows the budget towards the target when it ran out with time to
    /// spare, shrinks it when the frame ran long; says whether the panels
    /// are due (a few times a second while busy, and once when it settles).
    pub fn after_frame(&mut self, wall_ms: f64, spent_ms: f64, work: FrameWork) -> AfterFrame {
        let target = if work.skipping {
            FF_FRAME_WORK_MS
        } else {
            FRAME_WORK_MS
        };
        let b = self.budget;
        if work.budget_spent && spent_ms < target * 0.75 {
            // Grow towards the target in proportion to the time left, by
            // one event at least, up to the cap (at the cap it stays: a
            // `clamp(b + 1, MAX_BUDGET)` there would panic).
            let grown = (b as f64 * (target / spent_ms.max(0.5)).min(2.0)) as u64;
            self.budget = grown.max(b + 1).min(MAX_BUDGET);
        } else if spent_ms > target * 1.5 {
            self.budget = (b * 2 / 3).max(MIN_BUDGET);
        }
        let due = work.busy && wall_ms - self.last_panels_ms >= PANEL_EVERY_MS;
        let settled = self.was_busy && !work.busy;
        self.was_busy = work.busy;
        if due || settled {
            self.last_panels_ms = wall_ms;
        }
        AfterFrame {
            refresh_panels: due || settled,
            settled,
        }
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Starts the frame loop driving `target`.
pub fn use_driver(target: impl Animated) {
    let reduced = use_prefers_reduced_motion();
    let pacer = Rc::new(Cell::new(Pacer::default()));
    use_raf_fn(move |args: UseRafFnCallbackArgs| {
        let started = now_ms();
        let mut p = pacer.get();
        let Some(work) = target.advance(args.timestamp, p.budget(), reduced.get_untracked()) else {
            return;
        };
        if work.redraw || work.busy {
            target.redraw();
        }
        let after = p.after_frame(args.timestamp, now_ms() - started, work);
        pacer.set(p);
        if after.refresh_panels {
            target.refresh_panels();
        }
        if after.settled {
            target.settled();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(budget_spent: bool, busy: bool, skipping: bool) -> FrameWork {
        FrameWork {
            redraw: true,
            budget_spent,
            busy,
            skipping,
        }
    }

    #[test]
    fn the_budget_grows_with_time_to_spare_and_shrinks_when_late() {
        let mut p = Pacer::default();
        assert_eq!(p.budget(), 2_000);
        // Out of events after 2 ms of an 8 ms target: at most doubles.
        p.after_frame(0.0, 2.0, work(true, true, false));
        assert_eq!(p.budget(), 4_000);
        // 5 ms of 8: in proportion to the time left.
        p.after_frame(16.0, 5.0, work(true, true, false));
        assert_eq!(p.budget(), 6_400);
        // 6 ms is close enough to the target: no change.
        p.after_frame(24.0, 6.0, work(true, true, false));
        assert_eq!(p.budget(), 6_400);
        // Fast-forwarding aims at 13 ms: 6 ms is still little.
        p.after_frame(32.0, 6.0, work(true, true, true));
        assert_eq!(p.budget(), 12_800);
        // The budget did not run out: no reason to grow.
        p.after_frame(48.0, 1.0, work(false, true, false));
        assert_eq!(p.budget(), 12_800);
        // A frame far over the target: two thirds.
        p.after_frame(64.0, 20.0, work(true, true, false));
        assert_eq!(p.budget(), 8_533);
        for i in 0..50 {
            p.after_frame(80.0 + f64::from(i), 100.0, work(true, true, false));
        }
        assert_eq!(p.budget(), MIN_BUDGET);
        for i in 0..100 {
            p.after_frame(200.0 + f64::from(i), 0.1, work(true, true, false));
        }
        assert_eq!(p.budget(), MAX_BUDGET);
    }

    #[test]
    fn panels_refresh_a_few_times_a_second_and_when_it_settles() {
        let mut p = Pacer::default();
        let busy = work(false, true, false);
        let first = p.after_frame(1_000.0, 1.0, busy);
        assert_eq!(
            first,
            AfterFrame {
                refresh_panels: true,
                settled: false
            }
        );
        assert!(!p.after_frame(1_016.0, 1.0, busy).refresh_panels);
        assert!(!p.after_frame(1_249.0, 1.0, busy).refresh_panels);
        assert!(p.after_frame(1_250.0, 1.0, busy).refresh_panels);
        // It stops moving: once, and then no more.
        let idle = work(false, false, false);
        assert_eq!(
            p.after_frame(1_266.0, 1.0, idle),
            AfterFrame {
                refresh_panels: true,
                settled: true
            }
        );
        assert!(!p.after_frame(1_600.0, 1.0, idle).refresh_panels);
        // A page that opens idle settles once on its first frame.
        let mut fresh = Pacer::default();
        assert!(fresh.after_frame(0.0, 0.1, idle).settled);
    }
}
