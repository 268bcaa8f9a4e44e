//! The scenario bar (what runs) and the transport (how it plays).

use leptos::prelude::*;
use orderflow_sim::{Completion, SimTime, presets};

use crate::app::AppCtx;
use crate::url_state::{MAX_ORDERS, MAX_SPEED, MIN_SPEED};

/// Speed as a slider position (log scale, 0..=1000) and back.
pub fn speed_to_slider(speed: f64) -> f64 {
    let (lo, hi) = (MIN_SPEED.ln(), MAX_SPEED.ln());
    ((speed.clamp(MIN_SPEED, MAX_SPEED).ln() - lo) / (hi - lo) * 1000.0).round()
}

/// The speed at a slider position, rounded to two significant digits.
pub fn slider_to_speed(pos: f64) -> f64 {
    let (lo, hi) = (MIN_SPEED.ln(), MAX_SPEED.ln());
    let raw = (lo + (pos.clamp(0.0, 1000.0) / 1000.0) * (hi - lo)).exp();
    let mag = 10f64.powf(raw.log10().floor() - 1.0);
    ((raw / mag).round() * mag).clamp(MIN_SPEED, MAX_SPEED)
}

/// A speed for display: `0.1×`, `25×`.
pub fn speed_label(speed: f64) -> String {
    if speed < 1.0 {
        format!("{speed:.1}×")
    } else {
        format!("{}×", (speed * 10.0).round() / 10.0)
    }
}

/// Preset picker, completion mode, seed, order count, and the share link.
#[component]
pub fn ScenarioBar() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let ui = ctx.ui;
    let preset = Memo::new(move |_| ui.with(|u| u.preset.clone()));
    let mode = Memo::new(move |_| ui.with(|u| u.mode));
    let allowed = Memo::new(move |_| ui.with(|u| u.allowed.clone()));
    let seed = Memo::new(move |_| ui.with(|u| u.seed));
    let orders = Memo::new(move |_| ui.with(|u| u.orders));
    let share_text = RwSignal::new(String::new());
    let leptos_use::UseClipboardReturn {
        copy,
        copied,
        is_supported,
        ..
    } = leptos_use::use_clipboard();
    view! {
        <section class="bar" aria-label="Scenario">
            <label class="bar__field">
                "Pattern "
                <select
                    aria-label="Pattern"
                    prop:value=move || preset.get()
                    on:change=move |ev| {
                        let name = event_target_value(&ev);
                        ctx.act(|c| c.set_preset(&name))
                    }
                >
                    {presets::NAMES
                        .iter()
                        .map(|name| {
                            let title = presets::scenario(name)
                                .map_or_else(|| name.to_string(), |s| s.title);
                            view! { <option value=*name>{title}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <fieldset class="bar__modes">
                <legend>"Client learns the outcome by"</legend>
                {move || {
                    Completion::ALL
                        .into_iter()
                        .map(|m| {
                            let enabled = allowed.with(|a| a.contains(&m));
                            let label = match m {
                                Completion::Sync => "sync response",
                                Completion::Polling => "202 + polling",
                                Completion::Callback => "202 + callback",
                                Completion::Push => "202 + push",
                            };
                            view! {
                                <label class="bar__mode" class:bar__mode--off=!enabled>
                                    <input
                                        type="radio"
                                        name="mode"
                                        value=m.as_str()
                                        disabled=!enabled
                                        prop:checked=move || mode.get() == Some(m)
                                        on:change=move |_| ctx.act(|c| c.set_mode(m))
                                    />
                                    {label}
                                </label>
                            }
                        })
                        .collect_view()
                }}
            </fieldset>
            <label class="bar__field">
                "Seed "
                <input
                    class="bar__number"
                    type="number"
                    min="0"
                    aria-label="Seed"
                    prop:value=move || seed.get().to_string()
                    on:change=move |ev| {
                        match event_target_value(&ev).trim().parse::<u64>() {
                            Ok(s) => ctx.act(|c| c.set_seed(s)),
                            Err(_) => ctx.act(|c| c.message = Some("seed: must be a whole number".into())),
                        }
                    }
                />
            </label>
            <label class="bar__field">
                "Orders "
                <input
                    class="bar__number"
                    type="number"
                    min="1"
                    max=MAX_ORDERS
                    aria-label="Orders in the run"
                    prop:value=move || orders.get().to_string()
                    on:change=move |ev| {
                        match event_target_value(&ev).trim().parse::<u64>() {
                            Ok(n) if (1..=MAX_ORDERS).contains(&n) => ctx.act(|c| c.set_orders(n)),
                            _ => {
                                ctx.act(|c| c.message = Some(format!("orders: must be a whole number from 1 to {MAX_ORDERS}")))
                            }
                        }
                    }
                />
            </label>
            <button
                class="button"
                on:click=move |_| {
                    let url = ctx.share_url();
                    if is_supported.get_untracked() {
                        copy(&url);
                    }
                    share_text.set(url);
                }
            >
                {move || if copied.get() { "Link copied" } else { "Share" }}
            </button>
            <Show when=move || !share_text.get().is_empty()>
                <input
                    class="bar__share"
                    readonly
                    aria-label="Share link"
                    prop:value=move || share_text.get()
                    on:focus=move |ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            i.select();
                        }
                    }
                />
            </Show>
            <p class="bar__about">{move || ui.with(|u| u.description.clone())}</p>
        </section>
    }
}

/// Play, pause, step, speed, restart, the timeline, and fast-forward.
/// `compact` (embed mode) keeps play/pause, restart and the time only.
#[component]
pub fn Transport(compact: bool) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let ui = ctx.ui;
    let playing = Memo::new(move |_| ui.with(|u| u.playing));
    let speed = Memo::new(move |_| ui.with(|u| u.speed));
    let now = move || ctx.frame.with(|f| f.t);
    let furthest = Memo::new(move |_| ui.with(|u| u.furthest));
    let ff_n = RwSignal::new(1_000u64);
    let counters = move || ctx.frame.with(|f| f.counters);
    view! {
        <section class="transport" class:transport--compact=compact aria-label="Playback">
            <button
                class="button button--primary"
                aria-label=move || if playing.get() { "Pause" } else { "Play" }
                on:click=move |_| ctx.act(|c| c.toggle())
            >
                {move || if playing.get() { "❚❚ Pause" } else { "▶ Play" }}
            </button>
            <Show when=move || !compact>
                <button class="button" aria-label="Step to the next event" on:click=move |_| ctx.act(|c| c.step())>
                    "Step ▸"
                </button>
            </Show>
            <button class="button" aria-label="Restart" on:click=move |_| ctx.act(|c| c.restart())>
                "⟲ Restart"
            </button>
            <span class="transport__time" aria-label="Simulated time" data-testid="time">
                {move || format!("t = {}", now())}
            </span>
            <Show when=move || !compact>
                <label class="transport__speed">
                    "Speed "
                    <input
                        type="range"
                        min="0"
                        max="1000"
                        aria-label="Speed"
                        aria-valuetext=move || speed_label(speed.get())
                        prop:value=move || speed_to_slider(speed.get()).to_string()
                        on:input=move |ev| {
                            if let Ok(pos) = event_target_value(&ev).parse::<f64>() {
                                ctx.act(|c| c.set_speed(slider_to_speed(pos)));
                            }
                        }
                    />
                    <output data-testid="speed">{move || speed_label(speed.get())}</output>
                </label>
                <label class="transport__timeline">
                    <span class="visually-hidden">"Timeline"</span>
                    <input
                        type="range"
                        min="0"
                        aria-label="Timeline"
                        max=move || furthest.get().as_millis().max(1).to_string()
                        prop:value=move || now().as_millis().to_string()
                        on:change=move |ev| {
                            if let Ok(ms) = event_target_value(&ev).parse::<u64>() {
                                ctx.act(|c| c.seek(SimTime::from_millis(ms)));
                            }
                        }
                    />
                </label>
                <span class="transport__ff">
                    <label>
                        "Fast-forward "
                        <input
                            class="bar__number"
                            type="number"
                            min="1"
                            aria-label="Orders to fast-forward"
                            prop:value=move || ff_n.get().to_string()
                            on:change=move |ev| {
                                if let Ok(n) = event_target_value(&ev).trim().parse::<u64>() {
                                    ff_n.set(n.clamp(1, MAX_ORDERS));
                                }
                            }
                        />
                        " orders "
                    </label>
                    <button
                        class="button"
                        aria-label="Go: fast-forward"
                        on:click=move |_| ctx.act(|c| c.fast_forward(ff_n.get_untracked()))
                    >
                        "Go"
                    </button>
                    <Show when=move || ui.with(|u| u.ff_progress.is_some() || u.seeking)>
                        <progress
                            aria-label="Progress"
                            max="1"
                            value=move || ui.with(|u| u.ff_progress.unwrap_or(0.5)).to_string()
                        ></progress>
                    </Show>
                </span>
            </Show>
            <Show when=move || compact>
                <span class="transport__mini-counters">
                    {move || {
                        let c = counters();
                        format!("{} completed · {} failed · {} inconsistent", c.completed, c.failed + c.compensated, c.inconsistent)
                    }}
                </span>
            </Show>
            <Show when=move || !compact && ui.with(|u| u.message.is_some())>
                <p class="transport__message" role="status" data-testid="message">
                    {move || ui.with(|u| u.message.clone().unwrap_or_default())}
                </p>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_speed_slider_is_logarithmic_and_round() {
        assert_eq!(speed_to_slider(MIN_SPEED), 0.0);
        assert_eq!(speed_to_slider(MAX_SPEED), 1000.0);
        assert_eq!(slider_to_speed(0.0), MIN_SPEED);
        assert_eq!(slider_to_speed(1000.0), MAX_SPEED);
        assert_eq!(slider_to_speed(speed_to_slider(1.0)), 1.0);
        assert_eq!(slider_to_speed(speed_to_slider(10.0)), 10.0);
        let mid = slider_to_speed(500.0);
        assert!((9.0..=11.0).contains(&mid), "{mid}");
        assert_eq!(speed_label(0.5), "0.5×");
        assert_eq!(speed_label(25.0), "25×");
    }
}
