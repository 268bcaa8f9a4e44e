//! The diagram's view model: everything the SVG needs, computed in plain Rust
//! from a topology and its layout, so the component only copies fields into
//! markup.

use crate::layout::{Layout, layout};
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
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
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
    /// `viewBox` attribute value.
    pub view_box: String,
    pub nodes: Vec<NodeView>,
    pub edges: Vec<EdgeView>,
}

impl DiagramView {
    /// Lays out `topology` and builds its view model.
    pub fn new(topology: &Topology) -> DiagramView {
        Self::from_layout(topology, &layout(topology))
    }

    /// Builds the view model of an existing layout of `topology`.
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
                x: b.x,
                y: b.y,
                w: b.w,
                h: b.h,
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
            view_box: format!("0 0 {:.0} {:.0}", layout.width.ceil(), layout.height.ceil()),
            nodes,
            edges,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_flow_view_names_every_node() {
        let v = DiagramView::new(&Topology::order_flow());
        assert_eq!(v.nodes.len(), 9);
        let provider = v.nodes.iter().find(|n| n.id == "provider").unwrap();
        assert_eq!(provider.aria_label, "Payment Provider (external service)");
        assert_eq!(provider.class, "diagram__node diagram__node--external");
        assert!(v.edges.iter().any(|e| e.key == "payment->provider"));
        assert!(v.view_box.starts_with("0 0 "));
    }
}
