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
    /// The command's op and arguments in the compact text form links,
    /// comparisons and the browser's worker use: `down:svc`, `up:svc`,
    /// `lat:svc:factor`, `err:svc:rate`, `drop:svc:rate`, `rep:svc:n`,
    /// `restart:downtime_ms`, `stock:sku:units`. [`Command::from_text`]
    /// reads it back; this is the only place either is written.
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
            Command::SetStock { sku, units } => format!("stock:{sku}:{units}"),
        }
    }

    /// Parses the text form, already split at `:` (`["down", "payment"]`),
    /// or says what is wrong (a value quoted as [`shown`] quotes it).
    pub fn from_parts(parts: &[&str]) -> Result<Command, String> {
        let number = |s: &str, what: &str| -> Result<f64, String> {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{what} {} is not a number", shown(s)))
        };
        let whole = |i: usize, what: &str| -> Result<u64, String> {
            let s = parts.get(i).copied().unwrap_or_default();
            s.parse::<u64>()
                .map_err(|_| format!("{what} {} is not a whole number", shown(s)))
        };
        let name = |i: usize, what: &str| -> Result<String, String> {
            parts
                .get(i)
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string())
                .ok_or_else(|| format!("missing {what}"))
        };
        let expect_len = |n: usize| -> Result<(), String> {
            if parts.len() == n {
                Ok(())
            } else {
                Err(format!("expected {} fields after the op", n - 1))
            }
        };
        let op = parts.first().copied().unwrap_or_default();
        let c = match op {
            "down" | "up" => {
                expect_len(2)?;
                Command::SetUp {
                    service: name(1, "service")?,
                    up: op == "up",
                }
            }
            "lat" | "err" | "drop" => {
                expect_len(3)?;
                let service = name(1, "service")?;
                match op {
                    "lat" => Command::SetLatencyFactor {
                        service,
                        factor: number(parts[2], "factor")?,
                    },
                    "err" => Command::SetErrorRate {
                        service,
                        rate: number(parts[2], "rate")?,
                    },
                    _ => Command::SetDropRate {
                        service,
                        rate: number(parts[2], "rate")?,
                    },
                }
            }
            "rep" => {
                expect_len(3)?;
                let service = name(1, "service")?;
                let replicas = u32::try_from(whole(2, "replicas")?)
                    .map_err(|_| format!("replicas {} is too many", shown(parts[2])))?;
                Command::SetReplicas { service, replicas }
            }
            "restart" => {
                expect_len(2)?;
                Command::RestartBroker {
                    downtime_ms: whole(1, "downtime")?,
                }
            }
            "stock" => {
                expect_len(3)?;
                let sku = name(1, "sku")?;
                let units = u32::try_from(whole(2, "units")?)
                    .map_err(|_| format!("units {} is too many", shown(parts[2])))?;
                Command::SetStock { sku, units }
            }
            op => return Err(format!("unknown op {}", shown(op))),
        };
        Ok(c)
    }

    /// Parses the text form `op:args…`.
    pub fn from_text(text: &str) -> Result<Command, String> {
        let parts: Vec<&str> = text.split(':').collect();
        Command::from_parts(&parts)
    }

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

/// A number as the text form writes it: `2`, not `2.0`.
fn fmt_f64(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// A value from a link as a message quotes it: quoted, control characters
/// escaped, and cut after 40 characters (a link can be any length).
pub fn shown(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut:?}…")
    } else {
        format!("{s:?}")
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

    /// Every op's text reads back as the same command, and is what links
    /// have always held.
    #[test]
    fn every_command_round_trips_through_its_text() {
        let svc = || "payment".to_owned();
        let cases = [
            (
                Command::SetUp {
                    service: svc(),
                    up: false,
                },
                "down:payment",
            ),
            (
                Command::SetUp {
                    service: svc(),
                    up: true,
                },
                "up:payment",
            ),
            (
                Command::SetLatencyFactor {
                    service: svc(),
                    factor: 2.5,
                },
                "lat:payment:2.5",
            ),
            (
                Command::SetErrorRate {
                    service: svc(),
                    rate: 1.0,
                },
                "err:payment:1",
            ),
            (
                Command::SetDropRate {
                    service: svc(),
                    rate: 0.05,
                },
                "drop:payment:0.05",
            ),
            (
                Command::SetReplicas {
                    service: svc(),
                    replicas: 4,
                },
                "rep:payment:4",
            ),
            (Command::RestartBroker { downtime_ms: 3000 }, "restart:3000"),
            (
                Command::SetStock {
                    sku: "SKU-RED".into(),
                    units: 0,
                },
                "stock:SKU-RED:0",
            ),
        ];
        for (command, text) in cases {
            assert_eq!(command.to_text(), text);
            assert_eq!(Command::from_text(text), Ok(command));
        }
    }

    #[test]
    fn bad_text_names_what_is_wrong() {
        let err = |t: &str| Command::from_text(t).unwrap_err();
        assert_eq!(err("melt:payment"), "unknown op \"melt\"");
        assert_eq!(err("down:"), "missing service");
        assert_eq!(err("down:payment:now"), "expected 1 fields after the op");
        assert_eq!(err("lat:payment:fast"), "factor \"fast\" is not a number");
        assert_eq!(err("err:payment:NaN"), "rate \"NaN\" is not a number");
        assert_eq!(
            err("rep:payment:-1"),
            "replicas \"-1\" is not a whole number"
        );
        assert_eq!(
            err("rep:payment:9999999999"),
            "replicas \"9999999999\" is too many"
        );
        assert_eq!(err("stock::5"), "missing sku");
        assert_eq!(
            err("stock:SKU-RED:lots"),
            "units \"lots\" is not a whole number"
        );
        let long = format!("lat:payment:{}", "9".repeat(60) + "x");
        assert_eq!(
            err(&long),
            format!("factor {:?}… is not a number", "9".repeat(40))
        );
    }

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
