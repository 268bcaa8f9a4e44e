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
