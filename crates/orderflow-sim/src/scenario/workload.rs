//! The workload section of a scenario: when orders arrive, what they buy, and
//! the faults scheduled into the run.

use super::*;

/// When orders arrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Arrival {
    /// One order at time zero.
    Single,
    /// One order every `interval_ms`.
    Constant { interval_ms: f64 },
    /// A Poisson process: exponential gaps with mean `1 / rate_per_s`.
    Poisson { rate_per_s: f64 },
    /// A Poisson process whose rate changes over time: each segment's rate
    /// holds until its `until_ms`; the last rate holds after that.
    Surge { segments: Vec<SurgeSegment> },
}

/// One piece of a surge profile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurgeSegment {
    pub until_ms: u64,
    pub rate_per_s: f64,
}

/// A SKU in the order mix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkuMix {
    pub sku: String,
    /// Relative frequency.
    #[serde(default = "one")]
    pub weight: u32,
    /// Units per order.
    #[serde(default = "one")]
    pub qty: u32,
}

/// The orders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    pub arrival: Arrival,
    /// Orders in the run (the count limit).
    pub orders: u64,
    #[serde(default)]
    pub skus: Vec<SkuMix>,
}

/// A scheduled fault, active from `at_ms` until `until_ms`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultSpec {
    /// The service refuses every request.
    Down {
        service: String,
        at_ms: u64,
        until_ms: u64,
    },
    /// The service's latency is multiplied by `factor`.
    Latency {
        service: String,
        factor: f64,
        at_ms: u64,
        until_ms: u64,
    },
    /// The service fails this share of requests.
    ErrorRate {
        service: String,
        rate: f64,
        at_ms: u64,
        until_ms: u64,
    },
    /// Messages arriving at the service are lost with this probability.
    Drop {
        service: String,
        rate: f64,
        at_ms: u64,
        until_ms: u64,
    },
    /// The broker restarts: transient messages are lost, and it refuses
    /// traffic for `downtime_ms`.
    BrokerRestart { at_ms: u64, downtime_ms: u64 },
}
