//! The service diagram: nodes and edges as inline SVG.

use leptos::prelude::*;

use crate::diagram_view::DiagramView;

/// Draws a [`DiagramView`]: one labelled box per node, one curve per edge.
///
/// Every node is an `role="img"` group with an accessible name, so the
/// diagram reads as a list of named services to assistive technology.
#[component]
pub fn Diagram(
    /// What to draw; computed by [`DiagramView::new`].
    view: DiagramView,
) -> impl IntoView {
    let DiagramView {
        view_box,
        nodes,
        edges,
    } = view;
    view! {
        <svg
            class="diagram"
            viewBox=view_box
            role="group"
            aria-label="Service diagram of the order flow"
            preserveAspectRatio="xMidYMid meet"
        >
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
            <g class="diagram__edges">
                {edges
                    .into_iter()
                    .map(|e| {
                        view! {
                            <path class="diagram__edge" data-edge=e.key d=e.d marker-end="url(#diagram-arrow)"></path>
                        }
                    })
                    .collect_view()}
            </g>
            <g class="diagram__nodes">
                {nodes
                    .into_iter()
                    .map(|n| {
                        view! {
                            <g class=n.class role="img" aria-label=n.aria_label data-node=n.id>
                                <rect class="diagram__box" x=n.x y=n.y width=n.w height=n.h rx="10"></rect>
                                <text
                                    class="diagram__label"
                                    x=n.x + n.w / 2.0
                                    y=n.y + n.h / 2.0
                                    text-anchor="middle"
                                    dominant-baseline="central"
                                >
                                    {n.label}
                                </text>
                            </g>
                        }
                    })
                    .collect_view()}
            </g>
        </svg>
    }
}
