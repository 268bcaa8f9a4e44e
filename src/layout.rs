//! Owns the diagram's geometry: where every node sits and how every edge
//! bends, a pure function from a [`Topology`], so the diagram never holds
//! hand-placed coordinates and the geometry is tested natively.
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
//! 4. **Edges**: an edge that spans several columns gets a *lane* in every
//!    column it crosses, ordered with the nodes in step 2, so it passes
//!    between boxes instead of through them. Each edge is a chain of cubic
//!    Béziers from the right side of its left end, through its lanes, to the
//!    left side of its right end; the ports of a side are spread so edges do
//!    not share an end. An edge that closes a cycle runs the same way,
//!    drawn right to left. So no edge ever crosses a box it does not join.

use orderflow_sim::ids::{IdVec, ServiceId};

use crate::topology::Topology;

/// Width of a node's box, in SVG user units.
pub const NODE_W: f64 = 160.0;
/// Height of a node's box.
pub const NODE_H: f64 = 52.0;
/// Horizontal space between columns.
const GAP_X: f64 = 84.0;
/// Vertical space between nodes of a column.
const GAP_Y: f64 = 30.0;
/// Space around the whole drawing.
const MARGIN: f64 = 20.0;
/// Height of the lane an edge takes through a column it crosses.
const LANE_H: f64 = 12.0;
/// Space between a lane and its neighbours in a column.
const LANE_GAP: f64 = 10.0;
/// How far right of its nodes an edge within one column loops (less than
/// `GAP_X`, so it stays in the gap). The topologies the playground builds
/// have no such edges; the layout still draws them.
const LOOP_REACH: f64 = 36.0;
/// Chords per piece when measuring an edge's length.
const LENGTH_STEPS: usize = 16;
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

/// One piece of an edge: the cubic Bézier `[p0, c1, c2, p3]`.
pub type Cubic = [Point; 4];

fn cubic_at(c: &Cubic, t: f64) -> Point {
    let u = 1.0 - t;
    let (a, b, cc, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    Point {
        x: a * c[0].x + b * c[1].x + cc * c[2].x + d * c[3].x,
        y: a * c[0].y + b * c[1].y + cc * c[2].y + d * c[3].y,
    }
}

/// An edge drawn as a chain of cubic Béziers from `from` to `to`.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeCurve {
    /// The sending node.
    pub from: ServiceId,
    /// The receiving node.
    pub to: ServiceId,
    /// At least one piece; each starts where the previous one ends.
    pieces: Vec<Cubic>,
    /// Share of the whole length covered at the end of each piece (the last
    /// is 1), so a token moves at an even speed along every piece.
    ends: Vec<f64>,
}

impl EdgeCurve {
    /// The edge made of `pieces` (at least one).
    fn new(from: ServiceId, to: ServiceId, pieces: Vec<Cubic>) -> EdgeCurve {
        let lengths: Vec<f64> = pieces
            .iter()
            .map(|c| {
                (1..=LENGTH_STEPS)
                    .map(|k| {
                        let a = cubic_at(c, (k - 1) as f64 / LENGTH_STEPS as f64);
                        let b = cubic_at(c, k as f64 / LENGTH_STEPS as f64);
                        let (dx, dy) = (b.x - a.x, b.y - a.y);
                        (dx * dx + dy * dy).sqrt()
                    })
                    .sum()
            })
            .collect();
        let total: f64 = lengths.iter().sum();
        let count = pieces.len() as f64;
        let mut sum = 0.0;
        let ends = lengths
            .iter()
            .enumerate()
            .map(|(i, l)| {
                sum += l;
                if total > 0.0 {
                    sum / total
                } else {
                    (i + 1) as f64 / count
                }
            })
            .collect();
        EdgeCurve {
            from,
            to,
            pieces,
            ends,
        }
    }

    /// The pieces, in order from `from` to `to`.
    pub fn pieces(&self) -> &[Cubic] {
        &self.pieces
    }

    /// Where the edge leaves `from`.
    pub fn start(&self) -> Point {
        self.pieces[0][0]
    }

    /// Where the edge reaches `to`.
    pub fn end(&self) -> Point {
        self.pieces[self.pieces.len() - 1][3]
    }

    /// The point a fraction `t` (clamped to 0..=1) of the edge's length
    /// along it; used to place message tokens.
    pub fn point_at(&self, t: f64) -> Point {
        let t = t.clamp(0.0, 1.0);
        let last = self.pieces.len() - 1;
        let i = self.ends.iter().position(|&e| t <= e).unwrap_or(last);
        let begin = if i == 0 { 0.0 } else { self.ends[i - 1] };
        let span = self.ends[i] - begin;
        let local = if span > 0.0 { (t - begin) / span } else { 0.0 };
        cubic_at(&self.pieces[i], local.clamp(0.0, 1.0))
    }

    /// The SVG path data (`d` attribute) of the edge.
    pub fn svg_path(&self) -> String {
        use std::fmt::Write as _;
        let p = self.start();
        let mut d = format!("M{:.1} {:.1}", p.x, p.y);
        for [_, c1, c2, p3] in &self.pieces {
            let _ = write!(
                d,
                " C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
                c1.x, c1.y, c2.x, c2.y, p3.x, p3.y
            );
        }
        d
    }
}

/// The geometry of a whole diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// One box per node.
    pub nodes: IdVec<ServiceId, NodeBox>,
    /// One curve per edge, in the topology's edge order.
    pub edges: Vec<EdgeCurve>,
    /// The column of each node.
    pub columns: IdVec<ServiceId, usize>,
    /// Size of the drawing (the SVG `viewBox` is `0 0 width height`).
    pub width: f64,
    pub height: f64,
}

/// How an edge is drawn: from the right side of `left` through one lane
/// per column in between to the left side of `right`; or, when both ends
/// share a column, as a loop right of it.
struct Route {
    left: usize,
    right: usize,
    /// Lane vertices (indices after the nodes), left to right.
    lanes: Vec<usize>,
    /// The edge runs right to left (it closes a cycle).
    reversed: bool,
}

/// Lays out `topology`. Total: any topology, including cycles, isolated
/// nodes and an empty one, gets a layout. Hidden nodes ([`Node::shown`]
/// false) take no room: the others are laid out as if they were not there,
/// and each hidden one gets an empty box at the origin. An edge that
/// touches a hidden node is not drawn ([`Topology::of_run`] leaves none).
///
/// [`Node::shown`]: crate::topology::Node::shown
pub fn layout(topology: &Topology) -> Layout {
    if topology.nodes.iter().all(|n| n.shown) {
        return layout_all(topology);
    }
    // The shown nodes alone, numbered anew, and where each one came from.
    let mut compact = Topology::default();
    let mut original: Vec<ServiceId> = Vec::new();
    let mut new_index: IdVec<ServiceId, Option<ServiceId>> =
        vec![None; topology.nodes.len()].into();
    for (i, node) in topology.shown() {
        new_index[i] = ServiceId::from_index(compact.nodes.len());
        compact.nodes.push(node.clone());
        original.push(i);
    }
    compact.edges = topology
        .edges
        .iter()
        .filter_map(|e| {
            Some(crate::topology::Edge {
                from: new_index[e.from]?,
                to: new_index[e.to]?,
            })
        })
        .collect();
    let inner = layout_all(&compact);
    let empty = NodeBox {
        x: 0.0,
        y: 0.0,
        w: 0.0,
        h: 0.0,
    };
    let mut nodes: IdVec<ServiceId, NodeBox> = vec![empty; topology.nodes.len()].into();
    let mut columns: IdVec<ServiceId, usize> = vec![0; topology.nodes.len()].into();
    for (k, &i) in original.iter().enumerate() {
        nodes[i] = inner.nodes.as_slice()[k];
        columns[i] = inner.columns.as_slice()[k];
    }
    let edges = inner
        .edges
        .into_iter()
        .map(|mut c| {
            c.from = original[c.from.index()];
            c.to = original[c.to.index()];
            c
        })
        .collect();
    Layout {
        nodes,
        edges,
        columns,
        width: inner.width,
        height: inner.height,
    }
}

/// Lays out every node of `topology`, hidden or not.
fn layout_all(topology: &Topology) -> Layout {
    let n = topology.nodes.len();
    let forward = forward_edges(topology);
    let columns = assign_columns(n, &forward);

    // Vertices: the nodes, then one lane per column an edge crosses.
    let mut vertex_column = columns.clone();
    let mut links: Vec<(usize, usize)> = Vec::new();
    let routes: Vec<Option<Route>> = topology
        .edges
        .iter()
        .map(|e| {
            let (from, to) = (e.from.index(), e.to.index());
            if from >= n || to >= n {
                return None;
            }
            let reversed = columns[to] < columns[from];
            let (left, right) = if reversed { (to, from) } else { (from, to) };
            let mut lanes = Vec::new();
            let mut prev = left;
            for c in columns[left] + 1..columns[right] {
                let lane = vertex_column.len();
                vertex_column.push(c);
                links.push((prev, lane));
                lanes.push(lane);
                prev = lane;
            }
            if columns[right] > columns[left] {
                links.push((prev, right));
            }
            Some(Route {
                left,
                right,
                lanes,
                reversed,
            })
        })
        .collect();
    let rows = order_rows(vertex_column.len(), &vertex_column, &links);

    // Stack each column's vertices by row: boxes and lanes.
    let column_count = columns.iter().copied().max().map_or(0, |c| c + 1);
    let mut by_column: Vec<Vec<usize>> = vec![Vec::new(); column_count];
    for &c in &vertex_column {
        by_column[c].push(0);
    }
    // The rows of a column are 0..len: each vertex goes to its slot.
    for (v, &c) in vertex_column.iter().enumerate() {
        by_column[c][rows[v]] = v;
    }
    let height_of = |v: usize| if v < n { NODE_H } else { LANE_H };
    let mut offset = vec![0.0f64; vertex_column.len()];
    let mut column_height = vec![0.0f64; column_count];
    for (c, members) in by_column.iter().enumerate() {
        let mut y = 0.0;
        for (k, &v) in members.iter().enumerate() {
            if k > 0 {
                let both_boxes = v < n && members[k - 1] < n;
                y += if both_boxes { GAP_Y } else { LANE_GAP };
            }
            offset[v] = y;
            y += height_of(v);
        }
        column_height[c] = y;
    }
    let body_height = column_height.iter().copied().fold(0.0, f64::max);
    let column_x = |c: usize| MARGIN + c as f64 * (NODE_W + GAP_X);
    let top = |v: usize| {
        let c = vertex_column[v];
        MARGIN + (body_height - column_height[c]) / 2.0 + offset[v]
    };

    let nodes: Vec<NodeBox> = (0..n)
        .map(|i| NodeBox {
            x: column_x(columns[i]),
            y: top(i),
            w: NODE_W,
            h: NODE_H,
        })
        .collect();
    let lane_y = |v: usize| {
        if v < n {
            nodes[v].center().y
        } else {
            top(v) + LANE_H / 2.0
        }
    };

    let edges = route_edges(topology, &nodes, &routes, &vertex_column, column_x, lane_y);
    let loops = routes
        .iter()
        .flatten()
        .any(|r| columns[r.left] == columns[r.right]);
    let width = if n == 0 {
        2.0 * MARGIN
    } else {
        2.0 * MARGIN + column_count as f64 * NODE_W + (column_count as f64 - 1.0) * GAP_X
    } + if loops { LOOP_REACH } else { 0.0 };
    let height = 2.0 * MARGIN + body_height;
    Layout {
        nodes: nodes.into(),
        edges,
        columns: columns.into(),
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
        if e.from.index() < n && e.to.index() < n {
            out[e.from.index()].push(i);
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
                let to = topology.edges[edge].to.index();
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
        .map(|(e, is_back)| (e.from.index(), e.to.index(), *is_back))
        .filter(|&(from, to, is_back)| !is_back && from != to && from < n && to < n)
        .map(|(from, to, _)| (from, to))
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

/// The curves of every edge, with the ports of each side of a box spread
/// evenly and ordered by where their edges go next, so they do not cross
/// at the box.
fn route_edges(
    topology: &Topology,
    nodes: &[NodeBox],
    routes: &[Option<Route>],
    vertex_column: &[usize],
    column_x: impl Fn(usize) -> f64,
    lane_y: impl Fn(usize) -> f64,
) -> Vec<EdgeCurve> {
    let n = nodes.len();
    // Port ids: `2 * edge` for the edge's left end, `2 * edge + 1` for its
    // right end; each with the height its edge heads to.
    let mut right_side: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    let mut left_side: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    for (i, r) in routes.iter().enumerate() {
        let Some(r) = r else { continue };
        let first = r.lanes.first().copied().unwrap_or(r.right);
        let last = r.lanes.last().copied().unwrap_or(r.left);
        right_side[r.left].push((lane_y(first), 2 * i));
        if vertex_column[r.left] == vertex_column[r.right] {
            // A loop: both ends on the right side.
            right_side[r.right].push((lane_y(last), 2 * i + 1));
        } else {
            left_side[r.right].push((lane_y(last), 2 * i + 1));
        }
    }
    for ports in right_side.iter_mut().chain(left_side.iter_mut()) {
        sort_by_key_then_index(ports);
    }
    let port = |side: &[Vec<(f64, usize)>], node: usize, id: usize, x: f64| {
        let ports = &side[node];
        let k = ports.iter().position(|&(_, p)| p == id).unwrap_or(0) as f64;
        let b = &nodes[node];
        Point {
            x,
            y: b.y + b.h * (k + 1.0) / (ports.len() as f64 + 1.0),
        }
    };
    let s_curve = |p0: Point, p3: Point| -> Cubic {
        let dx = (p3.x - p0.x) / 2.0;
        [
            p0,
            Point {
                x: p0.x + dx,
                y: p0.y,
            },
            Point {
                x: p3.x - dx,
                y: p3.y,
            },
            p3,
        ]
    };

    topology
        .edges
        .iter()
        .zip(routes)
        .enumerate()
        .filter_map(|(i, (e, r))| {
            let r = r.as_ref()?;
            let (a, b) = (&nodes[r.left], &nodes[r.right]);
            let start = port(&right_side, r.left, 2 * i, a.x + a.w);
            if vertex_column[r.left] == vertex_column[r.right] {
                let end = port(&right_side, r.right, 2 * i + 1, b.x + b.w);
                let reach = |p: Point| Point {
                    x: p.x + LOOP_REACH,
                    y: p.y,
                };
                let piece = [start, reach(start), reach(end), end];
                return Some(EdgeCurve::new(e.from, e.to, vec![piece]));
            }
            let mut pieces = Vec::with_capacity(2 * r.lanes.len() + 1);
            let mut at = start;
            for &lane in &r.lanes {
                let x = column_x(vertex_column[lane]);
                let y = lane_y(lane);
                let (enter, leave) = (Point { x, y }, Point { x: x + NODE_W, y });
                pieces.push(s_curve(at, enter));
                let third = |k: f64| Point {
                    x: x + NODE_W * k / 3.0,
                    y,
                };
                pieces.push([enter, third(1.0), third(2.0), leave]);
                at = leave;
            }
            pieces.push(s_curve(at, port(&left_side, r.right, 2 * i + 1, b.x)));
            if r.reversed {
                pieces.reverse();
                for piece in &mut pieces {
                    piece.reverse();
                }
            }
            Some(EdgeCurve::new(e.from, e.to, pieces))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::NodeKind;

    /// Node `i` (of a topology built in a test).
    fn node(i: usize) -> ServiceId {
        ServiceId::from_index(i).unwrap()
    }

    /// Services `ids` joined by `edges` (pairs of ids).
    fn topology(ids: &[&str], edges: &[(&str, &str)]) -> Topology {
        let mut t = Topology::default();
        for id in ids {
            t.add_node(id, id, NodeKind::Service);
        }
        for (from, to) in edges {
            t.add_edge(from, to);
        }
        t
    }

    /// Every property a drawable layout must have.
    fn check_layout(t: &Topology, l: &Layout) {
        assert_eq!(l.nodes.len(), t.nodes.len());
        assert_eq!(l.edges.len(), t.edges.len());
        let shown = |i: ServiceId| t.nodes[i].shown;
        for (i, a) in l.nodes.iter_enumerated().filter(|(i, _)| shown(*i)) {
            assert!(
                a.x >= 0.0 && a.y >= 0.0,
                "node {i} starts outside the drawing"
            );
            assert!(
                a.x + a.w <= l.width && a.y + a.h <= l.height,
                "node {i} ends outside"
            );
            for (j, b) in l.nodes.iter_enumerated().skip(i.index() + 1) {
                assert!(
                    !shown(j) || !a.overlaps(b, 1.0),
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
                l.nodes[e.from].on_border(c.start(), 1e-9),
                "edge {k} does not start on its source"
            );
            assert!(
                l.nodes[e.to].on_border(c.end(), 1e-9),
                "edge {k} does not end on its target"
            );
            for w in c.pieces().windows(2) {
                assert_eq!(w[0][3], w[1][0], "edge {k} has a gap between pieces");
            }
            for p in c.pieces().iter().flatten() {
                assert!(
                    p.x >= 0.0 && p.x <= l.width && p.y >= 0.0 && p.y <= l.height,
                    "edge {k} leaves the drawing at {p:?}"
                );
            }
            // No edge passes through a box it does not join.
            for step in 1..200 {
                let p = c.point_at(step as f64 / 200.0);
                for (j, b) in l.nodes.iter_enumerated().filter(|(j, _)| shown(*j)) {
                    let inside = p.x > b.x + 0.5
                        && p.x < b.x + b.w - 0.5
                        && p.y > b.y + 0.5
                        && p.y < b.y + b.h - 0.5;
                    assert!(
                        j == e.from || j == e.to || !inside,
                        "edge {k} ({} -> {}) crosses node {j} at {p:?}",
                        e.from,
                        e.to
                    );
                }
            }
        }
    }

    /// The topology of preset `name`.
    fn preset(name: &str) -> Topology {
        let model = orderflow_sim::presets::model(name).unwrap().unwrap();
        Topology::from_model(&model)
    }

    #[test]
    fn the_order_flow_reads_left_to_right() {
        let t = preset("hybrid-queue");
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
        // Every preset as it opens, and the one whose diagram another id
        // source changes with the Id Service shown.
        let runs = orderflow_sim::presets::NAMES.iter().map(|name| {
            let model = orderflow_sim::presets::model(name).unwrap().unwrap();
            let own = model.client.id_source;
            ((*name).to_owned(), Topology::of_run(&model, own))
        });
        let with_ids = {
            let model = orderflow_sim::presets::model("async-write")
                .unwrap()
                .unwrap();
            let t = Topology::of_run(&model, orderflow_sim::IdSource::IdService);
            ("async-write id=id-service".to_owned(), t)
        };
        for (name, t) in runs.chain([with_ids]) {
            let l = layout(&t);
            check_layout(&t, &l);
            writeln!(out, "{name} {:.0}x{:.0}", l.width, l.height).unwrap();
            for (node, b) in t.nodes.iter().zip(&l.nodes).filter(|(n, _)| n.shown) {
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
    fn a_hidden_node_takes_no_room_and_the_others_keep_their_ids() {
        let mut t = topology(
            &["client", "ids", "order", "payment"],
            &[("client", "ids"), ("client", "order"), ("order", "payment")],
        );
        let all = layout(&t);
        let ids = t.index_of("ids").unwrap();
        t.nodes[ids].shown = false;
        t.edges.retain(|e| e.from != ids && e.to != ids);
        let l = layout(&t);
        check_layout(&t, &l);
        assert_eq!((l.nodes[ids].w, l.nodes[ids].h), (0.0, 0.0));
        assert!(l.height < all.height, "{} vs {}", l.height, all.height);
        // The chain left is drawn as if the hidden node never existed.
        let plain = topology(
            &["client", "order", "payment"],
            &[("client", "order"), ("order", "payment")],
        );
        let p = layout(&plain);
        assert_eq!((l.width, l.height), (p.width, p.height));
        assert_eq!(l.nodes[t.index_of("payment").unwrap()], p.nodes[node(2)]);
        assert_eq!(
            (l.edges[1].from, l.edges[1].to),
            (t.index_of("order").unwrap(), t.index_of("payment").unwrap())
        );
    }

    #[test]
    fn curve_runs_from_start_to_end() {
        let t = preset("sync-chain");
        let l = layout(&t);
        let c = &l.edges[0];
        assert_eq!(c.point_at(0.0), c.start());
        assert_eq!(c.point_at(1.0), c.end());
        assert_eq!(c.point_at(-3.0), c.start());
        assert!(c.svg_path().starts_with('M'));
    }

    /// `a → c` skips a column that `b` occupies: it gets a lane in that
    /// column, passes beside `b`, and its token moves at an even speed.
    #[test]
    fn a_long_edge_takes_a_lane_past_the_boxes_it_skips() {
        let t = topology(&["a", "b", "c"], &[("a", "b"), ("b", "c"), ("a", "c")]);
        let l = layout(&t);
        check_layout(&t, &l);
        assert_eq!(l.columns.as_slice(), [0, 1, 2]);
        let long = &l.edges[2];
        // Into the lane, along it through b's column, out to c.
        assert_eq!(long.pieces().len(), 3);
        let lane = long.pieces()[1];
        assert_eq!(lane[0].y, lane[3].y, "the lane is straight");
        assert_eq!(
            (lane[0].x, lane[3].x),
            (l.nodes[node(1)].x, l.nodes[node(1)].x + NODE_W)
        );
        // Even speed: equal steps of t cover (nearly) equal distances.
        let steps: Vec<f64> = (0..20)
            .map(|k| {
                let (p, q) = (
                    long.point_at(k as f64 / 20.0),
                    long.point_at((k + 1) as f64 / 20.0),
                );
                (q.x - p.x).hypot(q.y - p.y)
            })
            .collect();
        let (lo, hi) = steps
            .iter()
            .fold((f64::MAX, 0.0f64), |(lo, hi), &d| (lo.min(d), hi.max(d)));
        assert!(hi / lo < 1.6, "uneven token speed: {steps:?}");
    }

    /// The edge that closes a cycle runs right to left between the same
    /// sides as the forward edge, on its own ports.
    #[test]
    fn an_edge_back_runs_right_to_left_on_its_own_ports() {
        let t = topology(&["a", "b"], &[("a", "b"), ("b", "a")]);
        let l = layout(&t);
        check_layout(&t, &l);
        let (there, back) = (&l.edges[0], &l.edges[1]);
        assert_eq!(
            back.start().x,
            l.nodes[node(1)].x,
            "leaves b on its left side"
        );
        assert_eq!(
            back.end().x,
            l.nodes[node(0)].x + NODE_W,
            "reaches a on its right side"
        );
        assert_ne!(there.start(), back.end());
        assert_ne!(there.end(), back.start());
    }

    /// Self-loops (`add_edge` never makes one, but the layout is total)
    /// loop right of their box, inside the drawing.
    #[test]
    fn self_loops_loop_on_the_right() {
        let mut t = Topology::default();
        for id in ["a", "b"] {
            t.add_node(id, id, NodeKind::Service);
        }
        for (from, to) in [(0, 0), (0, 1), (1, 0)] {
            let (from, to) = (node(from), node(to));
            t.edges.push(crate::topology::Edge { from, to });
        }
        let l = layout(&t);
        check_layout(&t, &l);
        assert_ne!(l.edges[0].start(), l.edges[0].end());
    }

    #[test]
    fn empty_and_cyclic_topologies_lay_out() {
        let empty = Topology::default();
        check_layout(&empty, &layout(&empty));
        let cyc = topology(&["a", "b", "c"], &[("a", "b"), ("b", "c"), ("c", "a")]);
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
