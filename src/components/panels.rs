//! Owns the markup of the side panels: broker queues, the selected node's
//! controls ("break things"), the metrics, and the order inspector. Their
//! figures and words come from [`crate::scene`], [`crate::faults`],
//! [`crate::stats`] and [`crate::inspector`].

use leptos::prelude::*;
use orderflow_sim::ids::ServiceId;

use crate::app::use_app;
use crate::components::claims::ClaimFigurePanel;
use crate::faults::{FaultPreset, NodeControls, NodeSettings};
use crate::inspector::Inspection;
use crate::scene::HEADLINES;
use crate::stats::{CHART_H, CHART_VIEW_BOX, CHART_W, Chart, STRIP_H, STRIP_VIEW_BOX};

/// Broker queues as bars: waiting, in flight (unacknowledged), dead letters.
#[component]
pub fn QueuePanel() -> impl IntoView {
    let (live, _) = use_app();
    let queues = Memo::new(move |_| live.frame.with(|f| f.queues.clone()));
    let title = move || live.frame.with(|f| f.queues_title());
    view! {
        <Show when=move || queues.with(|q| !q.is_empty())>
            <div class="queues" aria-label="Broker queues" role="group">
                <h2 class="panel__title">{title}</h2>
                <ul class="queues__list">
                    {move || {
                        queues
                            .with(|q| q.iter().map(|q| q.row()).collect::<Vec<_>>())
                            .into_iter()
                            .map(|q| {
                                view! {
                                    <li class="queues__row" class:queues__row--dlq=q.dead_letter_queue data-queue=q.id.clone()>
                                        <span class="queues__name">{q.name}</span>
                                        <span class="queues__bar" role="img" aria-label=q.aria>
                                            <span class="queues__waiting" style:width=q.waiting_width></span>
                                            <span class="queues__inflight" style:width=q.inflight_width></span>
                                        </span>
                                        <span class="queues__numbers" data-testid=q.test_id>
                                            {q.numbers}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </Show>
    }
}

/// The selected node: take it down or up, slow it, make it fail, scale it;
/// restart the broker; one-click timed faults. Every change is a recorded
/// engine command, so seeking and replay stay exact.
#[component]
pub fn NodePanel() -> impl IntoView {
    let (live, _) = use_app();
    let selected = Memo::new(move |_| live.ui.with(|u| u.selected_node));
    let presets = Memo::new(move |_| live.design.with(|d| d.faults.clone()));
    view! {
        <section class="panel" aria-label="Break things">
            <h2 class="panel__title">"Break things"</h2>
            {move || view! { <FaultButtons faults=presets.get() /> }}
            {move || {
                let shown = selected
                    .get()
                    .and_then(|i| live.design.with(|d| d.nodes.get(i).cloned()).map(|c| (i, c)));
                match shown {
                    None => view! { <p class="panel__hint">"Click a service in the diagram to change it."</p> }.into_any(),
                    Some((i, controls)) => view! { <NodeControlsPanel index=i controls=controls /> }.into_any(),
                }
            }}
        </section>
    }
}

/// One button per timed fault: applies it now, undoes it after its duration.
#[component]
fn FaultButtons(
    /// The faults offered.
    faults: Vec<FaultPreset>,
) -> impl IntoView {
    let (_, act) = use_app();
    view! {
        <div class="panel__presets">
            {faults
                .into_iter()
                .map(|p| {
                    let label = p.label.clone();
                    view! {
                        <button class="button button--fault" on:click=move |_| act.inject(p.clone())>
                            {label}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// Controls for node `index`.
#[component]
fn NodeControlsPanel(
    /// The node (its service).
    index: ServiceId,
    /// What the node's controls offer.
    controls: NodeControls,
) -> impl IntoView {
    let (live, act) = use_app();
    let state = Memo::new(move |_| live.frame.with(|f| f.nodes.get(index).cloned()));
    let settings = move || state.with(|s| NodeSettings::of(s.as_ref()));
    let NodeControls {
        label,
        aria_label,
        is_broker,
        is_service,
        normal_error,
        restart_label,
        faults,
        latency_options,
    } = controls;
    view! {
        <div class="node-controls" role="group" aria-label=aria_label>
            <h3 class="node-controls__title">{label}</h3>
            <p class="node-controls__state">{move || settings().state}</p>
            <Show when=move || is_broker>
                <button class="button button--fault" on:click=move |_| act.restart_broker()>
                    {restart_label.clone()}
                </button>
            </Show>
            <Show when=move || !is_broker>
                <button class="button" on:click=move |_| act.toggle_service(index)>
                    {move || settings().toggle_label}
                </button>
            </Show>
            <Show when=move || is_service>
                <label class="node-controls__field">
                    "Latency ×"
                    <select
                        aria-label="Latency multiplier"
                        prop:value=move || settings().latency
                        on:change=move |ev| {
                            if let Ok(f) = event_target_value(&ev).parse::<f64>() {
                                act.set_latency_factor(index, f);
                            }
                        }
                    >
                        {latency_options
                            .clone()
                            .into_iter()
                            .map(|(value, text)| view! { <option value=value>{text}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label class="node-controls__field">
                    "Error rate "
                    <input
                        type="range"
                        min="0"
                        max="100"
                        step="5"
                        aria-label="Error rate"
                        prop:value=move || settings().error_percent
                        on:change=move |ev| {
                            if let Ok(p) = event_target_value(&ev).parse::<f64>() {
                                act.set_error_percent(index, p);
                            }
                        }
                    />
                    <output>{move || settings().error_text}</output>
                </label>
                <label class="node-controls__field">
                    "Message loss "
                    <input
                        type="range"
                        min="0"
                        max="100"
                        step="5"
                        aria-label="Message loss"
                        prop:value=move || settings().drop_percent
                        on:change=move |ev| {
                            if let Ok(p) = event_target_value(&ev).parse::<f64>() {
                                act.set_drop_percent(index, p);
                            }
                        }
                    />
                </label>
                <div class="node-controls__field">
                    "Replicas "
                    <button class="button button--small" aria-label="Fewer replicas" on:click=move |_| act.add_replicas(index, -1)>
                        "−"
                    </button>
                    <output aria-label="Replicas">{move || settings().replicas}</output>
                    <button class="button button--small" aria-label="More replicas" on:click=move |_| act.add_replicas(index, 1)>
                        "+"
                    </button>
                </div>
                <FaultButtons faults=faults.clone() />
                <p class="node-controls__note">{normal_error.clone()}</p>
            </Show>
        </div>
    }
}

/// A chart with its title, lines, legend and time axis.
pub fn chart_view(chart: Chart) -> impl IntoView {
    let title = chart.title.clone();
    let keys = chart
        .keys()
        .into_iter()
        .map(|(class, text)| view! { <li class=class>{text}</li> })
        .collect_view();
    let paths = chart
        .paths()
        .into_iter()
        .map(|(class, d)| view! { <path class=class d=d></path> })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption class="chart__title">{title.clone()} <span class="chart__max">{chart.max_label()}</span></figcaption>
            <svg class="chart__svg" viewBox=CHART_VIEW_BOX role="img" aria-label=title preserveAspectRatio="none">
                <rect class="chart__bg" x="0" y="0" width=CHART_W height=CHART_H></rect>
                {paths}
            </svg>
            <ul class="chart__legend">{keys}</ul>
            <p class="chart__axis">{chart.axis_label()}</p>
        </figure>
    }
}

/// Live counters, latency percentiles, client-side costs and charts.
#[component]
pub fn MetricsPanel() -> impl IntoView {
    let (live, _) = use_app();
    let counters = Memo::new(move |_| live.frame.with(|f| f.counters));
    let stats = live.stats;
    view! {
        <section class="panel metrics" aria-label="Metrics">
            <ClaimFigurePanel />
            <h2 class="panel__title">"Orders"</h2>
            <div class="counters">
                {HEADLINES
                    .into_iter()
                    .map(|h| {
                        view! {
                            <div class=h.class() data-testid=h.test_id()>
                                <span class="counter__value">{move || counters.with(h.value)}</span>
                                <span class="counter__name">{h.name}</span>
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
            {move || {
                let s = stats.get();
                view! {
                    <table class="latency">
                        <caption>"Latency"</caption>
                        <thead>
                            <tr><th></th><th>"n"</th><th>"p50"</th><th>"p95"</th><th>"p99"</th><th>"max"</th></tr>
                        </thead>
                        <tbody>
                            {s.latency_rows().into_iter().map(|r| view! {
                                <tr>
                                    <th scope="row">{r.name}</th>
                                    <td>{r.count}</td>
                                    <td>{r.p50}</td>
                                    <td>{r.p95}</td>
                                    <td>{r.p99}</td>
                                    <td>{r.max}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <dl class="client-costs cost" data-testid="cost" aria-label="Cost of our services so far">
                        {s.cost_rows().into_iter().map(|(name, value)| view! {
                            <dt>{name}</dt><dd data-cost=name>{value}</dd>
                        }).collect_view()}
                    </dl>
                    <dl class="client-costs" data-testid="client-costs">
                        <dt>"polls"</dt><dd data-testid="polls">{s.client.polls}</dd>
                        <dt>"wasted polls"</dt><dd data-testid="wasted-polls">{s.client.wasted_polls}</dd>
                        <dt>"webhooks sent"</dt><dd data-testid="webhooks-sent">{s.client.callbacks_sent}</dd>
                        <dt>"failed webhook deliveries"</dt><dd data-testid="callback-failures">{s.client.callback_failures}</dd>
                        <dt>"pushes"</dt><dd data-testid="pushes">{s.client.pushes_sent}</dd>
                        <dt>"client timeouts"</dt><dd data-testid="client-timeouts">{s.client.timeouts}</dd>
                        <dt>"client retries"</dt><dd data-testid="client-retries">{s.client.retries}</dd>
                        <dt>"retries"</dt><dd>{s.steps.retries}</dd>
                        <dt>"compensations"</dt><dd>{s.steps.compensations}</dd>
                        {s.has_payments.then(|| view! {
                            <dt>"payments queued for retry"</dt><dd data-testid="queued-for-retry">{s.payments.queued_for_retry}</dd>
                            <dt>"… of them paid later"</dt><dd data-testid="recovered">{s.payments.recovered}</dd>
                            <dt>"payments succeeded"</dt><dd data-testid="payments-success">{s.payments.success}</dd>
                            <dt>"duplicate charges absorbed"</dt><dd>{s.payments.duplicate_attempts}</dd>
                        })}
                    </dl>
                    {(!s.stock.is_empty()).then(|| view! {
                        <table class="stock" data-testid="stock">
                            <caption>"Inventory stock"</caption>
                            <thead><tr><th>"SKU"</th><th>"available"</th><th>"reserved"</th><th>"shipped"</th><th>"out of stock"</th></tr></thead>
                            <tbody>
                                {s.stock.into_iter().map(|r| view! {
                                    <tr data-sku=r.sku.clone()>
                                        <th scope="row">{r.sku.clone()}</th>
                                        <td data-col="available">{r.available}</td>
                                        <td data-col="reserved">{r.reserved}</td>
                                        <td data-col="shipped">{r.shipped}</td>
                                        <td data-col="out-of-stock">{r.out_of_stock}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                    {chart_view(s.latency_chart)}
                    {chart_view(s.queue_chart)}
                    {chart_view(s.throughput_chart)}
                    {chart_view(s.in_flight_chart)}
                    {s.strips.into_iter().map(|strip| {
                        let (caption, aria) = (strip.caption(), strip.aria_label());
                        view! {
                            <figure class="chart">
                                <figcaption class="chart__title">{caption}</figcaption>
                                <svg class="strip" viewBox=STRIP_VIEW_BOX role="img" aria-label=aria preserveAspectRatio="none" data-testid="breaker-strip">
                                    {strip.segments.into_iter().map(|seg| view! {
                                        <rect class=seg.class() x=seg.x y="0" width=seg.w height=STRIP_H></rect>
                                    }).collect_view()}
                                </svg>
                                <ul class="chart__legend">
                                    <li class="strip__key strip__key--closed">"closed"</li>
                                    <li class="strip__key strip__key--half_open">"half-open"</li>
                                    <li class="strip__key strip__key--open">"open"</li>
                                </ul>
                            </figure>
                        }
                    }).collect_view()}
                    <table class="services">
                        <caption>"Services"</caption>
                        <thead><tr><th>"service"</th><th>"calls"</th><th>"busy"</th><th>"wait p95"</th><th>"503s"</th><th>"refused"</th><th>"replica·s"</th></tr></thead>
                        <tbody>
                            {s.services.into_iter().map(|r| view! {
                                <tr>
                                    <th scope="row">{r.label.clone()}</th>
                                    <td data-col="calls">{r.received}</td>
                                    <td><meter min="0" max="1" value=r.utilisation>{r.busy_text()}</meter></td>
                                    <td>{r.wait_text()}</td>
                                    <td>{r.rejected}</td>
                                    <td>{r.refused}</td>
                                    <td>{r.cost_text()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            }}
        </section>
    }
}

/// One order's hop-by-hop story.
#[component]
pub fn InspectorPanel() -> impl IntoView {
    let (live, act) = use_app();
    let selected = Memo::new(move |_| live.ui.with(|u| u.selected_order));
    let inspection = Memo::new(move |_| {
        live.log_rev.track();
        selected.track();
        act.inspection()
    });
    view! {
        <section class="panel inspector" aria-label="Order inspector">
            <h2 class="panel__title">"Order inspector"</h2>
            <label class="bar__field">
                "Order "
                <input
                    class="bar__number"
                    type="number"
                    min="1"
                    aria-label="Order to inspect"
                    prop:value=move || selected.get().map(|o| o.to_string()).unwrap_or_default()
                    on:change=move |ev| act.enter_order(event_target_value(&ev))
                />
            </label>
            <span class="panel__hint">" or click a moving dot in the diagram."</span>
            {move || match inspection.get() {
                Inspection::Nothing => view! { <p class="panel__hint">"No order selected."</p> }.into_any(),
                Inspection::Unseen(why) => view! { <p class="panel__hint">{why}</p> }.into_any(),
                Inspection::Story(s) => view! {
                    <p class="inspector__summary" data-testid="story-summary">{s.summary}</p>
                    <ul class="inspector__moments">
                        {s.moments.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                    <ol class="waterfall" aria-label="Work per service">
                        {s.rows.into_iter().map(|r| {
                            let aria = r.title.clone();
                            view! {
                                <li class="waterfall__row" title=r.title>
                                    <span class="waterfall__label">{r.label}</span>
                                    <span class="waterfall__track" role="img" aria-label=aria>
                                        <span class="waterfall__wait" style:left=r.wait_left style:width=r.wait_width></span>
                                        <span class="waterfall__work" class:waterfall__work--failed=r.failed style:left=r.work_left style:width=r.work_width></span>
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    <ul class="inspector__notes">
                        {s.notes.into_iter().map(|(class, text)| view! { <li class=class>{text}</li> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
