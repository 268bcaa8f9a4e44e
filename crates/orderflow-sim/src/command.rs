//! Live changes to a running simulation: a service taken down, slowed,
//! failing or scaled; the broker restarted.
//!
//! Scheduled faults of a scenario compile to the same commands, and every
//! command applied to a [`crate::Sim`] is recorded with the position in the
//! event stream where it took effect, so scenario + seed + recorded commands
//! replays a run exactly.

use serde::{Deserialize, Serialize};

use crate::ids::ServiceId;
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
}

impl Command {
    /// The command's op and arguments in the compact text form links use:
    /// `down:svc`, `up:svc`, `lat:svc:factor`, `err:svc:rate`,
    /// `drop:svc:rate`, `rep:svc:n`, `restart:downtime_ms`.
    pub fn to_text(&self) -> String {
        match self {
            Command::SetUp { service, up: false } => format!("down:{service}"),
            Command::SetUp { service, up: true } => format!("up:{service}"),
            Command::SetLatencyFactor { service, factor } => {
                format!("lat:{service}:{}", fmt_f64(*factor))
            }
            Command::SetErrorRate { service, rate } => format!("err:{service}:{}", fmt_f64(*rate)),
            Command::SetDropRate { service, rate } => format!("drop:{service}:{}", fmt_f64(*rate)),
            Command::SetReplicas { service, replicas } => format!("rep:{service}:{replicas}"),
            Command::RestartBroker { downtime_ms } => format!("restart:{downtime_ms}"),
        }
    }

    /// Parses the text form, already split at `:` (`["down", "payment"]`),
    /// or says what is wrong.
    pub fn from_parts(parts: &[&str]) -> Result<Command, String> {
        let number = |s: &str, what: &str| -> Result<f64, String> {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{what} {s:?} is not a number"))
        };
        let service = |i: usize| -> Result<String, String> {
            parts
                .get(i)
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string())
                .ok_or_else(|| "missing service".to_owned())
        };
        let arg = |i: usize| -> Result<&str, String> {
            parts
                .get(i)
                .copied()
                .ok_or_else(|| "missing value".to_owned())
        };
        let expect_len = |n: usize| -> Result<(), String> {
            if parts.len() == n {
                Ok(())
            } else {
                Err(format!("expected {} fields after the op", n - 1))
            }
        };
        match parts.first().copied() {
            Some("down") | Some("up") => {
                expect_len(2)?;
                Ok(Command::SetUp {
                    service: service(1)?,
                    up: parts[0] == "up",
                })
            }
            Some("lat") => {
                expect_len(3)?;
                Ok(Command::SetLatencyFactor {
                    service: service(1)?,
                    factor: number(arg(2)?, "factor")?,
                })
            }
            Some("err") => {
                expect_len(3)?;
                Ok(Command::SetErrorRate {
                    service: service(1)?,
                    rate: number(arg(2)?, "rate")?,
                })
            }
            Some("drop") => {
                expect_len(3)?;
                Ok(Command::SetDropRate {
                    service: service(1)?,
                    rate: number(arg(2)?, "rate")?,
                })
            }
            Some("rep") => {
                expect_len(3)?;
                let n = arg(2)?
                    .parse::<u32>()
                    .map_err(|_| format!("replicas {:?} is not a whole number", parts[2]))?;
                Ok(Command::SetReplicas {
                    service: service(1)?,
                    replicas: n,
                })
            }
            Some("restart") => {
                expect_len(2)?;
                let ms = arg(1)?
                    .parse::<u64>()
                    .map_err(|_| format!("downtime {:?} is not a whole number", parts[1]))?;
                Ok(Command::RestartBroker { downtime_ms: ms })
            }
            Some(op) => Err(format!("unknown op {op:?}")),
            None => Err("empty command".to_owned()),
        }
    }

    /// Parses the text form `op:args…`.
    pub fn from_text(text: &str) -> Result<Command, String> {
        let parts: Vec<&str> = text.split(':').collect();
        Command::from_parts(&parts)
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
        }
    }
}

fn fmt_f64(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
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
