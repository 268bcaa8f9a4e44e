//! The live service diagram: nodes with their state, edges, and a token
//! for every message in flight.

use leptos::prelude::*;

use crate::app::AppCtx;
use crate::scene::{Frame, NodeState};

/// Draws the current scenario's diagram from the shared frame.
///
/// Every node is a `role="img"` group whose accessible name says what it is
/// and how it is doing; clicking it (or Enter on it) opens its panel.
/// Tokens are drawn in a pool of slots that only grows, so a frame moves
/// existing circles instead of creating and destroying elements.
#[component]
pub fn LiveDiagram() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    move || {
        ctx.model_rev.track();
        let view = ctx.ctrl.with_value(|c| c.scene.view.clone());
        let slots = RwSignal::new(0usize);
        // Grow the token pool to the largest frame seen (never shrink: no churn).
        Effect::new(move |_| {
            let n = ctx.frame.with(|f| f.tokens.len());
            if n > slots.get_untracked() {
                slots.set(n);
            }
        });
        let nodes = view
            .nodes
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let node = move |f: &Frame| f.nodes.get(i).cloned().unwrap_or_else(empty_node);
                let state = Memo::new(move |_| ctx.frame.with(node));
                let class = move || format!("{} {}", n.class, state.with(|s| s.class.clone()));
                let aria = move || state.with(|s| s.aria.clone());
                let status = move || state.with(|s| s.status.clone());
                let badge = move || state.with(badge_text);
                let selected = move || ctx.ui.with(|u| u.selected_node == Some(i));
                let select = move || ctx.act(|c| c.selected_node = if c.selected_node == Some(i) { None } else { Some(i) });
                let (x, y, w, h) = (n.x, n.y, n.w, n.h);
                let label = n.label.clone();
                let replicas = move || {
                    state.with(|s| {
                        let count = s.replica_load.len().max(1) as f64;
                        let dot_w = ((w - 16.0) / count).min(14.0);
                        s.replica_load
                            .iter()
                            .enumerate()
                            .map(|(r, load)| {
                                let rx = x + 8.0 + r as f64 * dot_w;
                                view! {
                                    <rect class="diagram__replica" x=rx y=y + h - 9.0 width=(dot_w - 2.0).max(1.0) height="5" rx="1"></rect>
                                    <rect
                                        class="diagram__replica-load"
                                        x=rx
                                        y=y + h - 9.0
                                        width=((dot_w - 2.0).max(1.0) * load).max(0.0)
                                        height="5"
                                        rx="1"
                                    ></rect>
                                }
                            })
                            .collect_view()
                    })
                };
                view! {
                    <g
                        class=class
                        class:diagram__node--selected=selected
                        role="img"
                        aria-label=aria
                        data-node=n.id.clone()
                        tabindex="0"
                        on:click=move |_| select()
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" {
                                select();
                            }
                        }
                    >
                        <rect class="diagram__box" x=x y=y width=w height=h rx="10"></rect>
                        <text class="diagram__label" x=x + w / 2.0 y=y + 19.0 text-anchor="middle">
                            {label}
                        </text>
                        <text class="diagram__status" x=x + w / 2.0 y=y + 36.0 text-anchor="middle">
                            {status}
                        </text>
                        <text class="diagram__badge" x=x + w - 6.0 y=y - 5.0 text-anchor="end">
                            {badge}
                        </text>
                        {replicas}
                    </g>
                }
            })
            .collect_view();
        let edges = view
            .edges
            .into_iter()
            .map(|e| view! { <path class="diagram__edge" data-edge=e.key d=e.d marker-end="url(#diagram-arrow)"></path> })
            .collect_view();
        let tokens = move || {
            (0..slots.get())
                .map(|i| {
                    let token = Memo::new(move |_| ctx.frame.with(|f| f.tokens.get(i).cloned()));
                    view! {
                        <circle
                            r="5"
                            class=move || token.with(|t| t.as_ref().map_or("token token--idle".to_owned(), |t| t.class.clone()))
                            transform=move || {
                                token.with(|t| t.as_ref().map(|t| format!("translate({:.1} {:.1})", t.x, t.y)).unwrap_or_default())
                            }
                            on:click=move |_| {
                                if let Some(o) = token.with_untracked(|t| t.as_ref().map(|t| t.order)) {
                                    ctx.act(|c| c.selected_order = Some(o));
                                }
                            }
                        ></circle>
                    }
                })
                .collect_view()
        };
        let in_flight = move || ctx.frame.with(|f| f.tokens.len());
        view! {
            <svg
                class="diagram"
                viewBox=view.view_box
                role="group"
                aria-label="Service diagram of the order flow"
                preserveAspectRatio="xMidYMid meet"
            >
                <title>"Service diagram: messages move as coloured dots"</title>
                <defs>
                    <marker
                        id="diagram-arrow"
                        viewBox="0 0 10 10"
                        refX="9"
                        refY="5"
                        markerWidth="7"
                        markerHeight="7"
                        orient="auto-start-reverse"
                    >
                        <path class="diagram__arrowhead" d="M0 0 L10 5 L0 10 z"></path>
                    </marker>
                </defs>
                <g class="diagram__edges">{edges}</g>
                <g class="diagram__nodes">{nodes}</g>
                <g class="diagram__tokens" aria-hidden="true">{tokens}</g>
            </svg>
            <p class="diagram__live" aria-live="off" data-testid="in-flight">
                {move || format!("{} messages in flight", in_flight())}
            </p>
            <Legend />
        }
    }
}

fn empty_node() -> NodeState {
    NodeState {
        up: true,
        busy: 0,
        capacity: 0,
        queued: 0,
        replicas: 0,
        replica_load: Vec::new(),
        latency_factor: 1.0,
        error_rate: 0.0,
        drop_rate: 0.0,
        breaker: None,
        class: String::new(),
        status: String::new(),
        aria: String::new(),
    }
}

/// The corner badge: what is wrong with a node, in a word or two.
fn badge_text(s: &NodeState) -> String {
    let mut parts = Vec::new();
    if !s.up {
        parts.push("DOWN".to_owned());
    }
    if s.latency_factor > 1.0 {
        parts.push(format!("slow ×{}", s.latency_factor));
    }
    if s.error_rate > 0.0 {
        parts.push(format!("{:.0}% errors", s.error_rate * 100.0));
    }
    if s.drop_rate > 0.0 {
        parts.push(format!("{:.0}% lost", s.drop_rate * 100.0));
    }
    if let Some(b) = s.breaker {
        parts.push(format!("breaker {}", b.as_str().replace('_', "-")));
    }
    parts.join(" · ")
}

/// What the token colours mean.
#[component]
fn Legend() -> impl IntoView {
    let kinds = ["request", "response", "event", "callback", "poll", "push"];
    view! {
        <ul class="legend" aria-label="Message colours">
            {kinds
                .into_iter()
                .map(|k| {
                    view! {
                        <li class="legend__item">
                            <svg class="legend__swatch" viewBox="0 0 12 12" aria-hidden="true">
                                <circle class=format!("token token--{k}") cx="6" cy="6" r="5"></circle>
                            </svg>
                            {k}
                        </li>
                    }
                })
                .collect_view()}
            <li class="legend__item">
                <svg class="legend__swatch" viewBox="0 0 12 12" aria-hidden="true">
                    <circle class="token token--request token--error" cx="6" cy="6" r="5"></circle>
                </svg>
                "error / timeout"
            </li>
            <li class="legend__item">
                <svg class="legend__swatch" viewBox="0 0 12 12" aria-hidden="true">
                    <circle class="token token--request token--dropped" cx="6" cy="6" r="5"></circle>
                </svg>
                "lost"
            </li>
        </ul>
    }
}
