//! The animation driver: the one module that touches the animation clock.
//!
//! Each animation frame it hands the frame's timestamp to the controller,
//! which turns wall time into simulated time with the speed factor, and
//! copies the result into the signals. It also keeps every frame's work
//! bounded: the number of engine events per frame adapts so a frame's
//! simulation work stays near [`FRAME_WORK_MS`], and the page never
//! freezes however fast the run is played or fast-forwarded.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos_use::{UseRafFnCallbackArgs, use_prefers_reduced_motion, use_raf_fn};

use crate::app::AppCtx;
use crate::controller::UiState;

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

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Starts the frame loop for the page.
pub fn use_driver(ctx: AppCtx) {
    let reduced = use_prefers_reduced_motion();
    let budget = Rc::new(Cell::new(START_BUDGET));
    let last_panels = Rc::new(Cell::new(f64::NEG_INFINITY));
    let was_busy = Rc::new(Cell::new(true));
    use_raf_fn(move |args: UseRafFnCallbackArgs| {
        let started = now_ms();
        let reduced_motion = reduced.get_untracked();
        let b = budget.get();
        let Some((tick, busy, work_ms)) = ctx.ctrl.try_update_value(|c| {
            c.reduced_motion = reduced_motion;
            let tick = c.tick(args.timestamp, b);
            let skipping = c.seeking() || c.ff.is_some();
            let busy = c.playback.is_playing() || skipping;
            (
                tick,
                busy,
                if skipping {
                    FF_FRAME_WORK_MS
                } else {
                    FRAME_WORK_MS
                },
            )
        }) else {
            return;
        };
        if (tick.redraw || busy)
            && let Some(frame) = ctx.ctrl.try_update_value(|c| c.frame())
        {
            ctx.frame.set(frame);
        }
        // Adapt the budget to the time the simulation took.
        let spent = now_ms() - started;
        if tick.budget_spent && spent < work_ms * 0.75 {
            // Grow towards the target in proportion to the time left.
            let grown = (b as f64 * (work_ms / spent.max(0.5)).min(2.0)) as u64;
            budget.set(grown.clamp(b + 1, MAX_BUDGET));
        } else if spent > work_ms * 1.5 {
            budget.set((b * 2 / 3).max(MIN_BUDGET));
        }
        // Slower panels a few times a second, and once when things settle.
        if (busy && args.timestamp - last_panels.get() >= PANEL_EVERY_MS)
            || (was_busy.get() && !busy)
        {
            last_panels.set(args.timestamp);
            refresh_panels(ctx);
            if !busy {
                ctx.sync_url();
            }
        }
        was_busy.set(busy);
    });
}

/// Refreshes the metrics, the event log and the controls.
pub fn refresh_panels(ctx: AppCtx) {
    let Some((stats, log_changed, ui)) = ctx
        .ctrl
        .try_update_value(|c| (c.stats(), c.update_log(), UiState::of(c)))
    else {
        return;
    };
    ctx.stats.set(stats);
    if log_changed {
        ctx.log_rev.update(|r| *r += 1);
    }
    if ctx.ui.with_untracked(|u| *u != ui) {
        ctx.ui.set(ui);
    }
}
