//! Owns what the live diagram and the queues panel show at one instant,
//! computed from a run: node states, broker queues as bars, the headline
//! counters, and message tokens placed on their edges.
//!
//! [`Scene`] is fixed for a scenario (topology, layout, lookups);
//! [`Scene::frame`] is called once per animation frame and returns a
//! [`Frame`] of plain values that the components copy into markup.

use orderflow_sim::breaker::BreakerState;
use orderflow_sim::ids::{IdVec, OrderId, ServiceId};
use orderflow_sim::model::{BreakerId, Model, StepModel};
use orderflow_sim::scenario::ServiceKind;
use orderflow_sim::trace::MsgKind;
use orderflow_sim::{IdSource, Sim, SimTime};

use crate::diagram_view::DiagramView;
use crate::layout::{Layout, Point, layout};
use crate::session::Flight;
use crate::topology::Topology;

/// Most tokens drawn at once (the newest win).
pub const MAX_TOKENS: usize = 1_500;

/// A scenario's fixed drawing data.
#[derive(Clone, Debug)]
pub struct Scene {
    pub topology: Topology,
    pub layout: Layout,
    pub view: DiagramView,
    /// The breaker that guards calls into each node, if any.
    pub breaker_of: IdVec<ServiceId, Option<BreakerId>>,
    /// `edge_of[from][to]`: (edge index, reversed?).
    edge_of: IdVec<ServiceId, IdVec<ServiceId, Option<(usize, bool)>>>,
}

/// One node's live state.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeState {
    pub up: bool,
    pub busy: u32,
    pub capacity: u32,
    pub queued: u32,
    pub replicas: u32,
    /// Per replica: share of its workers busy, 0..=1 (draining ones included).
    pub replica_load: Vec<f64>,
    pub latency_factor: f64,
    pub error_rate: f64,
    pub drop_rate: f64,
    pub breaker: Option<BreakerState>,
    /// Brokers: messages dead-lettered a moment ago (see
    /// [`crate::session::Flights::dead_lettered_before`]).
    pub dead_letters: u32,
    /// The node group's classes: its kind's, then BEM modifiers for its
    /// state (`diagram__node diagram__node--service diagram__node--down`).
    pub class: String,
    /// One-line status under the label.
    pub status: String,
    /// Accessible description of the state.
    pub aria: String,
}

impl Default for NodeState {
    /// A node the frame does not know (yet): up, idle, at normal speed.
    fn default() -> NodeState {
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
}

impl NodeState {
    /// The corner badge: what is unusual about a node, in a word or two.
    pub fn badge(&self) -> String {
        let mut parts = Vec::new();
        if !self.up {
            parts.push("DOWN".to_owned());
        }
        if self.latency_factor > 1.0 {
            parts.push(format!("slow ×{}", self.latency_factor));
        }
        if self.error_rate > 0.0 {
            parts.push(format!("{:.0}% errors", self.error_rate * 100.0));
        }
        if self.drop_rate > 0.0 {
            parts.push(format!("{:.0}% lost", self.drop_rate * 100.0));
        }
        if let Some(b) = self.breaker {
            parts.push(format!("breaker {}", b.as_str().replace('_', "-")));
        }
        if self.dead_letters > 0 {
            parts.push("dead-lettering".to_owned());
        }
        parts.join(" · ")
    }

    /// Whether the badge reports trouble (drawn in the danger colour) or
    /// only a closed breaker (drawn quietly).
    pub fn badge_is_alarming(&self) -> bool {
        !self.up
            || self.latency_factor > 1.0
            || self.error_rate > 0.0
            || self.drop_rate > 0.0
            || self.breaker.is_some_and(|b| b != BreakerState::Closed)
            || self.dead_letters > 0
    }
}

/// One broker queue's live state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueState {
    pub id: String,
    pub ready: u32,
    pub delayed: u32,
    pub inflight: u32,
    pub capacity: u32,
    pub dead_lettered: u64,
    pub durable: bool,
    pub is_dead_letter_queue: bool,
}

/// Messages a queue's bar shows in full at least: below this the bars keep
/// their scale, so a handful of messages look like a handful.
pub const QUEUE_BAR_MIN_SCALE: u32 = 20;

/// A broker queue as a row of the queues panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRow {
    pub id: String,
    /// The queue's name, marked when it does not survive a broker restart.
    pub name: String,
    /// Widths of the bar's two parts (CSS percentages: `"75.0%"`).
    pub waiting_width: String,
    pub inflight_width: String,
    /// The bar's accessible name: every number it shows.
    pub aria: String,
    /// The numbers beside the bar, and their test id (`queue-<id>`).
    pub numbers: String,
    pub test_id: String,
    /// A dead-letter queue (drawn in its own colour).
    pub dead_letter_queue: bool,
}

impl QueueState {
    /// Messages waiting to be delivered (ready now or after a backoff).
    pub fn waiting(&self) -> u32 {
        self.ready + self.delayed
    }

    /// The queue's row: the bar is scaled to the messages it holds, but to
    /// at least [`QUEUE_BAR_MIN_SCALE`].
    pub fn row(&self) -> QueueRow {
        let waiting = self.waiting();
        let scale = f64::from((waiting + self.inflight).max(QUEUE_BAR_MIN_SCALE));
        let pct = |n: u32| format!("{:.1}%", f64::from(n) / scale * 100.0);
        let mut numbers = format!("{waiting} waiting · {} in flight", self.inflight);
        if self.dead_lettered > 0 {
            numbers.push_str(&format!(" · {} DLQ", self.dead_lettered));
        }
        QueueRow {
            id: self.id.clone(),
            name: if self.durable {
                self.id.clone()
            } else {
                format!("{} (transient)", self.id)
            },
            waiting_width: pct(waiting),
            inflight_width: pct(self.inflight),
            aria: format!(
                "{}: {waiting} waiting, {} in flight, {} dead-lettered",
                self.id, self.inflight, self.dead_lettered
            ),
            numbers,
            test_id: format!("queue-{}", self.id),
            dead_letter_queue: self.is_dead_letter_queue,
        }
    }
}

/// One message token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Token {
    pub msg: u64,
    pub order: OrderId,
    pub x: f64,
    pub y: f64,
    pub kind: MsgKind,
    /// The message carries a failure (error answer, timeout, dead letter).
    pub error: bool,
    /// The message was lost on the way.
    pub dropped: bool,
}

/// The headline counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub completed: u64,
    pub failed: u64,
    pub compensated: u64,
    pub inconsistent: u64,
    pub lost: u64,
    pub in_flight: u64,
    pub created: u64,
    pub shed: u64,
}

/// One headline counter: its name, its key (CSS modifier and test id), and
/// where its value is.
#[derive(Clone, Copy, Debug)]
pub struct Headline {
    pub name: &'static str,
    pub key: &'static str,
    pub value: fn(&Counters) -> u64,
}

impl Headline {
    /// The counter's classes: `counter counter--in-flight`.
    pub fn class(&self) -> String {
        format!("counter counter--{}", self.key)
    }

    /// The counter's test id: `count-in-flight`.
    pub fn test_id(&self) -> String {
        format!("count-{}", self.key)
    }
}

/// The headline counters, in the order the metrics panel shows them.
pub const HEADLINES: [Headline; 6] = [
    Headline {
        name: "completed",
        key: "completed",
        value: |c| c.completed,
    },
    Headline {
        name: "failed cleanly",
        key: "failed",
        value: |c| c.failed,
    },
    Headline {
        name: "compensated",
        key: "compensated",
        value: |c| c.compensated,
    },
    Headline {
        name: "inconsistent",
        key: "inconsistent",
        value: |c| c.inconsistent,
    },
    Headline {
        name: "lost",
        key: "lost",
        value: |c| c.lost,
    },
    Headline {
        name: "in flight",
        key: "in-flight",
        value: |c| c.in_flight,
    },
];

/// Everything drawn for one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    pub t: SimTime,
    pub nodes: IdVec<ServiceId, NodeState>,
    pub queues: Vec<QueueState>,
    pub tokens: Vec<Token>,
    pub counters: Counters,
    pub broker_up: bool,
}

impl Frame {
    /// The queues panel's heading.
    pub fn queues_title(&self) -> &'static str {
        if self.broker_up {
            "Broker queues"
        } else {
            "Broker queues — broker restarting"
        }
    }
}

impl Scene {
    /// The scene of a run of a compiled scenario whose ids come from
    /// `id_source` (which decides whether the Id Service is drawn).
    pub fn new(model: &Model, id_source: IdSource) -> Scene {
        let topology = Topology::of_run(model, id_source);
        let layout = layout(&topology);
        let view = DiagramView::from_layout(&topology, &layout);
        let n = topology.nodes.len();
        let mut breaker_of: IdVec<ServiceId, Option<BreakerId>> = vec![None; n].into();
        for h in &model.handlers {
            for step in &h.steps {
                if let StepModel::Call { policy, .. } = step
                    && let Some(b) = policy.breaker
                {
                    breaker_of[model.handlers[policy.target].service] = Some(b);
                }
            }
        }
        let mut edge_of: IdVec<ServiceId, IdVec<_, _>> = vec![vec![None; n].into(); n].into();
        for (i, e) in topology.edges.iter().enumerate() {
            edge_of[e.from][e.to] = Some((i, false));
            if edge_of[e.to][e.from].is_none() {
                edge_of[e.to][e.from] = Some((i, true));
            }
        }
        Scene {
            topology,
            layout,
            view,
            breaker_of,
            edge_of,
        }
    }

    /// Where a message `from → to` is after `progress` (0..=1) of its flight:
    /// on the edge joining them (backwards for answers), or on a straight
    /// line between the nodes if none does.
    pub fn position(&self, from: ServiceId, to: ServiceId, progress: f64) -> Point {
        let p = progress.clamp(0.0, 1.0);
        match self
            .edge_of
            .get(from)
            .and_then(|r| r.get(to))
            .copied()
            .flatten()
        {
            Some((e, false)) => self.layout.edges[e].point_at(p),
            Some((e, true)) => self.layout.edges[e].point_at(1.0 - p),
            None => {
                let (a, b) = match (self.layout.nodes.get(from), self.layout.nodes.get(to)) {
                    (Some(a), Some(b)) => (a.center(), b.center()),
                    _ => return Point { x: 0.0, y: 0.0 },
                };
                Point {
                    x: a.x + (b.x - a.x) * p,
                    y: a.y + (b.y - a.y) * p,
                }
            }
        }
    }

    /// The frame at the session's current time. `flights` are the messages
    /// on screen with their progress; `reduced_motion` makes tokens jump
    /// from one end to the other instead of gliding.
    pub fn frame(
        &self,
        model: &Model,
        sim: &Sim,
        flights: &[(Flight, f64)],
        dead_letters: u32,
        reduced_motion: bool,
    ) -> Frame {
        let nodes = model
            .services
            .ids()
            .map(|i| self.node_state(model, sim, i, dead_letters))
            .collect();
        let queues = model
            .queues
            .iter_enumerated()
            .map(|(i, q)| {
                let v = sim.queue(i);
                QueueState {
                    id: q.id.clone(),
                    ready: v.ready,
                    delayed: v.delayed,
                    inflight: v.inflight,
                    capacity: q.capacity,
                    dead_lettered: v.counters.dead_lettered,
                    durable: q.durable,
                    is_dead_letter_queue: q.is_dead_letter_queue,
                }
            })
            .collect();
        let start = flights.len().saturating_sub(MAX_TOKENS);
        let tokens = flights[start..]
            .iter()
            .map(|(f, progress)| {
                let shown = if reduced_motion {
                    if *progress < 0.5 { 0.0 } else { 1.0 }
                } else {
                    *progress
                };
                let p = self.position(f.from, f.to, shown);
                Token {
                    msg: f.msg,
                    order: f.order,
                    x: p.x,
                    y: p.y,
                    kind: f.kind,
                    error: f.error,
                    dropped: f.dropped,
                }
            })
            .collect();
        let mx = sim.metrics_snapshot();
        let o = mx.outcomes;
        Frame {
            t: sim.now(),
            nodes,
            queues,
            tokens,
            counters: Counters {
                completed: o.completed,
                failed: o.failed,
                compensated: o.compensated,
                inconsistent: o.inconsistent,
                lost: o.lost,
                in_flight: sim.live_orders() as u64,
                created: mx.orders_created,
                shed: mx.orders_shed,
            },
            broker_up: sim.broker_up(),
        }
    }

    fn node_state(&self, model: &Model, sim: &Sim, i: ServiceId, dead_letters: u32) -> NodeState {
        let spec = &model.services[i];
        let dead_letters = if spec.kind == ServiceKind::Broker {
            dead_letters
        } else {
            0
        };
        let v = sim.service(i);
        let breaker = self
            .breaker_of
            .get(i)
            .copied()
            .flatten()
            .map(|b| sim.breaker(b).state());
        let up = if spec.kind == ServiceKind::Broker {
            v.up && sim.broker_up()
        } else {
            v.up
        };
        let capacity = v.replicas * v.concurrency;
        let replica_load: Vec<f64> = sim
            .replicas(i)
            .map(|(busy, _)| f64::from(busy) / f64::from(v.concurrency.max(1)))
            .collect();
        let slow = v.latency_factor > 1.0;
        let failing = v.error_rate > spec.error_rate;
        let dropping = v.drop_rate > 0.0;
        let mut class = self
            .view
            .nodes
            .get(i)
            .map_or_else(String::new, |n| n.class.clone());
        for (on, m) in [
            (!up, "down"),
            (slow, "slow"),
            (failing, "failing"),
            (dropping, "dropping"),
            (capacity > 0 && v.busy >= capacity, "saturated"),
        ] {
            if on {
                class.push_str(" diagram__node--");
                class.push_str(m);
            }
        }
        if let Some(b) = breaker {
            class.push_str(" diagram__node--breaker-");
            class.push_str(b.as_str());
        }
        let status = match spec.kind {
            ServiceKind::Client => String::new(),
            ServiceKind::Broker => {
                let waiting: u32 = (model.queues.ids())
                    .map(|q| sim.queue(q))
                    .map(|q| q.ready + q.delayed)
                    .sum();
                if up {
                    format!("{waiting} waiting")
                } else {
                    "restarting".into()
                }
            }
            _ if !up => "DOWN".into(),
            _ => {
                let mut s = format!("{}/{} busy", v.busy, capacity);
                if v.queued > 0 {
                    s.push_str(&format!(" · {} queued", v.queued));
                }
                s
            }
        };
        let mut aria = format!("{}, {}", spec.label, if up { "up" } else { "down" });
        if spec.kind != ServiceKind::Client && spec.kind != ServiceKind::Broker {
            aria.push_str(&format!(
                ", {} of {} workers busy, {} queued",
                v.busy, capacity, v.queued
            ));
        }
        if slow {
            aria.push_str(&format!(", latency ×{}", v.latency_factor));
        }
        if failing {
            aria.push_str(&format!(
                ", failing {:.0}% of requests",
                v.error_rate * 100.0
            ));
        }
        if let Some(b) = breaker {
            aria.push_str(&format!(
                ", circuit breaker {}",
                b.as_str().replace('_', "-")
            ));
        }
        if dead_letters > 0 {
            aria.push_str(", dead-lettering messages");
        }
        NodeState {
            up,
            busy: v.busy,
            capacity,
            queued: v.queued,
            replicas: v.replicas,
            replica_load,
            latency_factor: v.latency_factor,
            error_rate: v.error_rate,
            drop_rate: v.drop_rate,
            breaker,
            dead_letters,
            class,
            status,
            aria,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Flights, Session};
    use orderflow_sim::{Command, presets};

    fn scene_and_session(name: &str) -> (Scene, Session) {
        let model = presets::model(name).unwrap().unwrap();
        let scene = Scene::new(&model, model.client.id_source);
        let mode = model.client.completion;
        (scene, Session::new(model, mode, 3).unwrap())
    }

    #[test]
    fn tokens_ride_their_edges_and_answers_ride_back() {
        let (scene, _) = scene_and_session("sync-chain");
        let t = &scene.topology;
        let (client, order) = (t.index_of("client").unwrap(), t.index_of("order").unwrap());
        let e = t
            .edges
            .iter()
            .position(|e| e.from == client && e.to == order)
            .unwrap();
        let curve = &scene.layout.edges[e];
        assert_eq!(scene.position(client, order, 0.0), curve.start());
        assert_eq!(scene.position(client, order, 1.0), curve.end());
        // The answer travels the same edge backwards.
        assert_eq!(scene.position(order, client, 0.0), curve.end());
        assert_eq!(scene.position(order, client, 0.25), curve.point_at(0.75));
        // No edge between two nodes: a straight line between their centres.
        let (inv, notif) = (
            t.index_of("inventory").unwrap(),
            t.index_of("notification").unwrap(),
        );
        let mid = scene.position(inv, notif, 0.5);
        let (a, b) = (
            scene.layout.nodes[inv].center(),
            scene.layout.nodes[notif].center(),
        );
        assert_eq!(
            mid,
            Point {
                x: (a.x + b.x) / 2.0,
                y: (a.y + b.y) / 2.0
            }
        );
    }

    #[test]
    fn a_frame_shows_state_tokens_and_counters() {
        let (scene, mut s) = scene_and_session("payment-breaker");
        s.advance_to(SimTime::from_secs(18), u64::MAX);
        let mut flights = Flights::default();
        flights.update(s.store(), s.rewinds());
        // A wide window: with the breaker open (document 004's 30 s reset)
        // no trial calls flow, only the orders arriving at 3 a second.
        let shown = flights.visible(s.now(), SimTime::from_millis(2_000), 1_000);
        let f = scene.frame(s.model(), s.sim(), &shown, 0, false);
        let provider = scene.topology.index_of("provider").unwrap();
        let p = &f.nodes[provider];
        assert!(!p.up && p.class.contains("diagram__node--down"), "{p:?}");
        assert_eq!(
            p.breaker,
            Some(BreakerState::Open),
            "the provider is behind the breaker"
        );
        assert!(p.class.contains("breaker-open"));
        assert!(p.aria.contains("circuit breaker open"));
        assert!(!f.tokens.is_empty());
        assert!(f.tokens.iter().any(|tk| tk.kind == MsgKind::Request));
        assert!(f.counters.created > 40);
        let retry = f.queues.iter().find(|q| q.id == "payment_retry").unwrap();
        assert!(
            retry.ready + retry.inflight > 0,
            "charges wait for retry: {retry:?}"
        );
    }

    #[test]
    fn node_state_reflects_commands() {
        let (scene, mut s) = scene_and_session("hybrid");
        s.advance_to(SimTime::from_secs(1), u64::MAX);
        s.apply(Command::SetLatencyFactor {
            service: "warehouse".into(),
            factor: 4.0,
        })
        .unwrap();
        s.apply(Command::SetErrorRate {
            service: "payment".into(),
            rate: 0.5,
        })
        .unwrap();
        s.apply(Command::SetReplicas {
            service: "inventory".into(),
            replicas: 3,
        })
        .unwrap();
        let f = scene.frame(s.model(), s.sim(), &[], 0, false);
        let n = |id: &str| &f.nodes[scene.topology.index_of(id).unwrap()];
        assert!(
            n("warehouse").class.contains("--slow") && n("warehouse").aria.contains("latency ×4")
        );
        assert!(n("payment").class.contains("--failing"));
        assert_eq!(n("inventory").replicas, 3);
        assert_eq!(n("inventory").replica_load.len(), 3);
        assert!(
            n("inventory").status.ends_with("busy") || n("inventory").status.contains("queued")
        );
    }

    #[test]
    fn reduced_motion_tokens_jump_between_the_ends() {
        let (scene, mut s) = scene_and_session("sync-chain");
        s.advance_to(SimTime::from_millis(500), u64::MAX);
        let mut flights = Flights::default();
        flights.update(s.store(), s.rewinds());
        let shown = flights.visible(s.now(), SimTime::from_millis(400), 1_000);
        assert!(!shown.is_empty());
        let f = scene.frame(s.model(), s.sim(), &shown, 0, true);
        for ((fl, _), tk) in shown.iter().zip(&f.tokens) {
            let a = scene.position(fl.from, fl.to, 0.0);
            let b = scene.position(fl.from, fl.to, 1.0);
            let at = Point { x: tk.x, y: tk.y };
            assert!(at == a || at == b, "token between the ends: {at:?}");
        }
    }

    fn queue(ready: u32, delayed: u32, inflight: u32) -> QueueState {
        QueueState {
            id: "shipments".into(),
            ready,
            delayed,
            inflight,
            capacity: 1_000,
            dead_lettered: 0,
            durable: true,
            is_dead_letter_queue: false,
        }
    }

    #[test]
    fn a_queue_bar_is_scaled_to_its_messages_and_says_its_numbers() {
        // 15 of the bar's minimum scale of 20: three quarters full.
        let r = queue(10, 5, 0).row();
        assert_eq!(
            (r.waiting_width.as_str(), r.inflight_width.as_str()),
            ("75.0%", "0.0%")
        );
        assert_eq!(
            r.aria,
            "shipments: 15 waiting, 0 in flight, 0 dead-lettered"
        );
        assert_eq!(r.numbers, "15 waiting · 0 in flight");
        assert_eq!(
            (r.name.as_str(), r.test_id.as_str()),
            ("shipments", "queue-shipments")
        );
        // Past the minimum the bar is full: 30 waiting and 10 in flight.
        let r = queue(30, 0, 10).row();
        assert_eq!(
            (r.waiting_width.as_str(), r.inflight_width.as_str()),
            ("75.0%", "25.0%")
        );
        let r = queue(1, 0, 2).row();
        assert_eq!(
            (r.waiting_width.as_str(), r.inflight_width.as_str()),
            ("5.0%", "10.0%")
        );
        // Dead letters and transient queues say so.
        let r = QueueState {
            dead_lettered: 4,
            durable: false,
            ..queue(0, 0, 0)
        }
        .row();
        assert_eq!(r.numbers, "0 waiting · 0 in flight · 4 DLQ");
        assert_eq!(r.name, "shipments (transient)");
        assert!(r.aria.ends_with("4 dead-lettered"));
    }

    #[test]
    fn headline_counters_read_their_own_figure() {
        let c = Counters {
            completed: 1,
            failed: 2,
            compensated: 3,
            inconsistent: 4,
            lost: 5,
            in_flight: 6,
            created: 99,
            shed: 98,
        };
        let shown: Vec<(&str, u64)> = HEADLINES.iter().map(|h| (h.key, (h.value)(&c))).collect();
        assert_eq!(
            shown,
            [
                ("completed", 1),
                ("failed", 2),
                ("compensated", 3),
                ("inconsistent", 4),
                ("lost", 5),
                ("in-flight", 6)
            ]
        );
        let in_flight = &HEADLINES[5];
        assert_eq!(
            (in_flight.class(), in_flight.test_id()),
            (
                "counter counter--in-flight".into(),
                "count-in-flight".into()
            )
        );
        let broker_down = Frame::default();
        assert_eq!(
            broker_down.queues_title(),
            "Broker queues — broker restarting"
        );
        let up = Frame {
            broker_up: true,
            ..Frame::default()
        };
        assert_eq!(up.queues_title(), "Broker queues");
    }

    #[test]
    fn a_node_class_is_its_kind_then_its_state() {
        let (scene, mut s) = scene_and_session("sync-chain");
        s.apply(Command::SetUp {
            service: "payment".into(),
            up: false,
        })
        .unwrap();
        let f = scene.frame(s.model(), s.sim(), &[], 0, false);
        let payment = scene.topology.index_of("payment").unwrap();
        assert_eq!(
            f.nodes[payment].class,
            "diagram__node diagram__node--service diagram__node--down"
        );
        let client = s.model().client.service;
        assert_eq!(f.nodes[client].class, "diagram__node diagram__node--client");
    }

    #[test]
    fn badges_say_what_is_unusual_and_only_trouble_is_alarming() {
        let (scene, mut s) = scene_and_session("payment-breaker");
        s.advance_to(SimTime::from_secs(1), u64::MAX);
        let f = scene.frame(&s.model().clone(), s.sim(), &[], 0, false);
        let provider = &f.nodes[scene.topology.index_of("provider").unwrap()];
        assert_eq!(provider.badge(), "breaker closed");
        assert!(!provider.badge_is_alarming());
        let mut down = provider.clone();
        down.up = false;
        down.breaker = Some(BreakerState::Open);
        assert_eq!(down.badge(), "DOWN · breaker open");
        assert!(down.badge_is_alarming());
        let mut slow = provider.clone();
        slow.breaker = None;
        slow.latency_factor = 4.0;
        assert_eq!(slow.badge(), "slow ×4");
        assert!(slow.badge_is_alarming());
    }

    #[test]
    fn the_broker_shows_messages_going_to_the_dead_letter_queue() {
        // Warehouse fails every delivery: after five, each shipment message
        // goes to the dead-letter queue, and the broker says so while it
        // happens, for as long as a token would stay on screen.
        let (scene, mut s) = scene_and_session("hybrid-queue");
        s.apply(orderflow_sim::Command::SetErrorRate {
            service: "warehouse".into(),
            rate: 1.0,
        })
        .unwrap();
        let broker = scene.topology.index_of("broker").unwrap();
        let mut flights = crate::session::Flights::default();
        let display = SimTime::from_millis(500);
        let mut seen = 0;
        let mut t = SimTime::ZERO;
        while t < SimTime::from_secs(14) {
            t = t.plus_micros(100_000);
            s.advance_to(t, u64::MAX);
            flights.update(s.store(), s.rewinds());
            let shown = flights.visible(t, display, 1_500);
            let recent = flights.dead_lettered_before(t, display);
            let f = scene.frame(s.model(), s.sim(), &shown, recent, false);
            let b = &f.nodes[broker];
            assert_eq!(b.dead_letters, recent);
            if recent > 0 {
                seen += 1;
                assert!(b.badge().contains("dead-lettering") && b.badge_is_alarming());
                assert!(b.aria.contains("dead-lettering"));
            }
            // Only the broker carries it.
            assert!(
                f.nodes
                    .iter_enumerated()
                    .all(|(i, n)| i == broker || n.dead_letters == 0)
            );
        }
        assert!(seen > 0, "dead letters were shown");
        let dlq = s.model().queue_index("dead_letters").unwrap();
        assert!(s.sim().queue(dlq).ready > 0);
        // Once nothing more is dead-lettered, the badge goes.
        s.apply(orderflow_sim::Command::SetErrorRate {
            service: "warehouse".into(),
            rate: 0.0,
        })
        .unwrap();
        for _ in 0..100 {
            t = t.plus_micros(100_000);
            s.advance_to(t, u64::MAX);
            flights.update(s.store(), s.rewinds());
            flights.visible(t, display, 1_500);
        }
        assert_eq!(flights.dead_lettered_before(t, display), 0);
    }
}
