//! Owns the markup of the scenario bar (what runs) and the transport (how
//! it plays). What they show and what a typed value means come from
//! [`crate::controls_view`].

use leptos::prelude::*;
use orderflow_sim::Completion;

use crate::app::use_app;
use crate::components::id_source::IdSourcePicker;
use crate::controls_view::{
    mini_counters, mode_options, parse_fast_forward, play_button, preset_options, progress,
    share_label, speed_label, speed_to_slider, time_label, timeline_max, timeline_target,
    timeline_value,
};
use crate::url_state::MAX_ORDERS;

/// Preset picker, completion mode, seed, order count, and the share link.
#[component]
pub fn ScenarioBar() -> impl IntoView {
    let (live, act) = use_app();
    let ui = live.ui;
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
                    on:change=move |ev| act.set_preset(event_target_value(&ev))
                >
                    {preset_options()
                        .into_iter()
                        .map(|(name, title)| view! { <option value=name>{title}</option> })
                        .collect_view()}
                </select>
            </label>
            <fieldset class="bar__modes">
                <legend>"Client learns the outcome by"</legend>
                {move || {
                    allowed.with(|a| mode_options(a))
                        .into_iter()
                        .map(|o| {
                            let m: Completion = o.mode;
                            view! {
                                <label class="bar__mode" class:bar__mode--off=!o.enabled>
                                    <input
                                        type="radio"
                                        name="mode"
                                        value=m.as_str()
                                        disabled=!o.enabled
                                        prop:checked=move || mode.get() == Some(m)
                                        on:change=move |_| act.set_mode(m)
                                    />
                                    {o.label}
                                </label>
                            }
                        })
                        .collect_view()
                }}
            </fieldset>
            <IdSourcePicker />
            <label class="bar__field">
                "Seed "
                <input
                    class="bar__number"
                    type="number"
                    min="0"
                    aria-label="Seed"
                    prop:value=move || seed.get().to_string()
                    on:change=move |ev| act.enter_seed(event_target_value(&ev))
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
                    on:change=move |ev| act.enter_orders(event_target_value(&ev))
                />
            </label>
            <button
                class="button"
                on:click=move |_| {
                    let url = act.share_url();
                    if is_supported.get_untracked() {
                        copy(&url);
                    }
                    share_text.set(url);
                }
            >
                {move || share_label(copied.get())}
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
    let (live, act) = use_app();
    let ui = live.ui;
    let playing = Memo::new(move |_| ui.with(|u| u.playing));
    let speed = Memo::new(move |_| ui.with(|u| u.speed));
    let now = move || live.frame.with(|f| f.t);
    let furthest = Memo::new(move |_| ui.with(|u| u.furthest));
    let ff_n = RwSignal::new(1_000u64);
    let shown_progress = move || ui.with(|u| progress(u.ff_progress, u.seeking));
    view! {
        <section class="transport" class:transport--compact=compact aria-label="Playback">
            <button
                class="button button--primary"
                aria-label=move || play_button(playing.get()).0
                on:click=move |_| act.toggle()
            >
                {move || play_button(playing.get()).1}
            </button>
            <Show when=move || !compact>
                <button class="button" aria-label="Step to the next event" on:click=move |_| act.step()>
                    "Step ▸"
                </button>
            </Show>
            <button class="button" aria-label="Restart" on:click=move |_| act.restart()>
                "⟲ Restart"
            </button>
            <span class="transport__time" aria-label="Simulated time" data-testid="time">
                {move || time_label(now())}
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
                                act.set_speed_slider(pos);
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
                        max=move || timeline_max(furthest.get())
                        prop:value=move || timeline_value(now())
                        on:change=move |ev| {
                            if let Some(t) = timeline_target(&event_target_value(&ev)) {
                                act.seek(t);
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
                                if let Some(n) = parse_fast_forward(&event_target_value(&ev)) {
                                    ff_n.set(n);
                                }
                            }
                        />
                        " orders "
                    </label>
                    <button
                        class="button"
                        aria-label="Go: fast-forward"
                        on:click=move |_| act.fast_forward(ff_n.get_untracked())
                    >
                        "Go"
                    </button>
                    <Show when=move || shown_progress().is_some()>
                        <progress
                            aria-label="Progress"
                            max="1"
                            value=move || shown_progress().unwrap_or_default().to_string()
                        ></progress>
                    </Show>
                </span>
            </Show>
            <Show when=move || compact>
                <span class="transport__mini-counters">
                    {move || live.frame.with(|f| mini_counters(&f.counters))}
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
