//! Owns what the diagram shows: the services (nodes) and who talks to whom
//! (edges), derived from a compiled scenario ([`Topology::from_model`]).
//!
//! A topology is plain data; the layout places it. Node `i` is service
//! `i` of the scenario, so nodes are named by [`ServiceId`].

use orderflow_sim::ids::{IdVec, ServiceId};

/// What a node stands for; decides its shape and colour in the diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// The customer's browser or app: where orders come from.
    Client,
    /// One of our services.
    Service,
    /// A third party we call but do not run (the payment provider).
    External,
    /// The message broker: queues and exchanges.
    Broker,
    /// A data store read by other parties (the order-status store).
    Store,
}

impl NodeKind {
    /// The BEM modifier used for this kind's CSS class.
    pub fn css_modifier(self) -> &'static str {
        match self {
            NodeKind::Client => "client",
            NodeKind::Service => "service",
            NodeKind::External => "external",
            NodeKind::Broker => "broker",
            NodeKind::Store => "store",
        }
    }

    /// How a screen reader names the kind, appended to the node's label.
    pub fn spoken(self) -> &'static str {
        match self {
            NodeKind::Client => "client",
            NodeKind::Service => "service",
            NodeKind::External => "external service",
            NodeKind::Broker => "message broker",
            NodeKind::Store => "data store",
        }
    }
}

/// A node: one service, store or party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Stable identifier, unique within a topology (`"payment"`).
    pub id: String,
    /// The name shown on the diagram (`"Payment"`).
    pub label: String,
    /// What it is.
    pub kind: NodeKind,
    /// False for a service this run does not use (the Id Service while the
    /// ids come from elsewhere): the layout leaves it out and nothing is
    /// drawn for it. It keeps its place, so node `i` is still service `i`.
    pub shown: bool,
}

/// A directed edge: `from` sends messages to `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: ServiceId,
    pub to: ServiceId,
}

/// Nodes and edges. Built through [`Topology::builder`] so every edge refers to
/// an existing node.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Topology {
    pub nodes: IdVec<ServiceId, Node>,
    pub edges: Vec<Edge>,
}

impl Topology {
    /// The node with this id.
    pub fn index_of(&self, id: &str) -> Option<ServiceId> {
        self.nodes.position(|n| n.id == id)
    }

    /// Adds a node and returns it; an existing id returns the existing
    /// node. `None` once the topology holds as many nodes as a
    /// [`ServiceId`] can name.
    pub fn add_node(&mut self, id: &str, label: &str, kind: NodeKind) -> Option<ServiceId> {
        if let Some(i) = self.index_of(id) {
            return Some(i);
        }
        let i = ServiceId::from_index(self.nodes.len())?;
        self.nodes.push(Node {
            id: id.to_owned(),
            label: label.to_owned(),
            kind,
            shown: true,
        });
        Some(i)
    }

    /// Adds the edge `from → to` once (duplicates and self-loops are ignored).
    /// Returns false if either id is unknown.
    pub fn add_edge(&mut self, from: &str, to: &str) -> bool {
        let (Some(from), Some(to)) = (self.index_of(from), self.index_of(to)) else {
            return false;
        };
        let edge = Edge { from, to };
        if from != to && !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
        true
    }

    /// The topology of a compiled scenario: one node per service (same
    /// order as `model.services`, so node `i` is service `i`), and an edge
    /// for every way one service reaches another — calls, sends,
    /// compensations and fallbacks, publishes to the broker, deliveries to
    /// consumers, the client's requests and polls. Answers, webhooks and
    /// pushes travel these edges backwards (or straight, if no edge joins
    /// the two).
    ///
    /// Every service is drawn: the preset's own run options decide nothing
    /// here; see [`Topology::of_run`] for the diagram of one run.
    pub fn from_model(m: &orderflow_sim::Model) -> Topology {
        use orderflow_sim::model::{FallbackModel, HandlerId, StepModel};
        use orderflow_sim::scenario::ServiceKind;
        let mut t = Topology::default();
        for s in &m.services {
            let kind = match s.kind {
                ServiceKind::Client => NodeKind::Client,
                ServiceKind::Service => NodeKind::Service,
                ServiceKind::External => NodeKind::External,
                ServiceKind::Broker => NodeKind::Broker,
                ServiceKind::Store => NodeKind::Store,
            };
            t.nodes.push(Node {
                id: s.id.clone(),
                label: s.label.clone(),
                kind,
                shown: true,
            });
        }
        let mut link = |from: ServiceId, to: ServiceId| {
            let edge = Edge { from, to };
            if from != to && !t.edges.contains(&edge) {
                t.edges.push(edge);
            }
        };
        let svc = |h: HandlerId| m.handlers[h].service;
        link(m.client.service, svc(m.client.entry));
        if let Some(p) = &m.client.polling
            && m.client
                .allowed
                .contains(&orderflow_sim::Completion::Polling)
        {
            link(m.client.service, svc(p.target));
        }
        // The id service, asked first in every mode when a run chooses it.
        if let Some(ids) = m.client.id_service {
            link(m.client.service, svc(ids));
        }
        for h in &m.handlers {
            for step in &h.steps {
                match step {
                    StepModel::Call {
                        policy,
                        fallback,
                        compensate,
                        ..
                    } => {
                        link(h.service, svc(policy.target));
                        if let Some(FallbackModel::Backup(p)) = fallback {
                            link(h.service, svc(p.target));
                        }
                        if let (Some(FallbackModel::QueueForRetry(..)), Some(b)) =
                            (fallback, m.broker_service)
                        {
                            link(h.service, b);
                        }
                        if let Some(c) = compensate {
                            link(h.service, svc(c.policy.target));
                        }
                    }
                    StepModel::Send { target, compensate } => {
                        link(h.service, svc(*target));
                        if let Some(c) = compensate {
                            link(h.service, svc(c.policy.target));
                        }
                    }
                    StepModel::Publish { .. } => {
                        if let Some(b) = m.broker_service {
                            link(h.service, b);
                        }
                    }
                    StepModel::Status { .. }
                    | StepModel::Notify { .. }
                    | StepModel::Complete { .. } => {
                        if let Some(p) = &m.client.polling
                            && m.client
                                .allowed
                                .contains(&orderflow_sim::Completion::Polling)
                        {
                            link(h.service, svc(p.write));
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(b) = m.broker_service {
            for c in &m.consumers {
                link(b, c.service);
            }
        }
        t
    }

    /// The diagram of a run whose ids come from `id_source`: the
    /// topology of the model without the services such a run never uses
    /// ([`orderflow_sim::Model::uses_service`]: the Id Service unless the
    /// ids come from it), which stay in place but hidden, their edges gone.
    pub fn of_run(m: &orderflow_sim::Model, id_source: orderflow_sim::IdSource) -> Topology {
        let mut t = Topology::from_model(m);
        for (i, node) in t.nodes.iter_enumerated_mut() {
            node.shown = m.uses_service(i, id_source);
        }
        let nodes = &t.nodes;
        t.edges.retain(|e| nodes[e.from].shown && nodes[e.to].shown);
        t
    }

    /// The nodes drawn.
    pub fn shown(&self) -> impl Iterator<Item = (ServiceId, &Node)> {
        self.nodes.iter_enumerated().filter(|(_, n)| n.shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_topology_follows_its_handlers() {
        let m = orderflow_sim::presets::model("hybrid-queue")
            .unwrap()
            .unwrap();
        let t = Topology::from_model(&m);
        assert_eq!(t.nodes.len(), m.services.len());
        let has = |a: &str, b: &str| {
            let (a, b) = (t.index_of(a).unwrap(), t.index_of(b).unwrap());
            t.edges.contains(&Edge { from: a, to: b })
        };
        for (a, b) in [
            ("client", "order"),
            ("client", "status"),
            ("order", "inventory"),
            ("order", "payment"),
            ("payment", "provider"),
            ("order", "broker"),
            ("broker", "warehouse"),
            ("broker", "notification"),
            ("order", "status"),
        ] {
            assert!(has(a, b), "missing edge {a} -> {b}");
        }
        assert!(
            !has("order", "warehouse"),
            "hybrid-queue reaches the warehouse through the broker only"
        );
        assert_eq!(
            t.nodes[t.index_of("provider").unwrap()].kind,
            NodeKind::External
        );
    }

    /// What must hold for every preset: each service of the scenario is a
    /// node, in the scenario's order and with its label; the client and the
    /// broker are drawn as such; every
    /// edge joins two different existing nodes, once; every node but the
    /// client is reached by some edge; and the layout has no overlapping
    /// boxes.
    #[test]
    fn every_preset_gives_a_sound_topology() {
        for name in orderflow_sim::presets::NAMES {
            let m = orderflow_sim::presets::model(name).unwrap().unwrap();
            let t = Topology::from_model(&m);
            let ids: Vec<&str> = t.nodes.iter().map(|n| n.id.as_str()).collect();
            let services: Vec<&str> = m.services.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(ids, services, "{name}: one node per service, in order");
            for (n, s) in t.nodes.iter().zip(&m.services) {
                assert_eq!(n.label, s.label, "{name}");
            }
            // The client and the broker are drawn as such, and only they.
            assert_eq!(t.nodes[m.client.service].kind, NodeKind::Client, "{name}");
            let kind_count = |k: NodeKind| t.nodes.iter().filter(|n| n.kind == k).count();
            assert_eq!(kind_count(NodeKind::Client), 1, "{name}");
            if let Some(b) = m.broker_service {
                assert_eq!(t.nodes[b].kind, NodeKind::Broker, "{name}");
            }
            assert_eq!(
                kind_count(NodeKind::Broker),
                usize::from(m.broker_service.is_some()),
                "{name}"
            );
            assert!(!t.edges.is_empty(), "{name}");
            for (k, e) in t.edges.iter().enumerate() {
                assert!(
                    t.nodes.get(e.from).is_some() && t.nodes.get(e.to).is_some(),
                    "{name}: edge {k} joins a node that does not exist"
                );
                assert_ne!(e.from, e.to, "{name}: edge {k} is a loop");
                assert!(!t.edges[..k].contains(e), "{name}: edge {k} is drawn twice");
            }
            for (i, n) in t.nodes.iter_enumerated() {
                if n.kind != NodeKind::Client {
                    assert!(
                        t.edges.iter().any(|e| e.to == i),
                        "{name}: nothing reaches {}",
                        n.id
                    );
                }
            }
            let l = crate::layout::layout(&t);
            for (i, a) in l.nodes.iter_enumerated() {
                for (j, b) in l.nodes.iter_enumerated().skip(i.index() + 1) {
                    assert!(
                        !a.overlaps(b, 1.0),
                        "{name}: {} and {} overlap",
                        t.nodes[i].id,
                        t.nodes[j].id
                    );
                }
            }
        }
    }

    #[test]
    fn edges_are_deduplicated_and_checked() {
        let mut t = Topology::default();
        let a = t.add_node("a", "A", NodeKind::Service).unwrap();
        let b = t.add_node("b", "B", NodeKind::Service).unwrap();
        assert_eq!(t.add_node("a", "again", NodeKind::Store), Some(a));
        assert!(t.add_edge("a", "b"));
        assert!(t.add_edge("a", "b"));
        assert!(t.add_edge("a", "a"));
        assert!(!t.add_edge("a", "nope"));
        assert_eq!(t.edges, vec![Edge { from: a, to: b }]);
    }
}
