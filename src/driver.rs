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
/// The frame is filled with slices of [`FF_SLICE_MS`] until the next one would
/// not fit, so it uses its allowance however far off the budget's estimate is
/// (one slice sized for the whole frame used 8 ms of 13 on average on a busy
/// machine).
pub const FF_FRAME_WORK_MS: f64 = 13.0;
/// What one slice of fast-forward or seeking aims at.
pub const FF_SLICE_MS: f64 = 3.0;
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
/// The same while fast-forwarding or seeking: a refresh rebuilds tables
/// (~25 ms on a busy machine), a tenth of the engine's time at 250 ms; the
/// counters and progress bar still move every frame.
const PANEL_EVERY_SKIPPING_MS: f64 = 1_000.0;

/// How often the picture is redrawn while fast-forwarding or seeking, ms:
/// a redraw (the diagram's classes, the token canvas, the counters) costs
/// the browser about 6 ms of style, layout and paint on a busy machine, so
/// a 13 ms slice plus a redraw missed the next frame and every frame took
/// two (the engine ran 35 % of the time); the progress bar moves ten times
/// a second, and the last picture is drawn when it settles.
const SKIP_REDRAW_EVERY_MS: f64 = 100.0;

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
    last_redraw_ms: f64,
    was_busy: bool,
}

impl Default for Pacer {
    fn default() -> Pacer {
        Pacer {
            budget: START_BUDGET,
            last_panels_ms: f64::NEG_INFINITY,
            last_redraw_ms: f64::NEG_INFINITY,
            was_busy: true,
        }
    }
}

impl Pacer {
    /// Events the next frame may process.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// Learns from one call that took `spent_ms`: grows the budget towards
    /// its target when it ran out with time to spare, shrinks it when the
    /// call ran long.
    pub fn learn(&mut self, spent_ms: f64, work: FrameWork) {
        let target = if work.skipping {
            FF_SLICE_MS
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
    }

    /// Whether the frame has room for one more slice: only while skipping
    /// (fast-forward, seeking) with work left, when `frame_ms` spent so far
    /// plus another slice like the last (`last_ms`) stays within
    /// [`FF_FRAME_WORK_MS`].
    pub fn another_slice(frame_ms: f64, last_ms: f64, work: FrameWork) -> bool {
        work.skipping && work.busy && work.budget_spent && frame_ms + last_ms <= FF_FRAME_WORK_MS
    }

    /// Whether the frame at `wall_ms` that did `work` redraws the picture:
    /// when it changed or is moving, but while skipping at most every
    /// [`SKIP_REDRAW_EVERY_MS`].
    pub fn redraw_due(&mut self, wall_ms: f64, work: FrameWork) -> bool {
        if !(work.redraw || work.busy) {
            return false;
        }
        if work.skipping && work.busy && wall_ms - self.last_redraw_ms < SKIP_REDRAW_EVERY_MS {
            return false;
        }
        self.last_redraw_ms = wall_ms;
        true
    }

    /// After a frame at `wall_ms`: says whether the panels are due (a few
    /// times a second while busy, once a second while skipping, and once
    /// when it settles).
    pub fn after_frame(&mut self, wall_ms: f64, work: FrameWork) -> AfterFrame {
        let every = if work.skipping {
            PANEL_EVERY_SKIPPING_MS
        } else {
            PANEL_EVERY_MS
        };
        let due = work.busy && wall_ms - self.last_panels_ms >= every;
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
        let Some(mut work) = target.advance(args.timestamp, p.budget(), reduced.get_untracked())
        else {
            return;
        };
        let mut last_ms = now_ms() - started;
        p.learn(last_ms, work);
        // Skipping: more slices while the frame has room.
        while Pacer::another_slice(now_ms() - started, last_ms, work) {
            let t0 = now_ms();
            let Some(w) = target.advance(args.timestamp, p.budget(), reduced.get_untracked())
            else {
                return;
            };
            work = FrameWork {
                redraw: work.redraw || w.redraw,
                ..w
            };
            last_ms = now_ms() - t0;
            p.learn(last_ms, work);
        }
        if p.redraw_due(args.timestamp, work) {
            target.redraw();
        }
        let after = p.after_frame(args.timestamp, work);
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
        p.learn(2.0, work(true, true, false));
        assert_eq!(p.budget(), 4_000);
        // 5 ms of 8: in proportion to the time left.
        p.learn(5.0, work(true, true, false));
        assert_eq!(p.budget(), 6_400);
        // 6 ms is close enough to the target: no change.
        p.learn(6.0, work(true, true, false));
        assert_eq!(p.budget(), 6_400);
        // A slice of fast-forward aims at 3 ms: 1.5 ms is little.
        p.learn(1.5, work(true, true, true));
        assert_eq!(p.budget(), 12_800);
        // ... and 6 ms is far over it: two thirds.
        p.learn(6.0, work(true, true, true));
        assert_eq!(p.budget(), 8_533);
        // The budget did not run out: no reason to grow.
        p.learn(1.0, work(false, true, false));
        assert_eq!(p.budget(), 8_533);
        // A frame far over the target: two thirds.
        p.learn(20.0, work(true, true, false));
        assert_eq!(p.budget(), 5_688);
        for _ in 0..50 {
            p.learn(100.0, work(true, true, false));
        }
        assert_eq!(p.budget(), MIN_BUDGET);
        for _ in 0..100 {
            p.learn(0.1, work(true, true, false));
        }
        assert_eq!(p.budget(), MAX_BUDGET);
    }

    #[test]
    fn skipping_redraws_ten_times_a_second_and_when_it_settles() {
        let mut p = Pacer::default();
        let ff = work(true, true, true);
        assert!(p.redraw_due(0.0, ff));
        assert!(!p.redraw_due(16.7, ff));
        assert!(!p.redraw_due(99.0, ff));
        assert!(p.redraw_due(100.0, ff));
        // Done: drawn at once, however recent the last picture.
        assert!(p.redraw_due(116.7, work(true, false, true)));
        // Playing redraws every frame.
        let play = work(true, true, false);
        assert!(p.redraw_due(133.4, play));
        assert!(p.redraw_due(150.1, play));
        // Paused with nothing new: no redraw.
        let idle = FrameWork {
            redraw: false,
            ..work(false, false, false)
        };
        assert!(!p.redraw_due(166.8, idle));
    }

    #[test]
    fn skipping_fills_the_frame_with_slices() {
        let ff = work(true, true, true);
        // 9 ms spent, the last slice took 3: one more fits in 13 ms.
        assert!(Pacer::another_slice(9.0, 3.0, ff));
        // 11 ms spent: the next would end past 13.
        assert!(!Pacer::another_slice(11.0, 3.0, ff));
        // Playing never takes a second slice: its frame has a deadline.
        assert!(!Pacer::another_slice(1.0, 1.0, work(true, true, false)));
        // Nor does a fast-forward that finished or did not use its budget.
        assert!(!Pacer::another_slice(1.0, 1.0, work(true, false, true)));
        assert!(!Pacer::another_slice(1.0, 1.0, work(false, true, true)));
    }

    #[test]
    fn panels_refresh_a_few_times_a_second_and_when_it_settles() {
        let mut p = Pacer::default();
        let busy = work(false, true, false);
        let first = p.after_frame(1_000.0, busy);
        assert_eq!(
            first,
            AfterFrame {
                refresh_panels: true,
                settled: false
            }
        );
        assert!(!p.after_frame(1_016.0, busy).refresh_panels);
        assert!(!p.after_frame(1_249.0, busy).refresh_panels);
        assert!(p.after_frame(1_250.0, busy).refresh_panels);
        // Fast-forwarding: once a second.
        let ff = work(true, true, true);
        assert!(!p.after_frame(1_600.0, ff).refresh_panels);
        assert!(!p.after_frame(2_249.0, ff).refresh_panels);
        assert!(p.after_frame(2_250.0, ff).refresh_panels);
        // It stops moving: once, and then no more.
        let idle = work(false, false, false);
        assert_eq!(
            p.after_frame(2_266.0, idle),
            AfterFrame {
                refresh_panels: true,
                settled: true
            }
        );
        assert!(!p.after_frame(2_600.0, idle).refresh_panels);
        // A page that opens idle settles once on its first frame.
        let mut fresh = Pacer::default();
        assert!(fresh.after_frame(0.0, idle).settled);
    }
}
