//! Where every node sits and how every edge bends: a pure function from a
//! [`Topology`] to geometry, so the diagram never holds hand-placed
//! coordinates and the geometry is tested natively.
//!
//! The method is a small layered ("Sugiyama-style") layout, chosen because
//! requests in an order flow run one way — client on the left, the deepest
//! dependency on the right:
//! 1. **Layers**: each node's column is the longest path to it from a source,
//!    ignoring the edges that close a cycle (found by depth-first search).
//! 2. **Order**: within a column, nodes are sorted by the mean row of their
//!    neighbours in the previous column (barycentre heuristic, a few sweeps),
//!    which keeps crossings low; ties keep declaration order, so the result is
//!    deterministic.
//! 3. **Coordinates**: columns are spaced evenly and centred vertically.
//! 4. **Edges**: cubic Béziers from the source's right side to the target's
//!    left side, with the ports of a side spread so edges do not share an end.
//!    Edges that go backwards or stay in a column loop under the nodes.

use crate::topology::Topology;

/// Width of a node's box, in SVG user units.
pub const NODE_W: f64 = 160.0;
/// Height of a node's box.
pub const NODE_H: f64 = 52.0;
/// Horizontal space between columns.
const GAP_X: f64 = 84.0;
/// Vertical space between nodes of a column.
const GAP_Y: f64 = 30.0;
/// Space around the whole drawing (room for back-edge loops at the bottom).
const MARGIN: f64 = 20.0;
/// How far a back edge dips under its nodes.
const LOOP_DEPTH: f64 = 36.0;
/// Barycentre sweeps; four settle every topology the playground draws.
const SWEEPS: usize = 4;

/// A point in SVG user units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A node's box: top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeBox {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl NodeBox {
    /// The centre of the box.
    pub fn center(&self) -> Point {
        Point {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }

    /// True if the two boxes share any area or come closer than `gap`.
    pub fn overlaps(&self, other: &NodeBox, gap: f64) -> bool {
        self.x < other.x + other.w + gap
            && other.x < self.x + self.w + gap
            && self.y < other.y + other.h + gap
            && other.y < self.y + self.h + gap
    }

    /// True if `p` lies on the border of the box (within `eps`).
    pub fn on_border(&self, p: Point, eps: f64) -> bool {
        let inside_x = p.x >= self.x - eps && p.x <= self.x + self.w + eps;
        let inside_y = p.y >= self.y - eps && p.y <= self.y + self.h + eps;
        let near_vertical = (p.x - self.x).abs() <= eps || (p.x - self.x - self.w).abs() <= eps;
        let near_horizontal = (p.y - self.y).abs() <= eps || (p.y - self.y - self.h).abs() <= eps;
        inside_x && inside_y && (near_vertical || near_horizontal)
    }
}

/// An edge drawn as a cubic Bézier curve `p0 → c1 → c2 → p3`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeCurve {
    /// Index of the sending node.
    pub from: usize,
    /// Index of the receiving node.
    pub to: usize,
    pub p0: Point,
    pub c1: Point,
    pub c2: Point,
    pub p3: Point,
}

impl EdgeCurve {
    /// The point a fraction `t` (clamped to 0..=1) along the curve; used to
    /// place message tokens.
    pub fn point_at(&self, t: f64) -> Point {
        let t = t.clamp(0.0, 1.0);
        let u = 1.0 - t;
        let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
        Point {
            x: a * self.p0.x + b * self.c1.x + c * self.c2.x + d * self.p3.x,
            y: a * self.p0.y + b * self.c1.y + c * self.c2.y + d * self.p3.y,
        }
    }

    /// The SVG path data (`d` attribute) of the curve.
    pub fn svg_path(&self) -> String {
        format!(
            "M{:.1} {:.1} C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
            self.p0.x, self.p0.y, self.c1.x, self.c1.y, self.c2.x, self.c2.y, self.p3.x, self.p3.y
        )
    }
}

/// The geometry of a whole diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// One box per node, in the topology's node order.
    pub nodes: Vec<NodeBox>,
    /// One curve per edge, in the topology's edge order.
    pub edges: Vec<EdgeCurve>,
    /// The column of each node.
    pub columns: Vec<usize>,
    /// Size of the drawing (the SVG `viewBox` is `0 0 width height`).
    pub width: f64,
    pub height: f64,
}

/// Lays out `topology`. Total: any topology, including cycles, isolated
/// nodes and an empty one, gets a layout.
pub fn layout(topology: &Topology) -> Layout {
    let n = topology.nodes.len();
    let forward = forward_edges(topology);
    let columns = assign_columns(n, &forward);
    let rows = order_rows(n, &columns, &forward);

    let column_count = columns.iter().copied().max().map_or(0, |c| c + 1);
    let mut per_column = vec![0usize; column_count];
    for &c in &columns {
        per_column[c] += 1;
    }
    let tallest = per_column.iter().copied().max().unwrap_or(0) as f64;
    let column_height = |count: f64| count * NODE_H + (count - 1.0).max(0.0) * GAP_Y;
    let body_height = column_height(tallest);

    let nodes: Vec<NodeBox> = (0..n)
        .map(|i| {
            let c = columns[i];
            let top = MARGIN + (body_height - column_height(per_column[c] as f64)) / 2.0;
            NodeBox {
                x: MARGIN + c as f64 * (NODE_W + GAP_X),
                y: top + rows[i] as f64 * (NODE_H + GAP_Y),
                w: NODE_W,
                h: NODE_H,
            }
        })
        .collect();

    let edges = route_edges(topology, &nodes, &columns);
    let width = if n == 0 {
        2.0 * MARGIN
    } else {
        2.0 * MARGIN + column_count as f64 * NODE_W + (column_count as f64 - 1.0) * GAP_X
    };
    let loops = edges.iter().any(|e| columns[e.to] <= columns[e.from]);
    let height = 2.0 * MARGIN + body_height + if loops { LOOP_DEPTH } else { 0.0 };
    Layout {
        nodes,
        edges,
        columns,
        width,
        height,
    }
}

/// The edges that do not close a cycle, as `(from, to)` pairs: every edge
/// except those a depth-first search meets as back edges, and self-loops.
fn forward_edges(topology: &Topology) -> Vec<(usize, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnStack,
        Done,
    }
    let n = topology.nodes.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in topology.edges.iter().enumerate() {
        if e.from < n && e.to < n {
            out[e.from].push(i);
        }
    }
    let mut mark = vec![Mark::New; n];
    let mut back = vec![false; topology.edges.len()];
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next outgoing edge to look at).
        let mut stack = vec![(root, 0usize)];
        mark[root] = Mark::OnStack;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&edge) = out[node].get(*next) {
                *next += 1;
                let to = topology.edges[edge].to;
                match mark[to] {
                    Mark::New => {
                        mark[to] = Mark::OnStack;
                        stack.push((to, 0));
                    }
                    Mark::OnStack => back[edge] = true,
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    topology
        .edges
        .iter()
        .zip(&back)
        .filter(|(e, is_back)| !**is_back && e.from != e.to && e.from < n && e.to < n)
        .map(|(e, _)| (e.from, e.to))
        .collect()
}

/// Longest-path column of each node over an acyclic edge set.
fn assign_columns(n: usize, forward: &[(usize, usize)]) -> Vec<usize> {
    let mut column = vec![0usize; n];
    // Relaxation in rounds: at most n-1 rounds on a DAG of n nodes.
    for _ in 0..n {
        let mut changed = false;
        for &(from, to) in forward {
            if column[to] < column[from] + 1 {
                column[to] = column[from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    column
}

/// Sorts `(key, index)` pairs by key, ties by index: the order a stable
/// sort by key gives when the pairs start in index order. The layout's only
/// sort routine (each distinct sort is compiled into the bundle separately).
fn sort_by_key_then_index(pairs: &mut [(f64, usize)]) {
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
}

/// Row of each node within its column, by barycentre sweeps.
fn order_rows(n: usize, columns: &[usize], forward: &[(usize, usize)]) -> Vec<usize> {
    let column_count = columns.iter().copied().max().map_or(0, |c| c + 1);
    let mut by_column: Vec<Vec<usize>> = vec![Vec::new(); column_count];
    for (node, &c) in columns.iter().enumerate() {
        by_column[c].push(node);
    }
    let mut row = vec![0usize; n];
    let renumber = |by_column: &Vec<Vec<usize>>, row: &mut Vec<usize>| {
        for members in by_column {
            for (r, &node) in members.iter().enumerate() {
                row[node] = r;
            }
        }
    };
    renumber(&by_column, &mut row);
    for sweep in 0..SWEEPS {
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..column_count).collect()
        } else {
            (0..column_count.saturating_sub(1)).rev().collect()
        };
        for c in order {
            let key = |node: usize| -> f64 {
                let neighbours: Vec<usize> = forward
                    .iter()
                    .filter_map(|&(from, to)| {
                        if downward && to == node {
                            Some(from)
                        } else if !downward && from == node {
                            Some(to)
                        } else {
                            None
                        }
                    })
                    .collect();
                if neighbours.is_empty() {
                    row[node] as f64
                } else {
                    neighbours.iter().map(|&m| row[m] as f64).sum::<f64>() / neighbours.len() as f64
                }
            };
            // `members[r]` is the node in row `r` (what `renumber` keeps).
            let members = std::mem::take(&mut by_column[c]);
            let mut keyed: Vec<(f64, usize)> =
                members.iter().map(|&node| (key(node), row[node])).collect();
            sort_by_key_then_index(&mut keyed);
            by_column[c] = keyed.into_iter().map(|(_, r)| members[r]).collect();
            renumber(&by_column, &mut row);
        }
    }
    row
}

/// Curves for every edge, with ports spread along each side.
fn route_edges(topology: &Topology, nodes: &[NodeBox], columns: &[usize]) -> Vec<EdgeCurve> {
    let n = nodes.len();
    let is_forward = |from: usize, to: usize| columns[to] > columns[from];
    // For each node, its forward edges leaving on the right and arriving on
    // the left, sorted by the other end's height so curves do not cross at
    // the port.
    let mut out_ports: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut in_ports: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in topology.edges.iter().enumerate() {
        if e.from < n && e.to < n && is_forward(e.from, e.to) {
            out_ports[e.from].push(i);
            in_ports[e.to].push(i);
        }
    }
    // Ports were pushed in edge order, so ties keep edge order.
    let by_height = |ports: &mut Vec<usize>, other_end: &dyn Fn(usize) -> usize| {
        let mut keyed: Vec<(f64, usize)> = ports
            .iter()
            .map(|&e| (nodes[other_end(e)].center().y, e))
            .collect();
        sort_by_key_then_index(&mut keyed);
        *ports = keyed.into_iter().map(|(_, e)| e).collect();
    };
    for ports in out_ports.iter_mut() {
        by_height(ports, &|e| topology.edges[e].to);
    }
    for ports in in_ports.iter_mut() {
        by_height(ports, &|e| topology.edges[e].from);
    }
    let port_y = |node: usize, ports: &[usize], edge: usize| {
        let k = ports.iter().position(|&p| p == edge).unwrap_or(0) as f64;
        let b = &nodes[node];
        b.y + b.h * (k + 1.0) / (ports.len() as f64 + 1.0)
    };

    topology
        .edges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.from < n && e.to < n)
        .map(|(i, e)| {
            let (a, b) = (&nodes[e.from], &nodes[e.to]);
            if is_forward(e.from, e.to) {
                let p0 = Point {
                    x: a.x + a.w,
                    y: port_y(e.from, &out_ports[e.from], i),
                };
                let p3 = Point {
                    x: b.x,
                    y: port_y(e.to, &in_ports[e.to], i),
                };
                let dx = (p3.x - p0.x) / 2.0;
                EdgeCurve {
                    from: e.from,
                    to: e.to,
                    p0,
                    c1: Point {
                        x: p0.x + dx,
                        y: p0.y,
                    },
                    c2: Point {
                        x: p3.x - dx,
                        y: p3.y,
                    },
                    p3,
                }
            } else {
                // Backwards or within a column: leave from the bottom, loop
                // under both nodes, arrive at the bottom.
                let p0 = Point {
                    x: a.center().x + a.w / 6.0,
                    y: a.y + a.h,
                };
                let p3 = Point {
                    x: b.center().x - b.w / 6.0,
                    y: b.y + b.h,
                };
                let low = p0.y.max(p3.y) + LOOP_DEPTH;
                EdgeCurve {
                    from: e.from,
                    to: e.to,
                    p0,
                    c1: Point { x: p0.x, y: low },
                    c2: Point { x: p3.x, y: low },
                    p3,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::NodeKind;

    /// Every property a drawable layout must have.
    fn check_layout(t: &Topology, l: &Layout) {
        assert_eq!(l.nodes.len(), t.nodes.len());
        assert_eq!(l.edges.len(), t.edges.len());
        for (i, a) in l.nodes.iter().enumerate() {
            assert!(
                a.x >= 0.0 && a.y >= 0.0,
                "node {i} starts outside the drawing"
            );
            assert!(
                a.x + a.w <= l.width && a.y + a.h <= l.height,
                "node {i} ends outside"
            );
            for (j, b) in l.nodes.iter().enumerate().skip(i + 1) {
                assert!(
                    !a.overlaps(b, 1.0),
                    "nodes {i} and {j} overlap: {a:?} {b:?}"
                );
            }
        }
        for (k, (e, c)) in t.edges.iter().zip(&l.edges).enumerate() {
            assert_eq!(
                (c.from, c.to),
                (e.from, e.to),
                "edge {k} joins the wrong nodes"
            );
            assert!(
                l.nodes[e.from].on_border(c.p0, 1e-9),
                "edge {k} does not start on its source"
            );
            assert!(
                l.nodes[e.to].on_border(c.p3, 1e-9),
                "edge {k} does not end on its target"
            );
            for p in [c.c1, c.c2] {
                assert!(p.x >= 0.0 && p.x <= l.width && p.y >= 0.0 && p.y <= l.height);
            }
        }
    }

    #[test]
    fn order_flow_reads_left_to_right() {
        let t = Topology::order_flow();
        let l = layout(&t);
        check_layout(&t, &l);
        let col = |id: &str| l.columns[t.index_of(id).unwrap()];
        assert_eq!(col("client"), 0);
        assert_eq!(col("order"), 1);
        assert!(col("payment") < col("provider"));
        assert!(col("broker") < col("warehouse"));
        // Every edge of the order flow runs forward.
        for e in &t.edges {
            assert!(l.columns[e.to] > l.columns[e.from]);
        }
    }

    /// Every preset's diagram as text: a change to the layout shows up in
    /// review as moved boxes and re-routed edges, and a refactoring that
    /// should not move anything is checked to move nothing.
    /// `UPDATE_EXPECT=1 cargo test layout` rewrites the file.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_preset_lays_out_as_committed() {
        use std::fmt::Write as _;
        let mut out = String::new();
        for name in orderflow_sim::presets::NAMES {
            let model = orderflow_sim::presets::model(name).unwrap().unwrap();
            let t = Topology::from_model(&model);
            let l = layout(&t);
            check_layout(&t, &l);
            writeln!(out, "{name} {:.0}x{:.0}", l.width, l.height).unwrap();
            for (node, b) in t.nodes.iter().zip(&l.nodes) {
                writeln!(
                    out,
                    "  {} {:.0},{:.0} {:.0}x{:.0}",
                    node.id, b.x, b.y, b.w, b.h
                )
                .unwrap();
            }
            for c in &l.edges {
                let (from, to) = (&t.nodes[c.from].id, &t.nodes[c.to].id);
                writeln!(out, "  {from}->{to} {}", c.svg_path()).unwrap();
            }
        }
        expect_test::expect_file!["snapshots/layouts.txt"].assert_eq(&out);
    }

    #[test]
    fn layout_is_deterministic() {
        let t = Topology::order_flow();
        assert_eq!(layout(&t), layout(&t));
    }

    #[test]
    fn curve_runs_from_start_to_end() {
        let t = Topology::order_flow();
        let l = layout(&t);
        let c = l.edges[0];
        assert_eq!(c.point_at(0.0), c.p0);
        assert_eq!(c.point_at(1.0), c.p3);
        assert_eq!(c.point_at(-3.0), c.p0);
        assert!(c.svg_path().starts_with('M'));
    }

    #[test]
    fn empty_and_cyclic_topologies_lay_out() {
        let empty = Topology::default();
        check_layout(&empty, &layout(&empty));
        let mut cyc = Topology::default();
        for id in ["a", "b", "c"] {
            cyc.add_node(id, id, NodeKind::Service);
        }
        cyc.add_edge("a", "b");
        cyc.add_edge("b", "c");
        cyc.add_edge("c", "a");
        check_layout(&cyc, &layout(&cyc));
    }

    /// Random topologies (native only: proptest needs an entropy source).
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn arbitrary_topology() -> impl Strategy<Value = Topology> {
            (1usize..14).prop_flat_map(|n| {
                proptest::collection::vec((0..n, 0..n), 0..(n * 3)).prop_map(move |pairs| {
                    let mut t = Topology::default();
                    for i in 0..n {
                        t.add_node(&format!("n{i}"), &format!("N{i}"), NodeKind::Service);
                    }
                    for (a, b) in pairs {
                        t.add_edge(&format!("n{a}"), &format!("n{b}"));
                    }
                    t
                })
            })
        }

        proptest! {
            #[test]
            fn any_topology_gets_a_drawable_layout(t in arbitrary_topology()) {
                check_layout(&t, &layout(&t));
            }
        }
    }
}
