//! The live service diagram: nodes with their state, edges, and a token
//! for every message in flight.

use leptos::prelude::*;

use crate::announce;
use crate::app::AppCtx;
use crate::components::token_canvas::TokenCanvas;
use crate::scene::{Frame, NodeState};
use crate::token_layer::{Fit, hit, parse_view_box};

/// Draws the current scenario's diagram from the shared frame.
///
/// Every node is a `role="img"` group whose accessible name says what it is
/// and how it is doing; clicking it (or Enter on it) opens its panel.
/// Messages in flight are painted on a canvas laid over the SVG
/// ([`TokenCanvas`]); clicking one opens its order in the inspector.
#[component]
pub fn LiveDiagram() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    move || {
        ctx.model_rev.track();
        let view = ctx.ctrl.with_value(|c| c.scene.view.clone());
        let labels: Vec<String> = view.nodes.iter().map(|n| n.label.clone()).collect();
        // A Memo: the live region is written only when the words change.
        let summary = Memo::new(move |_| ctx.frame.with(|f| announce::summary(&labels, &f.nodes)));
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
                let badge = move || state.with(NodeState::badge);
                let quiet = move || state.with(|s| !s.badge_is_alarming());
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
                        <text class="diagram__badge" class:diagram__badge--quiet=quiet x=x + w - 6.0 y=y - 5.0 text-anchor="end">
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
        let view_box = parse_view_box(&view.view_box).unwrap_or([0.0, 0.0, 1.0, 1.0]);
        let stage = NodeRef::<leptos::html::Div>::new();
        // A click on a dot opens its order in the inspector.
        let pick_token = move |ev: web_sys::MouseEvent| {
            let Some(el) = stage.get_untracked() else {
                return;
            };
            let r = el.get_bounding_client_rect();
            let fit = Fit::meet(view_box, r.width(), r.height());
            let Some((x, y)) = fit.from_px(
                f64::from(ev.client_x()) - r.left(),
                f64::from(ev.client_y()) - r.top(),
            ) else {
                return;
            };
            if let Some(order) = ctx
                .frame
                .with_untracked(|f| hit(&f.tokens, x, y).map(|t| t.order))
            {
                ctx.act(|c| c.selected_order = Some(order));
            }
        };
        let in_flight = move || ctx.frame.with(|f| f.tokens.len());
        view! {
            <div class="diagram__stage" node_ref=stage on:click=pick_token>
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
            </svg>
            <TokenCanvas view_box=view_box />
            </div>
            <p class="diagram__live" aria-live="off" data-testid="in-flight">
                {move || format!("{} messages in flight", in_flight())}
            </p>
            <p class="visually-hidden" aria-live="polite" data-testid="diagram-summary">
                {move || summary.get()}
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
        dead_letters: 0,
        class: String::new(),
        status: String::new(),
        aria: String::new(),
    }
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
