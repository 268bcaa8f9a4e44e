//! Live changes to a running simulation: a service taken down, slowed,
//! failing or scaled; the broker restarted; a SKU's stock set.
//!
//! Scheduled faults of a scenario compile to the same commands, and every
//! command applied to a [`crate::Sim`] is recorded with the position in the
//! event stream where it took effect, so scenario + seed + recorded commands
//! replays a run exactly.

use serde::{Deserialize, Serialize};

use crate::ids::{ServiceId, SkuId};
use crate::time::SimTime;

/// A change to the running system. Services are named by id, so a command
/// survives in a URL or a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Bring a service down (it refuses requests and loses work in progress)
    /// or back up.
    SetUp { service: String, up: bool },
    /// Multiply the service's latency (1.0 = normal).
    SetLatencyFactor { service: String, factor: f64 },
    /// Share of requests the service fails.
    SetErrorRate { service: String, rate: f64 },
    /// Share of messages to the service lost on the way.
    SetDropRate { service: String, rate: f64 },
    /// Number of replicas (instances) of the service.
    SetReplicas { service: String, replicas: u32 },
    /// Restart the broker: transient messages are lost; it refuses traffic
    /// for `downtime_ms`.
    RestartBroker { downtime_ms: u64 },
    /// Set the units of a SKU available at the inventory (a stock count, a
    /// delivery, a write-off).
    SetStock { sku: String, units: u32 },
}

impl Command {
    /// Every kind of command by its name in files (the `kind` tag), in
    /// declaration order. Whoever generates commands (the fuzz targets, the
    /// invariant sweep) checks that it produces each of these, so a new
    /// command cannot go untested.
    pub const KINDS: [&'static str; 7] = [
        "set_up",
        "set_latency_factor",
        "set_error_rate",
        "set_drop_rate",
        "set_replicas",
        "restart_broker",
        "set_stock",
    ];

    /// This command's kind, one of [`Command::KINDS`].
    pub fn kind(&self) -> &'static str {
        match self {
            Command::SetUp { .. } => "set_up",
            Command::SetLatencyFactor { .. } => "set_latency_factor",
            Command::SetErrorRate { .. } => "set_error_rate",
            Command::SetDropRate { .. } => "set_drop_rate",
            Command::SetReplicas { .. } => "set_replicas",
            Command::RestartBroker { .. } => "restart_broker",
            Command::SetStock { .. } => "set_stock",
        }
    }

    /// A short human description (`"payment down"`).
    pub fn describe(&self) -> String {
        match self {
            Command::SetUp { service, up: false } => format!("{service} down"),
            Command::SetUp { service, up: true } => format!("{service} up"),
            Command::SetLatencyFactor { service, factor } => format!("{service} latency ×{factor}"),
            Command::SetErrorRate { service, rate } => {
                format!("{service} error rate {:.0}%", rate * 100.0)
            }
            Command::SetDropRate { service, rate } => {
                format!("{service} drops {:.0}% of messages", rate * 100.0)
            }
            Command::SetReplicas { service, replicas } => format!("{service} ×{replicas} replicas"),
            Command::RestartBroker { downtime_ms } => {
                format!("broker restart ({downtime_ms} ms down)")
            }
            Command::SetStock { sku, units } => format!("{sku} stock set to {units}"),
        }
    }
}

/// A command as applied: when, and after how many processed events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppliedCommand {
    /// Simulated time at which it took effect.
    pub at: SimTime,
    /// Events processed before it (its exact place in the event stream).
    pub after_events: u64,
    pub command: Command,
}

/// A command checked against the model, with its names resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ResolvedCommand {
    SetUp { service: ServiceId, up: bool },
    SetLatencyFactor { service: ServiceId, factor: f64 },
    SetErrorRate { service: ServiceId, rate: f64 },
    SetDropRate { service: ServiceId, rate: f64 },
    SetReplicas { service: ServiceId, replicas: u32 },
    RestartBroker { downtime_us: u64 },
    SetStock { sku: SkuId, units: u32 },
}

/// Why a command was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError(pub String);

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kinds serde knows, from its refusal of an unknown one
    /// (``unknown variant `x`, expected one of `a`, `b` ``): the list grows
    /// by itself when a variant is added.
    fn serde_kinds() -> Vec<String> {
        let e = serde_json::from_str::<Command>(r#"{"kind":"?"}"#)
            .unwrap_err()
            .to_string();
        let list = e.split_once("expected one of ").expect(&e).1;
        list.split(", ")
            .map(|k| k.trim_matches(|c: char| c == '`' || c.is_whitespace()))
            .map(|k| k.split('`').next().unwrap_or(k).to_owned())
            .collect()
    }

    #[test]
    fn kinds_list_every_variant_by_its_name_in_files() {
        assert_eq!(serde_kinds(), Command::KINDS);
        // `kind()` says what the tag says.
        let samples = [
            Command::SetUp {
                service: "a".into(),
                up: true,
            },
            Command::SetLatencyFactor {
                service: "a".into(),
                factor: 2.0,
            },
            Command::SetErrorRate {
                service: "a".into(),
                rate: 0.5,
            },
            Command::SetDropRate {
                service: "a".into(),
                rate: 0.5,
            },
            Command::SetReplicas {
                service: "a".into(),
                replicas: 2,
            },
            Command::RestartBroker { downtime_ms: 5 },
            Command::SetStock {
                sku: "s".into(),
                units: 3,
            },
        ];
        let tags: Vec<String> = samples
            .iter()
            .map(|c| {
                serde_json::to_value(c).unwrap()["kind"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let kinds: Vec<&str> = samples.iter().map(Command::kind).collect();
        assert_eq!(tags, kinds);
        assert_eq!(kinds, Command::KINDS);
    }
}
