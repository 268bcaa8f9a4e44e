//! Owns the page: the controller behind its two handles ([`Live`] to read,
//! [`Actions`] to act), the layout of the panels, keyboard shortcuts, the
//! URL kept in sync, and the embed mode for iframes (its API to the host
//! page is `embed.rs` and `embed_bridge.rs`).
//!
//! Components never see the controller. They read narrow, read-only signals
//! from [`Live`] and call the named methods of [`Actions`], the way the
//! Leptos examples hand children a read signal and a setter.

use std::ops::Range;
use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;

use crate::claims_view::ClaimShow;
use crate::compare_view::DeltaTable;
use crate::components::{
    ClaimsPanel, CompareBar, DeltaPanel, DesignDrawer, EventLog, ExportMenu, FirstDesignName,
    InspectorPanel, LiveDiagram, MetricsPanel, NodePanel, QueuePanel, ScenarioBar, SideBySide,
    TabBar, TabPanel, Transport,
};
use crate::controller::{Controller, UiState};
use crate::controls_view::{Shortcut, slider_to_speed};
use crate::design_panel::{self, DesignPanel};
use crate::driver::{Animated, FrameWork};
use crate::event_log::{LogFilter, LogRow};
use crate::faults::{FaultPreset, rate_of_percent};
use crate::inspector::Inspection;
use crate::run::DesignView;
use crate::scene::Frame;
use crate::seeds_worker;
use crate::stats::{Chart, Stats};
use crate::tabs::Tab;
use crate::url_state::UrlState;
use orderflow_sim::ids::{OrderId, ServiceId};
use orderflow_sim::{Completion, IdSource, SimTime};

/// What components read: signals copied out of the controller, read-only.
#[derive(Clone, Copy)]
pub struct Live {
    /// The picture at the current time, every animation frame.
    pub frame: ReadSignal<Frame>,
    /// What the controls show, after every action and a few times a second.
    pub ui: ReadSignal<UiState>,
    /// The metrics panel, a few times a second.
    pub stats: ReadSignal<Stats>,
    /// Bumped when the event log's rows change.
    pub log_rev: ReadSignal<u64>,
    /// What stays fixed for the design; replaced when its model is rebuilt
    /// (another preset, seed, order count or completion mode).
    pub design: ReadSignal<Arc<DesignView>>,
    /// The other designs' fixed parts (empty with one design).
    pub others: ReadSignal<Arc<Vec<DesignView>>>,
    /// The other designs' pictures, every animation frame.
    pub other_frames: ReadSignal<Vec<Frame>>,
    /// The delta table (two or three designs), a few times a second.
    pub delta: ReadSignal<Option<DeltaTable>>,
    /// The comparison's overlaid charts, a few times a second.
    pub charts: ReadSignal<Vec<Chart>>,
}

/// What components do: every change to the page is one of these named
/// actions. Holds the controller; copies what changed into [`Live`].
#[derive(Clone, Copy)]
pub struct Actions {
    ctrl: StoredValue<Controller, LocalStorage>,
    /// What was last copied out, to compare with.
    live: Live,
    set_frame: WriteSignal<Frame>,
    set_ui: WriteSignal<UiState>,
    set_stats: WriteSignal<Stats>,
    set_log_rev: WriteSignal<u64>,
    set_design: WriteSignal<Arc<DesignView>>,
    set_others: WriteSignal<Arc<Vec<DesignView>>>,
    set_other_frames: WriteSignal<Vec<Frame>>,
    set_delta: WriteSignal<Option<DeltaTable>>,
    set_charts: WriteSignal<Vec<Chart>>,
}

/// Wraps a controller into the page's two handles and provides them as
/// context (read them with [`use_app`]). Call inside a reactive owner (a
/// component or a mount closure).
pub fn provide_app(mut ctrl: Controller) -> (Live, Actions) {
    let ui = ctrl.ui_state();
    let frame = ctrl.frame();
    let design = Arc::new(ctrl.design_view());
    let (frame, set_frame) = signal(frame);
    let (ui, set_ui) = signal(ui);
    let (stats, set_stats) = signal(Stats::default());
    let (log_rev, set_log_rev) = signal(0);
    let (design, set_design) = signal(design);
    let (others, set_others) = signal(Arc::new(ctrl.other_design_views()));
    let (other_frames, set_other_frames) = signal(ctrl.other_frames());
    let (delta, set_delta) = signal(ctrl.delta_table());
    let (charts, set_charts) = signal(ctrl.overlaid_charts());
    let live = Live {
        frame,
        ui,
        stats,
        log_rev,
        design,
        others,
        other_frames,
        delta,
        charts,
    };
    let actions = Actions {
        ctrl: StoredValue::new_local(ctrl),
        live,
        set_frame,
        set_ui,
        set_stats,
        set_log_rev,
        set_design,
        set_others,
        set_other_frames,
        set_delta,
        set_charts,
    };
    // One context entry for both: each context type costs code in the
    // bundle.
    provide_context(actions);
    (live, actions)
}

/// The page's two handles, from the context [`provide_app`] set.
pub fn use_app() -> (Live, Actions) {
    let actions = expect_context::<Actions>();
    (actions.live, actions)
}

impl Actions {
    /// Runs `f` on the controller, then refreshes what changed. (Takes a
    /// `dyn` closure so the bundle holds one copy of this, not one per
    /// action.)
    fn act(&self, f: &mut dyn FnMut(&mut Controller)) {
        let generation = self.ctrl.try_update_value(|c| {
            f(c);
            c.generation()
        });
        if let Some(generation) = generation {
            self.after_act(generation);
        }
    }

    /// After an action: the controls and the picture, the design when the
    /// model was rebuilt, the slower panels, and the URL.
    fn after_act(&self, generation: u64) {
        self.refresh();
        if self
            .live
            .design
            .with_untracked(|d| d.generation != generation)
        {
            let (design, others) = self
                .ctrl
                .with_value(|c| (c.design_view(), c.other_design_views()));
            self.set_design.set(Arc::new(design));
            self.set_others.set(Arc::new(others));
        }
        self.refresh_panels();
        self.sync_url();
    }

    /// Copies the controls' state and the picture into the signals.
    fn refresh(&self) {
        let Some((ui, frame)) = self.ctrl.try_update_value(|c| (c.ui_state(), c.frame())) else {
            return;
        };
        if self.live.ui.with_untracked(|u| *u != ui) {
            self.set_ui.set(ui);
        }
        self.set_frame.set(frame);
        self.redraw_others();
    }

    /// The other designs' pictures (nothing to do with one design).
    fn redraw_others(&self) {
        let Some(frames) = self
            .ctrl
            .try_update_value(|c| (c.runs().len() > 1).then(|| c.other_frames()))
        else {
            return;
        };
        match frames {
            Some(f) => self.set_other_frames.set(f),
            None => {
                if self.live.other_frames.with_untracked(|f| !f.is_empty()) {
                    self.set_other_frames.set(Vec::new());
                }
            }
        }
    }

    /// Refreshes the metrics, the event log and the controls.
    fn refresh_panels(&self) {
        let Some((stats, log_changed, ui, delta, charts)) = self.ctrl.try_update_value(|c| {
            (
                c.stats(),
                c.update_log(),
                c.ui_state(),
                c.delta_table(),
                c.overlaid_charts(),
            )
        }) else {
            return;
        };
        if self.live.charts.with_untracked(|c| *c != charts) {
            self.set_charts.set(charts);
        }
        self.set_stats.set(stats);
        if self.live.delta.with_untracked(|d| *d != delta) {
            self.set_delta.set(delta);
        }
        if log_changed {
            self.set_log_rev.update(|r| *r += 1);
        }
        if self.live.ui.with_untracked(|u| *u != ui) {
            self.set_ui.set(ui);
        }
    }

    /// Writes the current state into the address bar (without a reload or
    /// a history entry), so reloading or copying the URL keeps the run.
    fn sync_url(&self) {
        let Some(query) = self.ctrl.try_with_value(|c| c.url_state().to_query()) else {
            return;
        };
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

    // ---- Transport ----

    /// Play or pause.
    pub fn toggle(&self) {
        self.act(&mut Controller::toggle);
    }

    /// The next event, then pause.
    pub fn step(&self) {
        self.act(&mut Controller::step);
    }

    /// Back to time zero.
    pub fn restart(&self) {
        self.act(&mut Controller::restart);
    }

    pub fn faster(&self) {
        self.act(&mut Controller::faster);
    }

    pub fn slower(&self) {
        self.act(&mut Controller::slower);
    }

    /// The speed at a slider position (0..=1000, log scale).
    pub fn set_speed_slider(&self, pos: f64) {
        self.act(&mut |c| c.set_speed(slider_to_speed(pos)));
    }

    /// Moves to time `t`.
    pub fn seek(&self, t: SimTime) {
        self.act(&mut |c| c.seek(t));
    }

    /// Runs `n` more orders quickly.
    pub fn fast_forward(&self, n: u64) {
        self.act(&mut |c| c.fast_forward(n));
    }

    /// What a keyboard shortcut does.
    pub fn shortcut(&self, s: Shortcut) {
        match s {
            Shortcut::Toggle => self.toggle(),
            Shortcut::Step => self.step(),
            Shortcut::Faster => self.faster(),
            Shortcut::Slower => self.slower(),
        }
    }

    // ---- What runs ----

    /// Another pattern.
    pub fn set_preset(&self, name: String) {
        self.act(&mut |c| c.set_preset(&name));
    }

    /// Another completion mode.
    pub fn set_mode(&self, mode: Completion) {
        self.act(&mut |c| c.set_mode(mode));
    }

    /// Another source of order ids.
    pub fn set_id_source(&self, id: IdSource) {
        self.act(&mut |c| c.set_id_source(id));
    }

    /// Opens a claim's run at its moment, its figure highlighted.
    pub fn show_claim(&self, show: ClaimShow) {
        self.act(&mut |c| c.show_claim(&show));
    }

    /// A seed typed into its field.
    pub fn enter_seed(&self, text: String) {
        self.act(&mut |c| c.enter_seed(&text));
    }

    /// An order count typed into its field.
    pub fn enter_orders(&self, text: String) {
        self.act(&mut |c| c.enter_orders(&text));
    }

    // ---- Compare ----

    /// "Compare with…": a copy of the first design ([`crate::controller::COPY`])
    /// or a preset.
    pub fn compare_with(&self, choice: String) {
        self.act(&mut |c| c.compare_with(&choice));
    }

    /// Takes design `k` off the page.
    pub fn remove_design(&self, k: usize) {
        self.act(&mut |c| c.remove_design(k));
    }

    /// Opens a built-in comparison.
    pub fn open_built_in(&self, id: &'static str) {
        seeds_worker::stop();
        self.act(&mut |c| c.open_built_in(id));
    }

    /// "Run N seeds" in the engine worker; the table fills in when done.
    pub fn run_seeds(&self, seeds: u64) {
        let mut job = None;
        self.act(&mut |c| job = c.start_seeds(seeds));
        let Some(job) = job else { return };
        let me = *self;
        seeds_worker::start(
            &job,
            move |design, seed_index, values| {
                me.act(&mut |c| c.seeds_received(design, seed_index, &values));
            },
            move |e| me.act(&mut |c| c.seeds_failed(e.clone())),
        );
    }

    // ---- Selection ----

    /// Opens or closes node `i`'s panel.
    pub fn toggle_node(&self, i: ServiceId) {
        self.act(&mut |c| c.toggle_node(i));
    }

    /// Opens an order in the inspector.
    pub fn select_order(&self, order: OrderId) {
        self.act(&mut |c| c.select_order(order));
    }

    /// An order number typed into the inspector.
    pub fn enter_order(&self, text: String) {
        self.act(&mut |c| c.enter_order(&text));
    }

    // ---- Break things ----

    /// A one-click timed fault.
    pub fn inject(&self, fault: FaultPreset) {
        self.act(&mut |c| c.inject(&fault));
    }

    /// Takes node `i` down, or brings it up.
    pub fn toggle_service(&self, i: ServiceId) {
        self.act(&mut |c| c.toggle_service(i));
    }

    /// Node `i`'s latency multiplier.
    pub fn set_latency_factor(&self, i: ServiceId, factor: f64) {
        self.act(&mut |c| c.set_latency_factor(i, factor));
    }

    /// Node `i`'s error rate, from a slider's percentage.
    pub fn set_error_percent(&self, i: ServiceId, percent: f64) {
        self.act(&mut |c| c.set_error_rate(i, rate_of_percent(percent)));
    }

    /// Node `i`'s message loss, from a slider's percentage.
    pub fn set_drop_percent(&self, i: ServiceId, percent: f64) {
        self.act(&mut |c| c.set_drop_rate(i, rate_of_percent(percent)));
    }

    /// `delta` more (or fewer) replicas of node `i`.
    pub fn add_replicas(&self, i: ServiceId, delta: i32) {
        self.act(&mut |c| c.add_replicas(i, delta));
    }

    pub fn restart_broker(&self) {
        self.act(&mut Controller::restart_broker);
    }

    // ---- The design (the selected run's) ----

    /// Sets one setting of the design: a new run on the same seed, or a
    /// message naming the path.
    pub fn edit_design(&self, path: String, value: String) {
        self.act(&mut |c| c.edit_design(c.design_run(), &path, &value));
    }

    /// Reads `json` (pasted or uploaded) in the JSON worker and uses it as
    /// the design, or names the bad field and keeps the design.
    pub fn replace_design(&self, json: String) {
        let Some(preset) = self
            .ctrl
            .try_with_value(|c| c.runs()[c.design_run()].preset().to_owned())
        else {
            return;
        };
        let act = *self;
        crate::on_demand::ask(
            crate::design_json::request_read(&preset, &json),
            move |reply| match crate::design_json::parse_read_reply(&reply) {
                Ok((base, edits)) => {
                    act.act(&mut |c| c.replace_design(c.design_run(), &base, edits.clone()))
                }
                Err(e) => act.act(&mut |c| c.design_refused(&e)),
            },
        );
    }

    /// Back to the preset as it is.
    pub fn reset_design(&self) {
        self.act(&mut |c| c.reset_design(c.design_run()));
    }

    /// The design panel's view model.
    pub fn design_panel(&self) -> DesignPanel {
        self.ctrl
            .try_with_value(|c| {
                let i = c.design_run();
                let edits = c.design_edits(i);
                design_panel::panel(
                    &c.design_settings(i),
                    &c.design_base_settings(i),
                    orderflow_sim::design::text::to_text(&edits),
                    edits.len(),
                )
            })
            .unwrap_or_default()
    }

    /// Asks the JSON worker for the design's scenario JSON; `done` gets it,
    /// or a message.
    pub fn design_json(&self, done: impl FnOnce(Result<String, String>) + 'static) {
        let Some(request) = self
            .ctrl
            .try_with_value(|c| c.design_json_request(c.design_run()))
        else {
            return;
        };
        crate::on_demand::ask(request, move |reply| {
            done(crate::design_json::parse_show_reply(&reply))
        });
    }

    /// The name a downloaded design gets.
    pub fn design_file_name(&self) -> String {
        self.ctrl
            .try_with_value(|c| {
                let i = c.design_run();
                design_panel::file_name(c.runs()[i].preset(), c.design_edits(i).len())
            })
            .unwrap_or_default()
    }

    // ---- The event log and the inspector (read on demand) ----

    /// Changes the event log's filter.
    pub fn edit_log_filter(&self, edit: impl FnOnce(&mut LogFilter)) {
        self.ctrl.update_value(|c| c.edit_log_filter(edit));
        self.set_log_rev.update(|r| *r += 1);
    }

    /// Rows in the event log.
    pub fn log_len(&self) -> usize {
        self.ctrl.try_with_value(|c| c.run().log_len()).unwrap_or(0)
    }

    /// Rows `range` of the event log.
    pub fn log_rows(&self, range: Range<usize>) -> Vec<LogRow> {
        self.ctrl
            .try_with_value(|c| c.run().log_rows(range))
            .unwrap_or_default()
    }

    /// The inspector's view of the selected order.
    pub fn inspection(&self) -> Inspection {
        self.ctrl
            .try_with_value(Controller::inspection)
            .unwrap_or(Inspection::Nothing)
    }

    /// A request of the page that embeds this one (`postMessage`, see
    /// `embed.rs`); a request that does not fit changes nothing and says why.
    pub fn host_request(&self, request: &crate::embed::HostMessage) -> Result<(), String> {
        let mut result = Ok(());
        self.act(&mut |c| result = crate::embed::apply(request, c));
        result
    }

    /// The on-demand worker's request for export `kind` of the current
    /// state (`export.rs`), or why there is nothing to export.
    pub fn export_request(
        &self,
        kind: crate::export::ExportKind,
        palette: &crate::export::Palette,
    ) -> Result<String, String> {
        self.ctrl
            .try_with_value(|c| crate::export::request(c, kind, palette))
            .unwrap_or_else(|| Err("the page is gone".to_owned()))
    }

    /// The full share link of the current state.
    pub fn share_url(&self) -> String {
        let query = self.ctrl.with_value(Controller::share_query);
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

impl Animated for Actions {
    fn advance(&self, wall_ms: f64, budget: u64, reduced_motion: bool) -> Option<FrameWork> {
        self.ctrl.try_update_value(|c| {
            c.set_reduced_motion(reduced_motion);
            // Busy before the tick counts too: a seek an action started
            // and this one frame finished must still end in a "settled"
            // frame, which refreshes the panels at the new time.
            let busy_before = c.busy();
            let tick = c.tick(wall_ms, budget);
            crate::embed_bridge::after_frame(c, wall_ms);
            FrameWork {
                redraw: tick.redraw,
                budget_spent: tick.budget_spent,
                busy: busy_before || c.busy(),
                skipping: c.seeking() || c.fast_forwarding(),
            }
        })
    }

    fn redraw(&self) {
        if let Some(frame) = self.ctrl.try_update_value(Controller::frame) {
            self.set_frame.set(frame);
        }
        self.redraw_others();
    }

    fn refresh_panels(&self) {
        Actions::refresh_panels(self);
    }

    fn settled(&self) {
        self.sync_url();
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
    let (live, actions) = provide_app(Controller::from_url(&url, notices));
    crate::driver::use_driver(actions);
    crate::embed_bridge::use_embed_api(actions, &url);

    let keys = window_event_listener(ev::keydown, move |ev| {
        if typing_in_a_field(&ev) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        if let Some(s) = Shortcut::of_key(&ev.key()) {
            if s.prevents_default() {
                ev.prevent_default();
            }
            actions.shortcut(s);
        }
    });
    on_cleanup(move || keys.remove());

    // Narrow screens show one panel at a time; a pick in the diagram opens
    // the panel about it.
    let tab = RwSignal::new(Tab::default());
    Effect::new(move |prev: Option<(Option<OrderId>, Option<ServiceId>)>| {
        let now = live.ui.with(|u| (u.selected_order, u.selected_node));
        if let Some((order, node)) = prev {
            let picked = Tab::for_pick(
                now.0.is_some() && now.0 != order,
                now.1.is_some() && now.1 != node,
            );
            if let Some(t) = picked {
                tab.set(t);
            }
        }
        now
    });

    let embed = url.embed;
    let notices = move || live.ui.with(|u| u.notices.clone());
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
                <CompareBar />
                <DesignDrawer />
                <Transport compact=false />
                <ExportMenu />
                <div class="page__main" class:page__main--compare=move || live.ui.with(|u| u.designs.len() > 1)>
                    <div class="page__stage">
                        <div class="page__designs">
                            <section class="page__diagram" aria-label="Diagram">
                                <FirstDesignName />
                                <LiveDiagram />
                                <QueuePanel />
                            </section>
                            <SideBySide />
                        </div>
                        <DeltaPanel />
                        <TabBar tab />
                        <TabPanel tab of=Tab::Order><InspectorPanel /></TabPanel>
                        <TabPanel tab of=Tab::Log><EventLog /></TabPanel>
                    </div>
                    <aside class="page__side">
                        <TabPanel tab of=Tab::Break><NodePanel /></TabPanel>
                        // The claims beside the metrics: "Show me" highlights
                        // a figure at the top of this same tab.
                        <TabPanel tab of=Tab::Metrics><MetricsPanel /><ClaimsPanel /></TabPanel>
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
/// The page reports its full height to the host page (`postMessage`, see
/// `embed_bridge.rs`) so the iframe can be sized to fit.
#[component]
fn EmbedPage() -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    leptos_use::use_resize_observer(root, move |_, _| crate::embed_bridge::post_height());
    view! {
        <div class="embed" node_ref=root>
            <FirstDesignName />
            <LiveDiagram />
            <SideBySide />
            <DeltaPanel />
            <Transport compact=true />
        </div>
    }
}
