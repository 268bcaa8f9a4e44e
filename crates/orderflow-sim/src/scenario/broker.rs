//! The broker section of a scenario: queues, exchanges and their consumers.

use super::*;

/// The broker's queues, exchanges and consumers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerSpec {
    /// The broker's node (a service of kind `broker`).
    #[serde(default = "default_broker_service")]
    pub service: String,
    pub queues: Vec<QueueSpec>,
    #[serde(default)]
    pub exchanges: Vec<ExchangeSpec>,
    #[serde(default)]
    pub consumers: Vec<ConsumerSpec>,
}

fn default_broker_service() -> String {
    "broker".to_owned()
}

/// A queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub id: String,
    /// Durable messages survive a broker restart; transient ones are lost.
    #[serde(default = "yes")]
    pub durable: bool,
    /// Messages held (ready + delayed + unacknowledged) before publishes are refused.
    #[serde(default = "default_queue_spec_capacity")]
    pub capacity: u32,
    /// A delivery not acknowledged within this time is delivered again.
    #[serde(default = "default_visibility_ms")]
    pub visibility_timeout_ms: u64,
    /// Deliveries before a message is dead-lettered.
    #[serde(default = "default_max_deliveries")]
    pub max_deliveries: u32,
    /// Delay before a rejected message is delivered again.
    #[serde(default = "default_redelivery_backoff")]
    pub redelivery_backoff: Backoff,
    /// Messages waiting longer than this are dead-lettered unconsumed.
    #[serde(default)]
    pub ttl_ms: Option<u64>,
    /// `"service.op"` sent the order when a message of an order whose client
    /// already got its 202 is dead-lettered: it undoes the order's work
    /// (compensating calls), and the client is told FAILED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
    /// Where dead letters go (another queue); without it they are dropped
    /// and counted.
    #[serde(default)]
    pub dead_letter: Option<String>,
}

fn default_queue_spec_capacity() -> u32 {
    10_000
}
fn default_visibility_ms() -> u64 {
    30_000
}
fn default_max_deliveries() -> u32 {
    5
}
fn default_redelivery_backoff() -> Backoff {
    Backoff {
        base_ms: 500,
        max_ms: 8_000,
        jitter: 0.0,
        kind: None,
    }
}

/// Exchange routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeKind {
    /// To its one bound queue, whose consumers compete for each message.
    Direct,
    /// A copy to every bound queue.
    Fanout,
}

/// An exchange.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeSpec {
    pub id: String,
    pub kind: ExchangeKind,
    pub queues: Vec<String>,
}

/// How the broker picks among a queue's consumer replicas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dispatch {
    /// Each replica in turn.
    #[default]
    RoundRobin,
    /// The replica with the fewest unacknowledged messages.
    LeastBusy,
}

/// A service consuming a queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    pub queue: String,
    /// `"service.op"` run for each message; its service's replicas ×
    /// concurrency are the competing workers.
    pub handler: String,
    #[serde(default)]
    pub dispatch: Dispatch,
    /// Unacknowledged messages one replica may hold.
    #[serde(default = "one")]
    pub prefetch: u32,
    /// Stop consuming while this circuit breaker is open.
    #[serde(default)]
    pub pause_while_open: Option<String>,
}
