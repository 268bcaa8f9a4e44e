//! The claims section of a scenario: statements of the documents, each checked
//! by runs of the scenario, and how the playground shows them.

use super::*;

/// A claim of a source document that the scenario demonstrates, checked by
/// running it: one or more runs of the scenario (as it is, or a variant),
/// and expectations over their figures (see [`crate::measure`]).
///
/// ```json
/// {
///   "id": "polling-wastes-requests",
///   "text": "Polling wastes requests that a webhook does not",
///   "document": "003",
///   "seed": 1,
///   "runs": { "a": { "completion": "polling" }, "b": { "completion": "callback" } },
///   "expect": ["a.client.wasted_polls > 0", "b.client.polls == 0"],
///   "show": { "run": "a", "at_ms": 5000, "metric": "client.wasted_polls" }
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimSpec {
    /// Short identifier, unique in the scenario (`"no-loss-in-outage"`).
    pub id: String,
    /// The claim, in the document's terms.
    pub text: String,
    /// The source document: `"000"` to `"004"`, or `"beyond the documents"`.
    pub document: String,
    /// The seed of every run.
    pub seed: u64,
    /// Orders per run (instead of the scenario's count).
    #[serde(default)]
    pub orders: Option<u64>,
    /// The runs, by name (a name is one word: `a`, `sync`, `polling`). Without
    /// any, one run `a` of the scenario as it is.
    #[serde(default)]
    pub runs: BTreeMap<String, ClaimRunSpec>,
    /// What must hold, each one comparison of figures: `"a.outcome.lost ==
    /// 0"`, `"b.latency.response.p50_ms < 0.5 * a.latency.response.p50_ms"`.
    /// A figure is `run.metric`; numbers, `+ - * /` and parentheses combine
    /// them; the comparisons are `< <= > >= == !=`.
    pub expect: Vec<String>,
    /// How the playground shows it; defaults to the first run, its end, and
    /// the first figure of the first expectation.
    #[serde(default)]
    pub show: Option<ShowSpec>,
}

/// One run of a claim: the scenario as it is, or changed a little.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRunSpec {
    /// Run this preset instead of the claim's own scenario (to compare designs).
    #[serde(default)]
    pub preset: Option<String>,
    /// The completion mode (one the scenario allows).
    #[serde(default)]
    pub completion: Option<Completion>,
    /// Where a polling client's order id comes from.
    #[serde(default)]
    pub id_source: Option<IdSource>,
    /// Orders in this run (instead of the claim's count).
    #[serde(default)]
    pub orders: Option<u64>,
    /// Keep the scenario's scheduled faults (default true).
    #[serde(default = "yes")]
    pub faults: bool,
    /// Queues made durable (true) or transient (false).
    #[serde(default)]
    pub durable: BTreeMap<String, bool>,
    /// Commands applied at given moments of the run.
    #[serde(default)]
    pub commands: Vec<TimedCommand>,
}

impl Default for ClaimRunSpec {
    /// The scenario as it is, faults and all.
    fn default() -> Self {
        ClaimRunSpec {
            preset: None,
            completion: None,
            id_source: None,
            orders: None,
            faults: true,
            durable: BTreeMap::new(),
            commands: Vec::new(),
        }
    }
}

/// A command applied at a moment of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedCommand {
    pub at_ms: u64,
    pub command: Command,
}

/// What the playground shows for a claim: a run, a moment, a figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowSpec {
    /// The run to open (its commands come with it).
    pub run: String,
    /// The moment to seek to; the end of the run without it.
    #[serde(default)]
    pub at_ms: Option<u64>,
    /// The figure to point at (a metric name, without a run).
    pub metric: String,
}
