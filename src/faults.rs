//! Owns what the "Break things" panel offers: the one-click timed faults, and
//! the fixed and live parts of a selected node's controls, within the
//! engine's `bounds`. Plain Rust, tested natively; the controller turns the
//! choices into recorded engine commands.

use orderflow_sim::ids::ServiceId;
use orderflow_sim::model::{Model, bounds};
use orderflow_sim::scenario::ServiceKind;
use orderflow_sim::{Command, SimTime};

use crate::scene::NodeState;

/// One timed fault a user can inject with one click: `on` now, `off` after
/// `duration`.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPreset {
    pub label: String,
    pub on: Command,
    pub off: Command,
    pub duration: SimTime,
}

/// How long the broker refuses traffic when restarted from its panel.
pub const BROKER_RESTART_DOWNTIME_MS: u64 = 2_000;

/// The latency multipliers a node's panel offers.
pub const LATENCY_FACTORS: [f64; 5] = [1.0, 2.0, 5.0, 10.0, 50.0];

/// A service taken down for `duration`, then brought back.
fn down_for(id: &str, duration: SimTime, label: String) -> FaultPreset {
    FaultPreset {
        label,
        on: Command::SetUp {
            service: id.into(),
            up: false,
        },
        off: Command::SetUp {
            service: id.into(),
            up: true,
        },
        duration,
    }
}

/// The scenario's one-click faults, as its JSON declares them
/// (`one_click_faults`: label, command on, command off, duration). The engine
/// checked every command against the scenario when it compiled it.
pub fn scenario_faults(model: &Model) -> Vec<FaultPreset> {
    model
        .one_click_faults
        .iter()
        .map(|f| FaultPreset {
            label: f.label.clone(),
            on: f.on.clone(),
            off: f.off.clone(),
            duration: f.duration,
        })
        .collect()
}

/// True for the nodes whose workers a user can change (not the client, not
/// the broker).
fn is_service(kind: ServiceKind) -> bool {
    !matches!(kind, ServiceKind::Client | ServiceKind::Broker)
}

/// One-click faults for node `i`: down, slower, half the requests failing,
/// each for 10 s. None for the client and the broker.
pub fn node_faults(model: &Model, i: ServiceId) -> Vec<FaultPreset> {
    let Some(s) = model.services.get(i).filter(|s| is_service(s.kind)) else {
        return Vec::new();
    };
    let id = s.id.as_str();
    let ten = SimTime::from_secs(10);
    vec![
        down_for(id, ten, "Down for 10 s".into()),
        FaultPreset {
            label: "5× slower for 10 s".into(),
            on: Command::SetLatencyFactor {
                service: id.into(),
                factor: 5.0,
            },
            off: Command::SetLatencyFactor {
                service: id.into(),
                factor: 1.0,
            },
            duration: ten,
        },
        FaultPreset {
            label: "Half the requests fail for 10 s".into(),
            on: Command::SetErrorRate {
                service: id.into(),
                rate: 0.5,
            },
            off: Command::SetErrorRate {
                service: id.into(),
                rate: s.error_rate,
            },
            duration: ten,
        },
    ]
}

/// A percentage from a slider (0..=100) as a rate (0..=1).
pub fn rate_of_percent(percent: f64) -> f64 {
    (percent / 100.0).clamp(0.0, 1.0)
}

/// A rate as a whole percentage, for a slider's value.
fn percent_of_rate(rate: f64) -> f64 {
    (rate * 100.0).round()
}

/// The replica count after `delta` more (or fewer), from `current`: at least
/// one, at most the engine's [`bounds::REPLICAS`].
pub fn replicas_after(current: u32, delta: i32) -> u32 {
    let wanted = i64::from(current) + i64::from(delta);
    wanted.clamp(1, i64::from(bounds::REPLICAS)) as u32
}

/// The fixed part of a node's controls, for the panel.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeControls {
    pub label: String,
    /// The group's accessible name: "Controls for Payment".
    pub aria_label: String,
    /// The broker: a restart button instead of up and down.
    pub is_broker: bool,
    /// A service with workers: latency, errors, loss, replicas, faults.
    pub is_service: bool,
    /// "Normal error rate: 2%".
    pub normal_error: String,
    /// The broker's restart button.
    pub restart_label: String,
    /// One-click faults for this node.
    pub faults: Vec<FaultPreset>,
    /// The latency choices: (option value, text).
    pub latency_options: Vec<(String, String)>,
}

impl NodeControls {
    /// The controls of node `i` of `model` (`None` past the last node).
    pub fn of(model: &Model, i: ServiceId) -> Option<NodeControls> {
        let s = model.services.get(i)?;
        Some(NodeControls {
            label: s.label.clone(),
            aria_label: format!("Controls for {}", s.label),
            is_broker: s.kind == ServiceKind::Broker,
            is_service: is_service(s.kind),
            normal_error: format!("Normal error rate: {:.0}%", s.error_rate * 100.0),
            restart_label: format!(
                "Restart the broker ({} s down)",
                BROKER_RESTART_DOWNTIME_MS / 1_000
            ),
            faults: node_faults(model, i),
            latency_options: LATENCY_FACTORS
                .iter()
                .map(|f| (f.to_string(), format!("×{f}")))
                .collect(),
        })
    }
}

/// The live part of a node's controls: what its inputs show now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeSettings {
    pub up: bool,
    /// The state in words (the node's accessible description).
    pub state: String,
    /// "Take it down" or "Bring it up".
    pub toggle_label: &'static str,
    /// The latency select's value ("1", "5").
    pub latency: String,
    /// The error-rate slider's value ("35") and its text ("35%").
    pub error_percent: String,
    pub error_text: String,
    /// The message-loss slider's value.
    pub drop_percent: String,
    pub replicas: u32,
}

impl NodeSettings {
    /// What the inputs show for a node in `state` (a node not in the frame
    /// shows as down, at normal speed, with no replicas).
    pub fn of(state: Option<&NodeState>) -> NodeSettings {
        let Some(s) = state else {
            return NodeSettings {
                toggle_label: "Bring it up",
                latency: "1".into(),
                error_percent: "0".into(),
                error_text: "0%".into(),
                drop_percent: "0".into(),
                ..NodeSettings::default()
            };
        };
        NodeSettings {
            up: s.up,
            state: s.aria.clone(),
            toggle_label: if s.up { "Take it down" } else { "Bring it up" },
            latency: s.latency_factor.to_string(),
            error_percent: percent_of_rate(s.error_rate).to_string(),
            error_text: format!("{:.0}%", s.error_rate * 100.0),
            drop_percent: percent_of_rate(s.drop_rate).to_string(),
            replicas: s.replicas,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderflow_sim::presets;

    fn node(i: usize) -> ServiceId {
        ServiceId::from_index(i).unwrap()
    }

    fn model(name: &str) -> std::sync::Arc<Model> {
        presets::model(name).unwrap().unwrap()
    }

    fn labels(faults: &[FaultPreset]) -> Vec<&str> {
        faults.iter().map(|f| f.label.as_str()).collect()
    }

    #[test]
    fn scenario_faults_name_services_the_scenario_has() {
        assert_eq!(
            labels(&scenario_faults(&model("hybrid"))),
            [
                "Warehouse down for 10 s",
                "Payment provider outage for 10 s",
                "Payment down for 10 s",
                "Warehouse down for 30 s",
                "Status store down for 10 s"
            ]
        );
        assert!(scenario_faults(&model("mmc")).is_empty());
        let food = scenario_faults(&model("food-ordering"));
        let kitchen = food
            .iter()
            .find(|f| f.label.starts_with("Kitchen"))
            .unwrap();
        assert_eq!(
            (&kitchen.on, kitchen.duration),
            (
                &Command::SetLatencyFactor {
                    service: "kitchen".into(),
                    factor: 3.0
                },
                SimTime::from_secs(30)
            )
        );
        // Every fault is a command the scenario accepts.
        for name in presets::NAMES {
            let m = model(name);
            for f in scenario_faults(&m) {
                for c in [&f.on, &f.off] {
                    if let Command::SetStock { sku, .. } = c {
                        assert!(m.sku_index(sku).is_some(), "{name}: {sku}");
                        continue;
                    }
                    let service = match c {
                        Command::SetUp { service, .. }
                        | Command::SetLatencyFactor { service, .. }
                        | Command::SetErrorRate { service, .. }
                        | Command::SetReplicas { service, .. } => service,
                        other => panic!("{name}: unexpected {other:?}"),
                    };
                    assert!(m.service_index(service).is_some(), "{name}: {service}");
                }
            }
        }
    }

    #[test]
    fn node_faults_restore_the_normal_error_rate() {
        let m = model("sync-chain");
        let payment = m.service_index("payment").unwrap();
        let faults = node_faults(&m, payment);
        assert_eq!(
            labels(&faults),
            [
                "Down for 10 s",
                "5× slower for 10 s",
                "Half the requests fail for 10 s"
            ]
        );
        assert_eq!(
            faults[2].off,
            Command::SetErrorRate {
                service: "payment".into(),
                rate: m.services[payment].error_rate
            }
        );
        assert!(node_faults(&m, node(0)).is_empty(), "not for the client");
        assert!(node_faults(&m, node(99)).is_empty(), "no such node");
        let hq = model("hybrid-queue");
        let broker = hq.service_index("broker").unwrap();
        assert!(node_faults(&hq, broker).is_empty(), "not for the broker");
    }

    #[test]
    fn replicas_stay_within_the_engines_bounds() {
        assert_eq!(replicas_after(3, 1), 4);
        assert_eq!(replicas_after(3, -1), 2);
        assert_eq!(replicas_after(1, -1), 1);
        assert_eq!(replicas_after(0, -5), 1);
        assert_eq!(replicas_after(64, 1), 65, "the engine allows more than 64");
        assert_eq!(replicas_after(bounds::REPLICAS, 1), bounds::REPLICAS);
        assert_eq!(replicas_after(u32::MAX, 1), bounds::REPLICAS);
    }

    #[test]
    fn slider_percentages_become_rates() {
        assert_eq!(rate_of_percent(35.0), 0.35);
        assert_eq!(rate_of_percent(150.0), 1.0);
        assert_eq!(rate_of_percent(-5.0), 0.0);
        assert_eq!(percent_of_rate(0.354), 35.0);
    }

    #[test]
    fn node_controls_say_what_the_node_allows() {
        let m = model("hybrid-queue");
        let payment = NodeControls::of(&m, m.service_index("payment").unwrap()).unwrap();
        assert_eq!(payment.aria_label, "Controls for Payment");
        assert!(payment.is_service && !payment.is_broker);
        assert_eq!(payment.faults.len(), 3);
        assert_eq!(payment.latency_options[0], ("1".into(), "×1".into()));
        assert_eq!(payment.latency_options[4], ("50".into(), "×50".into()));
        let broker = NodeControls::of(&m, m.service_index("broker").unwrap()).unwrap();
        assert!(broker.is_broker && !broker.is_service);
        assert_eq!(broker.restart_label, "Restart the broker (2 s down)");
        assert!(NodeControls::of(&m, node(99)).is_none());
        let errors = NodeControls::of(&model("sync-chain"), node(0)).unwrap();
        assert_eq!(errors.normal_error, "Normal error rate: 0%");
    }

    #[test]
    fn node_settings_show_the_live_state() {
        let state = NodeState {
            up: false,
            latency_factor: 5.0,
            error_rate: 0.35,
            drop_rate: 0.1,
            replicas: 3,
            aria: "Payment, down".into(),
            ..NodeState::default()
        };
        let s = NodeSettings::of(Some(&state));
        assert_eq!(s.toggle_label, "Bring it up");
        assert_eq!(
            (
                s.latency.as_str(),
                s.error_percent.as_str(),
                s.error_text.as_str()
            ),
            ("5", "35", "35%")
        );
        assert_eq!((s.drop_percent.as_str(), s.replicas), ("10", 3));
        assert_eq!(s.state, "Payment, down");
        let up = NodeSettings::of(Some(&NodeState { up: true, ..state }));
        assert_eq!(up.toggle_label, "Take it down");
        assert_eq!(NodeSettings::of(None).latency, "1");
    }
}
