//! Owns the markup of the live service diagram: nodes with their state,
//! edges, the legend, and the canvas of messages in flight. Geometry and
//! text come from [`crate::diagram_view`] and [`crate::scene`].

use leptos::prelude::*;

use crate::announce;
use crate::app::use_app;
use crate::components::token_canvas::TokenCanvas;
use crate::diagram_view::{LEGEND, in_flight_label};
use crate::scene::{Frame, NodeState};
use crate::token_layer::pick;

/// Draws the current design's diagram from the shared frame; redrawn when
/// the design's model is rebuilt.
///
/// Every node is a `role="img"` group whose accessible name says what it is
/// and how it is doing; clicking it (or Enter on it) opens its panel.
/// Messages in flight are painted on a canvas laid over the SVG
/// ([`TokenCanvas`]); clicking one opens its order in the inspector.
#[component]
pub fn LiveDiagram() -> impl IntoView {
    view! { <DesignDiagram index=0 /> }
}

/// Draws design `index`'s diagram (0: the first, the one whose nodes and
/// messages open panels; the others are drawn side by side for
/// comparison and only show).
#[component]
pub fn DesignDiagram(index: usize) -> impl IntoView {
    let (live, act) = use_app();
    let frame: Signal<Frame> = if index == 0 {
        live.frame.into()
    } else {
        Signal::derive(move || {
            live.other_frames
                .with(|v| v.get(index - 1).cloned().unwrap_or_default())
        })
    };
    let interactive = index == 0;
    let marker = format!("diagram-arrow-{index}");
    let marker_ref = format!("url(#{marker})");
    move || {
        let view = if index == 0 {
            live.design.with(|d| d.diagram.clone())
        } else {
            live.others
                .with(|o| o.get(index - 1).map(|d| d.diagram.clone()))?
        };
        let (marker, marker_ref) = (marker.clone(), marker_ref.clone());
        let view_box = view.view_box;
        let view_box_attr = view.view_box_attr();
        let labels: Vec<String> = view.nodes.iter().map(|n| n.label.clone()).collect();
        // A Memo: the live region is written only when the words change.
        let summary =
            Memo::new(move |_| frame.with(|f| announce::summary(&labels, f.nodes.as_slice())));
        let nodes = view
            .nodes
            .ids()
            .zip(view.nodes)
            .filter(|(_, n)| n.shown)
            .map(|(i, n)| {
                let node = move |f: &Frame| f.nodes.get(i).cloned().unwrap_or_default();
                let state = Memo::new(move |_| frame.with(node));
                let class = move || state.with(|s| s.class.clone());
                let aria = move || state.with(|s| s.aria.clone());
                let status = move || state.with(|s| s.status.clone());
                let badge = move || state.with(NodeState::badge);
                let quiet = move || state.with(|s| !s.badge_is_alarming());
                let selected = move || live.ui.with(|u| u.selected_node == Some(i));
                let bars = n.clone();
                let replicas = move || {
                    state.with(|s| {
                        bars.replica_bars(&s.replica_load)
                            .into_iter()
                            .map(|b| {
                                view! {
                                    <rect class="diagram__replica" x=b.x y=b.y width=b.w height=b.h rx="1"></rect>
                                    <rect class="diagram__replica-load" x=b.x y=b.y width=b.fill_w height=b.h rx="1"></rect>
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
                        data-node=n.id
                        tabindex=if interactive { "0" } else { "-1" }
                        on:click=move |_| {
                            if interactive {
                                act.toggle_node(i);
                            }
                        }
                        on:keydown=move |ev| {
                            if interactive && ev.key() == "Enter" {
                                act.toggle_node(i);
                            }
                        }
                    >
                        <rect class="diagram__box" x=n.x y=n.y width=n.w height=n.h rx="10"></rect>
                        <text class="diagram__label" x=n.cx y=n.label_y text-anchor="middle">
                            {n.label}
                        </text>
                        <text class="diagram__status" x=n.cx y=n.status_y text-anchor="middle">
                            {status}
                        </text>
                        <text class="diagram__badge" class:diagram__badge--quiet=quiet x=n.badge_x y=n.badge_y text-anchor="end">
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
            .map(|e| view! { <path class="diagram__edge" data-edge=e.key d=e.d marker-end=marker_ref.clone()></path> })
            .collect_view();
        let stage = NodeRef::<leptos::html::Div>::new();
        // A click on a dot opens its order in the inspector.
        let pick_token = move |ev: web_sys::MouseEvent| {
            let Some(el) = stage.get_untracked().filter(|_| interactive) else {
                return;
            };
            let r = el.get_bounding_client_rect();
            let at = (
                f64::from(ev.client_x()) - r.left(),
                f64::from(ev.client_y()) - r.top(),
            );
            let size = (r.width(), r.height());
            if let Some(order) = frame.with_untracked(|f| pick(&f.tokens, view_box, size, at)) {
                act.select_order(order);
            }
        };
        let in_flight = move || frame.with(|f| in_flight_label(f.tokens.len()));
        Some(view! {
            <div class="diagram__scroll">
            <div class="diagram__stage" node_ref=stage on:click=pick_token>
            <svg
                class="diagram"
                viewBox=view_box_attr
                role="group"
                aria-label=if interactive { "Service diagram of the order flow" } else { "Services of a compared design" }
                preserveAspectRatio="xMidYMid meet"
            >
                <title>"Service diagram: messages move as coloured dots"</title>
                <defs>
                    <marker
                        id=marker
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
            <TokenCanvas view_box=view_box frame=frame />
            </div>
            </div>
            <p class="diagram__live" aria-live="off" data-testid=if interactive { "in-flight" } else { "in-flight-other" }>
                {in_flight}
            </p>
            <p class="visually-hidden" aria-live=if interactive { "polite" } else { "off" } data-testid=if interactive { "diagram-summary" } else { "diagram-summary-other" }>
                {move || summary.get()}
            </p>
            <Legend />
        })
    }
}

/// What the token colours mean.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="legend" aria-label="Message colours">
            {LEGEND
                .into_iter()
                .map(|(class, meaning)| {
                    view! {
                        <li class="legend__item">
                            <svg class="legend__swatch" viewBox="0 0 12 12" aria-hidden="true">
                                <circle class=class cx="6" cy="6" r="5"></circle>
                            </svg>
                            {meaning}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
