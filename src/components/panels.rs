//! Side panels: broker queues, the selected node's controls ("break
//! things"), the metrics, and the order inspector.

use leptos::prelude::*;
use orderflow_sim::metrics::Summary;
use orderflow_sim::scenario::ServiceKind;
use orderflow_sim::{Command, Completion};

use crate::app::AppCtx;
use crate::controller::FaultPreset;
use crate::inspector::{Story, bar};
use crate::stats::{CHART_H, CHART_W, Chart};

/// Broker queues as bars: waiting, in flight (unacknowledged), dead letters.
#[component]
pub fn QueuePanel() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let queues = Memo::new(move |_| ctx.frame.with(|f| f.queues.clone()));
    let broker_up = move || ctx.frame.with(|f| f.broker_up);
    view! {
        <Show when=move || queues.with(|q| !q.is_empty())>
            <div class="queues" aria-label="Broker queues" role="group">
                <h2 class="panel__title">
                    "Broker queues" {move || if broker_up() { "" } else { " — broker restarting" }}
                </h2>
                <ul class="queues__list">
                    {move || {
                        queues
                            .get()
                            .into_iter()
                            .map(|q| {
                                let scale = (q.ready + q.delayed + q.inflight).max(20) as f64;
                                let wait_pct = f64::from(q.ready + q.delayed) / scale * 100.0;
                                let fly_pct = f64::from(q.inflight) / scale * 100.0;
                                let label = format!(
                                    "{}: {} waiting, {} in flight, {} dead-lettered",
                                    q.id,
                                    q.ready + q.delayed,
                                    q.inflight,
                                    q.dead_lettered
                                );
                                view! {
                                    <li class="queues__row" class:queues__row--dlq=q.is_dead_letter_queue data-queue=q.id.clone()>
                                        <span class="queues__name">
                                            {q.id.clone()}
                                            {if q.durable { "" } else { " (transient)" }}
                                        </span>
                                        <span class="queues__bar" role="img" aria-label=label.clone()>
                                            <span class="queues__waiting" style:width=format!("{wait_pct:.1}%")></span>
                                            <span class="queues__inflight" style:width=format!("{fly_pct:.1}%")></span>
                                        </span>
                                        <span class="queues__numbers" data-testid=format!("queue-{}", q.id)>
                                            {format!("{} waiting · {} in flight", q.ready + q.delayed, q.inflight)}
                                            {(q.dead_lettered > 0).then(|| format!(" · {} DLQ", q.dead_lettered))}
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
    let ctx = expect_context::<AppCtx>();
    let selected = Memo::new(move |_| ctx.ui.with(|u| u.selected_node));
    let presets = Memo::new(move |_| {
        ctx.model_rev.track();
        ctx.ctrl.with_value(|c| c.fault_presets())
    });
    view! {
        <section class="panel" aria-label="Break things">
            <h2 class="panel__title">"Break things"</h2>
            {move || fault_buttons(ctx, presets.get())}
            {move || match selected.get() {
                None => view! { <p class="panel__hint">"Click a service in the diagram to change it."</p> }.into_any(),
                Some(i) => view! { <NodeControls index=i /> }.into_any(),
            }}
        </section>
    }
}

/// One button per timed fault: applies it now, undoes it after its duration.
fn fault_buttons(ctx: AppCtx, presets: Vec<FaultPreset>) -> impl IntoView {
    view! {
        <div class="panel__presets">
            {presets
                .into_iter()
                .map(|p| {
                    let label = p.label.clone();
                    view! {
                        <button
                            class="button button--fault"
                            on:click=move |_| {
                                let p = p.clone();
                                ctx.act(move |c| c.apply_for(p.on, p.off, p.duration))
                            }
                        >
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
fn NodeControls(index: usize) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let (id, label, kind, base_error) = ctx.ctrl.with_value(|c| {
        let s = &c.model.services[index];
        (s.id.clone(), s.label.clone(), s.kind, s.error_rate)
    });
    let state = Memo::new(move |_| ctx.frame.with(|f| f.nodes.get(index).cloned()));
    let node_presets = ctx.ctrl.with_value(|c| c.node_fault_presets(index));
    let up = move || state.with(|s| s.as_ref().is_some_and(|s| s.up));
    let id2 = id.clone();
    let toggle_up = move |_| {
        let service = id2.clone();
        let up = up();
        ctx.act(move |c| c.apply(Command::SetUp { service, up: !up }));
    };
    let set = move |cmd: Command| ctx.act(move |c| c.apply(cmd));
    let (id_lat, id_err, id_rep, id_drop) = (id.clone(), id.clone(), id.clone(), id.clone());
    let is_service = !matches!(kind, ServiceKind::Client | ServiceKind::Broker);
    view! {
        <div class="node-controls" role="group" aria-label=format!("Controls for {label}")>
            <h3 class="node-controls__title">{label.clone()}</h3>
            <p class="node-controls__state">{move || state.with(|s| s.as_ref().map(|s| s.aria.clone()).unwrap_or_default())}</p>
            <Show when=move || kind == ServiceKind::Broker>
                <button
                    class="button button--fault"
                    on:click=move |_| set(Command::RestartBroker { downtime_ms: 2_000 })
                >
                    "Restart the broker (2 s down)"
                </button>
            </Show>
            <Show when=move || kind != ServiceKind::Broker>
                <button class="button" on:click=toggle_up.clone()>
                    {move || if up() { format!("Take {} down", "it") } else { "Bring it up".to_owned() }}
                </button>
            </Show>
            <Show when=move || is_service>
                {
                    let id_lat = id_lat.clone();
                    let id_err = id_err.clone();
                    let id_rep = id_rep.clone();
                    let id_drop = id_drop.clone();
                    view! {
                        <label class="node-controls__field">
                            "Latency ×"
                            <select
                                aria-label="Latency multiplier"
                                prop:value=move || state.with(|s| s.as_ref().map_or(1.0, |s| s.latency_factor)).to_string()
                                on:change=move |ev| {
                                    if let Ok(f) = event_target_value(&ev).parse::<f64>() {
                                        set(Command::SetLatencyFactor { service: id_lat.clone(), factor: f });
                                    }
                                }
                            >
                                {[1.0, 2.0, 5.0, 10.0, 50.0]
                                    .into_iter()
                                    .map(|f| view! { <option value=f.to_string()>{format!("×{f}")}</option> })
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
                                prop:value=move || {
                                    (state.with(|s| s.as_ref().map_or(0.0, |s| s.error_rate)) * 100.0).round().to_string()
                                }
                                on:change=move |ev| {
                                    if let Ok(p) = event_target_value(&ev).parse::<f64>() {
                                        set(Command::SetErrorRate { service: id_err.clone(), rate: (p / 100.0).clamp(0.0, 1.0) });
                                    }
                                }
                            />
                            <output>{move || format!("{:.0}%", state.with(|s| s.as_ref().map_or(0.0, |s| s.error_rate)) * 100.0)}</output>
                        </label>
                        <label class="node-controls__field">
                            "Message loss "
                            <input
                                type="range"
                                min="0"
                                max="100"
                                step="5"
                                aria-label="Message loss"
                                prop:value=move || {
                                    (state.with(|s| s.as_ref().map_or(0.0, |s| s.drop_rate)) * 100.0).round().to_string()
                                }
                                on:change=move |ev| {
                                    if let Ok(p) = event_target_value(&ev).parse::<f64>() {
                                        set(Command::SetDropRate { service: id_drop.clone(), rate: (p / 100.0).clamp(0.0, 1.0) });
                                    }
                                }
                            />
                        </label>
                        <div class="node-controls__field">
                            "Replicas "
                            {
                                let (dec, inc) = (id_rep.clone(), id_rep.clone());
                                view! {
                                    <button
                                        class="button button--small"
                                        aria-label="Fewer replicas"
                                        on:click=move |_| {
                                            let n = state.with_untracked(|s| s.as_ref().map_or(1, |s| s.replicas));
                                            set(Command::SetReplicas { service: dec.clone(), replicas: n.saturating_sub(1).max(1) });
                                        }
                                    >
                                        "−"
                                    </button>
                                    <output aria-label="Replicas">{move || state.with(|s| s.as_ref().map_or(0, |s| s.replicas))}</output>
                                    <button
                                        class="button button--small"
                                        aria-label="More replicas"
                                        on:click=move |_| {
                                            let n = state.with_untracked(|s| s.as_ref().map_or(1, |s| s.replicas));
                                            set(Command::SetReplicas { service: inc.clone(), replicas: (n + 1).min(64) });
                                        }
                                    >
                                        "+"
                                    </button>
                                }
                            }
                        </div>
                        {fault_buttons(ctx, node_presets.clone())}
                        <p class="node-controls__note">{format!("Normal error rate: {:.0}%", base_error * 100.0)}</p>
                    }
                }
            </Show>
        </div>
    }
}

fn fmt_ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} s", v / 1_000.0)
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.1} ms")
    }
}

fn summary_row(name: &'static str, s: Summary) -> impl IntoView {
    view! {
        <tr>
            <th scope="row">{name}</th>
            <td>{s.count}</td>
            <td>{fmt_ms(s.p50_ms)}</td>
            <td>{fmt_ms(s.p95_ms)}</td>
            <td>{fmt_ms(s.p99_ms)}</td>
            <td>{fmt_ms(s.max_ms)}</td>
        </tr>
    }
}

fn chart_view(chart: Chart) -> impl IntoView {
    let title = chart.title.clone();
    let legend = chart
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| view! { <li class=format!("chart__key chart__key--{}", i % 6)>{format!("{} {:.0}{}", l.label, l.last, chart.unit)}</li> })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption class="chart__title">{title.clone()} <span class="chart__max">{format!(" (max {}{})", chart.y_max, chart.unit)}</span></figcaption>
            <svg class="chart__svg" viewBox=format!("0 0 {CHART_W} {CHART_H}") role="img" aria-label=title preserveAspectRatio="none">
                <rect class="chart__bg" x="0" y="0" width=CHART_W height=CHART_H></rect>
                {chart
                    .lines
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| view! { <path class=format!("chart__line chart__line--{}", i % 6) d=l.d></path> })
                    .collect_view()}
            </svg>
            <ul class="chart__legend">{legend}</ul>
            <p class="chart__axis">{format!("{:.0} s … {:.0} s", chart.t0, chart.t1)}</p>
        </figure>
    }
}

/// Live counters, latency percentiles, client-side costs and charts.
#[component]
pub fn MetricsPanel() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let counters = Memo::new(move |_| ctx.frame.with(|f| f.counters));
    let stats = ctx.stats;
    let counter =
        move |name: &'static str, key: &'static str, get: fn(&crate::scene::Counters) -> u64| {
            view! {
                <div class=format!("counter counter--{key}") data-testid=format!("count-{key}")>
                    <span class="counter__value">{move || counters.with(get)}</span>
                    <span class="counter__name">{name}</span>
                </div>
            }
        };
    view! {
        <section class="panel metrics" aria-label="Metrics">
            <h2 class="panel__title">"Orders"</h2>
            <div class="counters">
                {counter("completed", "completed", |c| c.completed)}
                {counter("failed cleanly", "failed", |c| c.failed)}
                {counter("compensated", "compensated", |c| c.compensated)}
                {counter("inconsistent", "inconsistent", |c| c.inconsistent)}
                {counter("lost", "lost", |c| c.lost)}
                {counter("in flight", "in-flight", |c| c.in_flight)}
            </div>
            {move || {
                let s = stats.get();
                let mode = s.mode.unwrap_or(Completion::Sync);
                view! {
                    <table class="latency">
                        <caption>"Latency"</caption>
                        <thead>
                            <tr><th></th><th>"n"</th><th>"p50"</th><th>"p95"</th><th>"p99"</th><th>"max"</th></tr>
                        </thead>
                        <tbody>
                            {summary_row("client answer", s.response)}
                            {summary_row("client knows outcome", s.completion)}
                            {summary_row("work really done", s.done)}
                            {summary_row("consistency window", s.window)}
                            {(mode != Completion::Sync).then(|| summary_row("detection lag", s.lag))}
                        </tbody>
                    </table>
                    <dl class="client-costs" data-testid="client-costs">
                        <dt>"polls"</dt><dd data-testid="polls">{s.client.polls}</dd>
                        <dt>"wasted polls"</dt><dd data-testid="wasted-polls">{s.client.wasted_polls}</dd>
                        <dt>"webhooks sent"</dt><dd data-testid="webhooks-sent">{s.client.callbacks_sent}</dd>
                        <dt>"failed webhook deliveries"</dt><dd data-testid="callback-failures">{s.client.callback_failures}</dd>
                        <dt>"pushes"</dt><dd data-testid="pushes">{s.client.pushes_sent}</dd>
                        <dt>"client timeouts"</dt><dd>{s.client.timeouts}</dd>
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
                            <thead><tr><th>"SKU"</th><th>"available"</th><th>"reserved"</th><th>"shipped"</th></tr></thead>
                            <tbody>
                                {s.stock.into_iter().map(|r| view! {
                                    <tr data-sku=r.sku.clone()>
                                        <th scope="row">{r.sku.clone()}</th>
                                        <td data-col="available">{r.available}</td>
                                        <td data-col="reserved">{r.reserved}</td>
                                        <td data-col="shipped">{r.shipped}</td>
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
                        let label = strip.label.clone();
                        view! {
                            <figure class="chart">
                                <figcaption class="chart__title">{format!("breaker {label}")}</figcaption>
                                <svg class="strip" viewBox=format!("0 0 {CHART_W} 12") role="img" aria-label=format!("breaker {label} state over time") preserveAspectRatio="none" data-testid="breaker-strip">
                                    {strip.segments.into_iter().map(|seg| view! {
                                        <rect class=format!("strip__seg strip__seg--{}", seg.state.as_str()) x=seg.x y="0" width=seg.w height="12"></rect>
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
                        <thead><tr><th>"service"</th><th>"busy"</th><th>"wait p95"</th><th>"503s"</th><th>"refused"</th></tr></thead>
                        <tbody>
                            {s.services.into_iter().map(|r| view! {
                                <tr>
                                    <th scope="row">{r.label}</th>
                                    <td><meter min="0" max="1" value=r.utilisation>{format!("{:.0}%", r.utilisation * 100.0)}</meter></td>
                                    <td>{fmt_ms(r.p95_wait_ms)}</td>
                                    <td>{r.rejected}</td>
                                    <td>{r.refused}</td>
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
    let ctx = expect_context::<AppCtx>();
    let selected = Memo::new(move |_| ctx.ui.with(|u| u.selected_order));
    let story = Memo::new(move |_| {
        ctx.log_rev.track();
        let order = selected.get()?;
        Some(ctx.ctrl.with_value(|c| {
            (
                Story::build(&c.model, order, c.session.store().events()),
                c.session.now(),
            )
        }))
    });
    let pick = move |v: String| {
        if let Ok(o) = v.trim().trim_start_matches("o#").parse::<u64>() {
            ctx.act(|c| c.selected_order = Some(o));
        }
    };
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
                    on:change=move |ev| pick(event_target_value(&ev))
                />
            </label>
            <span class="panel__hint">" or click a moving dot in the diagram."</span>
            {move || match story.get() {
                None => view! { <p class="panel__hint">"No order selected."</p> }.into_any(),
                Some((s, now)) if s.created.is_none() => view! {
                    <p class="panel__hint">{format!("Order {} has not been seen yet (or fell out of the kept trace) at {now}.", s.order)}</p>
                }.into_any(),
                Some((s, now)) => {
                    let range = s.range();
                    let summary = format!(
                        "{} — {} messages, {} waiting for workers",
                        s.settled.map_or("still in flight".to_owned(), |(t, o)| format!("{} at {t}", o.as_str())),
                        s.messages,
                        fmt_ms(s.waiting_us() as f64 / 1e3),
                    );
                    let moments = [
                        ("client answered", s.answered.map(|(t, a)| (t, format!("{a:?}")))),
                        (if s.settled.is_some() { "work really done" } else { "last work so far" }, s.done.map(|t| (t, String::new()))),
                        ("client learned outcome", s.learned.clone()),
                    ];
                    view! {
                        <p class="inspector__summary" data-testid="story-summary">{summary}</p>
                        <ul class="inspector__moments">
                            {moments.into_iter().map(|(name, m)| view! {
                                <li>{name}": "{m.map_or("—".to_owned(), |(t, what)| format!("{t} {what}"))}</li>
                            }).collect_view()}
                            <li>
                                "eventual-consistency window: "
                                {s.consistency_window().map_or("—".to_owned(), |w| fmt_ms(w as f64 / 1e3))}
                            </li>
                        </ul>
                        <ol class="waterfall" aria-label="Work per service">
                            {s.spans.iter().map(|sp| {
                                let b = bar(sp, range, now);
                                let title = format!(
                                    "{} {}: waited {}, worked {}{}",
                                    sp.service,
                                    sp.op,
                                    fmt_ms(sp.started.since(sp.arrived) as f64 / 1e3),
                                    fmt_ms(sp.ended.unwrap_or(now).since(sp.started) as f64 / 1e3),
                                    sp.result.as_ref().map_or(" (running)".to_owned(), |r| format!(", {r}")),
                                );
                                let aria = title.clone();
                                view! {
                                    <li class="waterfall__row" title=title>
                                        <span class="waterfall__label">{format!("{} · {}", sp.service, sp.op)}</span>
                                        <span class="waterfall__track" role="img" aria-label=aria>
                                            <span class="waterfall__wait" style:left=format!("{:.2}%", b.wait_left) style:width=format!("{:.2}%", b.wait_width)></span>
                                            <span class="waterfall__work" class:waterfall__work--failed=!sp.ok && sp.ended.is_some() style:left=format!("{:.2}%", b.work_left) style:width=format!("{:.2}%", b.work_width)></span>
                                        </span>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        <ul class="inspector__notes">
                            {s.notes.iter().map(|n| view! {
                                <li class=format!("inspector__note inspector__note--{}", n.kind)>{format!("{} {}", n.t, n.text)}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}
