//! The page: shared context, the layout of the panels, keyboard shortcuts,
//! the URL kept in sync, and the embed mode for iframes.

use leptos::ev;
use leptos::prelude::*;

use crate::components::{
    EventLog, InspectorPanel, LiveDiagram, MetricsPanel, NodePanel, QueuePanel, ScenarioBar,
    Transport,
};
use crate::controller::{Controller, UiState};
use crate::scene::Frame;
use crate::stats::Stats;
use crate::url_state::UrlState;

/// Everything components share: the controller and the signals derived
/// from it. Components read the signals and act through [`AppCtx::act`].
#[derive(Clone, Copy)]
pub struct AppCtx {
    pub ctrl: StoredValue<Controller, LocalStorage>,
    pub frame: RwSignal<Frame>,
    pub stats: RwSignal<Stats>,
    pub ui: RwSignal<UiState>,
    /// Bumped when the event log's rows change.
    pub log_rev: RwSignal<u64>,
    /// Bumped when another scenario is loaded (static parts re-render).
    pub model_rev: RwSignal<u64>,
}

impl AppCtx {
    /// Wraps a controller into fresh signals. Call inside a reactive owner
    /// (a component or a mount closure).
    pub fn new(mut ctrl: Controller) -> AppCtx {
        let ui = UiState::of(&mut ctrl);
        let frame = ctrl.frame();
        AppCtx {
            ctrl: StoredValue::new_local(ctrl),
            frame: RwSignal::new(frame),
            stats: RwSignal::new(Stats::default()),
            ui: RwSignal::new(ui),
            log_rev: RwSignal::new(0),
            model_rev: RwSignal::new(0),
        }
    }

    /// Runs an action on the controller, then refreshes what it shows.
    pub fn act(&self, f: impl FnOnce(&mut Controller)) {
        let before = self
            .ctrl
            .with_value(|c| c.model.scenario.name.clone() + &c.session.seed().to_string());
        self.ctrl.update_value(f);
        let after = self
            .ctrl
            .with_value(|c| c.model.scenario.name.clone() + &c.session.seed().to_string());
        if before != after {
            self.model_rev.update(|r| *r += 1);
        }
        self.refresh();
        crate::driver::refresh_panels(*self);
        self.sync_url();
    }

    /// Copies the controller's state into the signals.
    pub fn refresh(&self) {
        let (ui, frame) = self
            .ctrl
            .try_update_value(|c| (UiState::of(c), c.frame()))
            .unwrap_or_default();
        if self.ui.with_untracked(|u| *u != ui) {
            self.ui.set(ui);
        }
        self.frame.set(frame);
    }

    /// Writes the current state into the address bar (without a reload or
    /// a history entry), so reloading or copying the URL keeps the run.
    pub fn sync_url(&self) {
        let query = self.ctrl.with_value(|c| c.url_state().to_query());
        if let Some(w) = web_sys::window()
            && let Ok(h) = w.history()
        {
            let path = w.location().pathname().unwrap_or_default();
            let _ = h.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("{path}{query}")),
            );
        }
    }

    /// The full share link of the current state.
    pub fn share_url(&self) -> String {
        let query = self.ctrl.with_value(|c| {
            let mut u = c.url_state();
            u.embed = false;
            u.autoplay = false;
            u.to_query()
        });
        let w = web_sys::window();
        let origin = w
            .as_ref()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let path = w
            .as_ref()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default();
        format!("{origin}{path}{query}")
    }
}

/// True if a key event comes from a text field (shortcuts stay out of it).
fn typing_in_a_field(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let (url, notices) = UrlState::parse(&search);
    let ctx = AppCtx::new(Controller::from_url(&url, notices));
    provide_context(ctx);
    crate::driver::use_driver(ctx);

    let keys = window_event_listener(ev::keydown, move |ev| {
        if typing_in_a_field(&ev) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        match ev.key().as_str() {
            " " => {
                ev.prevent_default();
                ctx.act(|c| c.toggle());
            }
            "ArrowRight" => {
                ev.prevent_default();
                ctx.act(|c| c.step());
            }
            "+" | "=" => ctx.act(|c| c.playback.faster()),
            "-" | "_" => ctx.act(|c| c.playback.slower()),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    let embed = url.embed;
    let notices = move || ctx.ui.with(|u| u.notices.clone());
    view! {
        <Show
            when=move || !embed
            fallback=move || view! { <EmbedPage /> }
        >
            <main class="page">
                <header class="page__header">
                    <h1 class="page__title">"Orderflow Playground"</h1>
                    <p class="page__intro">
                        "Watch orders travel through their services, then break one and see what each design does about it. Everything runs in your browser on a deterministic simulation."
                    </p>
                </header>
                <Show when=move || !notices().is_empty()>
                    <div class="notice" role="status">
                        <strong>"Some settings in the link were not understood: "</strong>
                        <ul>{move || notices().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                    </div>
                </Show>
                <ScenarioBar />
                <Transport compact=false />
                <div class="page__main">
                    <div class="page__stage">
                        <section class="page__diagram" aria-label="Diagram">
                            <LiveDiagram />
                            <QueuePanel />
                        </section>
                        <InspectorPanel />
                        <EventLog />
                    </div>
                    <aside class="page__side">
                        <NodePanel />
                        <MetricsPanel />
                    </aside>
                </div>
                <footer class="page__footer">
                    "Keys: space play/pause · → step · + / − speed. Simulated time; every run is reproducible from its link."
                </footer>
            </main>
        </Show>
    }
}

/// `?embed=1`: the diagram and a minimal transport, sized for an iframe.
/// The page reports its height to the host page (`postMessage`) so the
/// iframe can be sized to fit.
#[component]
fn EmbedPage() -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    leptos_use::use_resize_observer(root, move |entries, _| {
        let Some(e) = entries.first() else { return };
        let height = e.content_rect().height().ceil();
        post_height(height);
    });
    view! {
        <div class="embed" node_ref=root>
            <LiveDiagram />
            <Transport compact=true />
        </div>
    }
}

/// Tells the embedding page our content height:
/// `{ type: "orderflow:height", height }`.
fn post_height(height: f64) {
    let Some(w) = web_sys::window() else { return };
    let Ok(Some(parent)) = w.parent() else { return };
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"type".into(), &"orderflow:height".into());
    let _ = js_sys::Reflect::set(&msg, &"height".into(), &height.into());
    let _ = parent.post_message(&msg, "*");
}
