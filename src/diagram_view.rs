//! Owns the diagram's view model: everything the SVG needs — boxes, text
//! anchors, edge paths, the view box, the replica bars under a node, the
//! legend — computed in plain Rust from a topology and its layout, so the
//! component only copies fields into markup.

use orderflow_sim::ids::{IdVec, ServiceId};

use crate::layout::Layout;
use crate::topology::Topology;

/// One node as the SVG draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    /// The node's id (`data-node` attribute; stable for tests and styling).
    pub id: String,
    /// The visible label.
    pub label: String,
    /// What a screen reader says: label and kind.
    pub aria_label: String,
    /// BEM classes: `diagram__node diagram__node--<kind>`.
    pub class: String,
    /// False for a service the run does not use: not drawn.
    pub shown: bool,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Horizontal centre: the anchor of the label and the status line.
    pub cx: f64,
    /// Baselines of the label and of the status line.
    pub label_y: f64,
    pub status_y: f64,
    /// Anchor (right end, baseline) of the badge above the box.
    pub badge_x: f64,
    pub badge_y: f64,
}

/// One edge as the SVG draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeView {
    /// `"<from id>-><to id>"`, unique per edge.
    pub key: String,
    /// SVG path data.
    pub d: String,
}

/// The whole diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagramView {
    /// The drawing's `viewBox`: x, y, width, height (whole units).
    pub view_box: [f64; 4],
    pub nodes: IdVec<ServiceId, NodeView>,
    pub edges: Vec<EdgeView>,
}

/// Room left of the first replica bar and right of the last.
const REPLICA_INSET: f64 = 8.0;
/// The widest slot a replica's bar takes.
const REPLICA_SLOT_MAX: f64 = 14.0;
/// Gap between two replica bars.
const REPLICA_GAP: f64 = 2.0;
/// Height of a replica bar, and its distance from the box's bottom edge.
const REPLICA_BAR_H: f64 = 5.0;
const REPLICA_BOTTOM: f64 = 9.0;

/// One replica's bar under a node's label: its slot, and the part filled
/// by busy workers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplicaBar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub fill_w: f64,
}

impl NodeView {
    /// The bars of a node whose replicas are `loads` busy (0..=1 each):
    /// side by side along the bottom of the box, narrower as there are more
    /// (at least one unit wide each), so all of them fit.
    pub fn replica_bars(&self, loads: &[f64]) -> Vec<ReplicaBar> {
        let count = loads.len().max(1) as f64;
        let slot = ((self.w - 2.0 * REPLICA_INSET) / count).min(REPLICA_SLOT_MAX);
        let w = (slot - REPLICA_GAP).max(1.0);
        loads
            .iter()
            .enumerate()
            .map(|(r, load)| ReplicaBar {
                x: self.x + REPLICA_INSET + r as f64 * slot,
                y: self.y + self.h - REPLICA_BOTTOM,
                w,
                h: REPLICA_BAR_H,
                fill_w: (w * load).max(0.0),
            })
            .collect()
    }
}

impl DiagramView {
    /// The view model of `topology` laid out as `layout`.
    pub fn from_layout(topology: &Topology, layout: &Layout) -> DiagramView {
        let nodes = topology
            .nodes
            .iter()
            .zip(&layout.nodes)
            .map(|(node, b)| NodeView {
                id: node.id.clone(),
                label: node.label.clone(),
                aria_label: format!("{} ({})", node.label, node.kind.spoken()),
                class: format!("diagram__node diagram__node--{}", node.kind.css_modifier()),
                shown: node.shown,
                x: b.x,
                y: b.y,
                w: b.w,
                h: b.h,
                cx: b.x + b.w / 2.0,
                label_y: b.y + 19.0,
                status_y: b.y + 36.0,
                badge_x: b.x + b.w - 6.0,
                badge_y: b.y - 5.0,
            })
            .collect();
        let edges = layout
            .edges
            .iter()
            .map(|c| EdgeView {
                key: format!("{}->{}", topology.nodes[c.from].id, topology.nodes[c.to].id),
                d: c.svg_path(),
            })
            .collect();
        DiagramView {
            view_box: [0.0, 0.0, layout.width.ceil(), layout.height.ceil()],
            nodes,
            edges,
        }
    }

    /// The `viewBox` attribute: `"0 0 932 338"`.
    pub fn view_box_attr(&self) -> String {
        let [x, y, w, h] = self.view_box;
        format!("{x:.0} {y:.0} {w:.0} {h:.0}")
    }
}

/// The legend: (classes of the sample dot, what it means).
pub const LEGEND: [(&str, &str); 8] = [
    ("token token--request", "request"),
    ("token token--response", "response"),
    ("token token--event", "event"),
    ("token token--callback", "callback"),
    ("token token--poll", "poll"),
    ("token token--push", "push"),
    ("token token--request token--error", "error / timeout"),
    ("token token--request token--dropped", "lost"),
];

/// The live line under the diagram: "3 messages in flight".
pub fn in_flight_label(tokens: usize) -> String {
    format!("{tokens} messages in flight")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::layout;

    fn view(preset: &str) -> DiagramView {
        let model = orderflow_sim::presets::model(preset).unwrap().unwrap();
        let t = Topology::from_model(&model);
        DiagramView::from_layout(&t, &layout(&t))
    }

    #[test]
    fn every_node_is_named_and_placed() {
        let v = view("hybrid-queue");
        assert_eq!(v.nodes.len(), 9);
        let provider = v.nodes.iter().find(|n| n.id == "provider").unwrap();
        assert_eq!(provider.aria_label, "Payment Provider (external service)");
        assert_eq!(provider.class, "diagram__node diagram__node--external");
        assert_eq!(provider.cx, provider.x + 80.0);
        assert_eq!(
            (provider.label_y, provider.status_y),
            (provider.y + 19.0, provider.y + 36.0)
        );
        assert_eq!(
            (provider.badge_x, provider.badge_y),
            (provider.x + 154.0, provider.y - 5.0)
        );
        assert!(v.edges.iter().any(|e| e.key == "payment->provider"));
        // The view box holds every box.
        let [_, _, w, h] = v.view_box;
        assert!(v.nodes.iter().all(|n| n.x + n.w <= w && n.y + n.h <= h));
    }

    #[test]
    fn the_view_box_is_whole_units() {
        let v = view("sync-chain");
        // Pinned by src/snapshots/layouts.txt: sync-chain 932x338.
        assert_eq!(v.view_box, [0.0, 0.0, 932.0, 338.0]);
        assert_eq!(v.view_box_attr(), "0 0 932 338");
    }

    #[test]
    fn replica_bars_fill_with_load_and_always_fit() {
        let v = view("sync-chain");
        let n = v.nodes.iter().find(|n| n.id == "order").unwrap();
        let bars = n.replica_bars(&[0.0, 0.5, 1.0]);
        let xs: Vec<f64> = bars.iter().map(|b| b.x - n.x).collect();
        assert_eq!(xs, [8.0, 22.0, 36.0]);
        assert!(
            bars.iter()
                .all(|b| (b.w, b.h, b.y) == (12.0, 5.0, n.y + n.h - 9.0))
        );
        let fills: Vec<f64> = bars.iter().map(|b| b.fill_w).collect();
        assert_eq!(fills, [0.0, 6.0, 12.0]);
        // The engine allows 256 replicas: all of them stay inside the box.
        let many = n.replica_bars(&[1.0; 256]);
        assert_eq!(many.len(), 256);
        let last = many.last().unwrap();
        assert!(last.x + last.w <= n.x + n.w, "{last:?}");
        assert!(many.iter().all(|b| b.w >= 1.0));
        assert!(n.replica_bars(&[]).is_empty());
    }
}
