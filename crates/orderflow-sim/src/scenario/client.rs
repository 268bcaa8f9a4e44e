//! The client section of a scenario: how it learns the outcome (completion
//! channels, polling, callbacks, streams) and where order ids come from.

use super::*;

/// How the client learns the outcome of its order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    /// The response to the request is the outcome.
    #[default]
    Sync,
    /// 202 Accepted + id; the client polls a status endpoint.
    Polling,
    /// 202 Accepted; the server calls the client's callback URL (webhook).
    Callback,
    /// 202 Accepted; the server pushes over a server-sent event stream. A
    /// stream that drops is reopened with the last event id it saw, and the
    /// server replays what it missed. `push` (the old name) is an alias.
    #[serde(alias = "push")]
    Sse,
    /// 202 Accepted; the server pushes over a WebSocket. A socket that drops
    /// is reopened, but what was sent meanwhile is gone: the client learns
    /// it only by reading the status again (`client.stream.resync_on_reconnect`).
    Websocket,
}

#[allow(non_upper_case_globals)]
impl Completion {
    /// The old name of [`Completion::Sse`] (links and files say `push`).
    pub const Push: Completion = Completion::Sse;

    /// All variants, in display order.
    pub const ALL: [Completion; 5] = [
        Completion::Sync,
        Completion::Polling,
        Completion::Callback,
        Completion::Sse,
        Completion::Websocket,
    ];

    /// The name used in JSON and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Completion::Sync => "sync",
            Completion::Polling => "polling",
            Completion::Callback => "callback",
            Completion::Sse => "sse",
            Completion::Websocket => "websocket",
        }
    }

    /// Parses the name used in JSON and URLs (`push` is read as `sse`).
    pub fn parse(s: &str) -> Option<Completion> {
        if s == "push" {
            return Some(Completion::Sse);
        }
        Completion::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// True for the modes that push over an open connection (SSE, WebSocket).
    pub fn is_stream(self) -> bool {
        matches!(self, Completion::Sse | Completion::Websocket)
    }
}

/// Where the order id comes from (003's three ways): a run option like the
/// completion mode, defaulting to the scenario's `client.id_source`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    /// The service makes it and returns it on the (202) response.
    #[default]
    Server,
    /// The client makes it up (a UUID) and adds it to the request; a
    /// polling client can poll right away.
    Client,
    /// The client first asks an id service (`client.id_service`).
    #[serde(alias = "id-service")]
    IdService,
}

impl IdSource {
    /// All variants, in display order.
    pub const ALL: [IdSource; 3] = [IdSource::Server, IdSource::Client, IdSource::IdService];

    /// The name used in links and on the command line (`id=id-service`).
    pub fn as_str(self) -> &'static str {
        match self {
            IdSource::Server => "server",
            IdSource::Client => "client",
            IdSource::IdService => "id-service",
        }
    }

    /// Parses a link or command-line name (`id_service` is accepted too).
    pub fn parse(s: &str) -> Option<IdSource> {
        if s == "id_service" {
            return Some(IdSource::IdService);
        }
        IdSource::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The client's open connection in the stream modes (SSE, WebSocket): how
/// it drops and what the client does when it reopens it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    /// Share of pushes during which the connection drops (the push is lost
    /// and the client reconnects).
    #[serde(default)]
    pub drop_rate: f64,
    /// Time from a drop (or a failed attempt) to the next reconnect attempt.
    #[serde(default = "default_reconnect_ms")]
    pub reconnect_ms: u64,
    /// Reconnect attempts per order before the client stops listening.
    #[serde(default = "default_max_reconnects")]
    pub max_reconnects: u32,
    /// WebSocket only: after reconnecting, read the order's status once
    /// (`client.polling.target`) to catch what was sent meanwhile.
    #[serde(default)]
    pub resync_on_reconnect: bool,
}

fn default_reconnect_ms() -> u64 {
    1_000
}
fn default_max_reconnects() -> u32 {
    20
}

impl Default for StreamSpec {
    fn default() -> Self {
        StreamSpec {
            drop_rate: 0.0,
            reconnect_ms: default_reconnect_ms(),
            max_reconnects: default_max_reconnects(),
            resync_on_reconnect: false,
        }
    }
}

/// Polling settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollingSpec {
    /// The status endpoint (`"status.read"`).
    pub target: String,
    /// The handler that stores statuses (`"status.write"`).
    pub write: String,
    pub interval_ms: u64,
    /// Polls before the client gives up.
    #[serde(default = "default_max_polls")]
    pub max_polls: u32,
    /// The old place of `client.id_source` (read when that is not set).
    #[serde(default)]
    pub id_source: IdSource,
    /// The old place of `client.id_service` (read when that is not set).
    #[serde(default)]
    pub id_service: Option<String>,
    /// Timeout of one poll request.
    #[serde(default = "default_poll_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_max_polls() -> u32 {
    120
}
fn default_poll_timeout_ms() -> u64 {
    2_000
}

/// Webhook settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackSpec {
    /// Deliveries tried before giving up.
    #[serde(default = "default_callback_attempts")]
    pub max_attempts: u32,
    #[serde(default = "default_callback_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default)]
    pub backoff: Backoff,
    /// Probability that the client's endpoint rejects a delivery.
    #[serde(default)]
    pub failure_rate: f64,
}

fn default_callback_attempts() -> u32 {
    5
}
fn default_callback_timeout_ms() -> u64 {
    2_000
}

impl Default for CallbackSpec {
    fn default() -> Self {
        CallbackSpec {
            max_attempts: default_callback_attempts(),
            timeout_ms: default_callback_timeout_ms(),
            backoff: Backoff::default(),
            failure_rate: 0.0,
        }
    }
}

/// The client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The client's node (a service of kind `client`).
    #[serde(default = "default_client_service")]
    pub service: String,
    /// The handler that receives orders (`"order.place"`).
    pub entry: String,
    /// The completion mode used by default.
    #[serde(default)]
    pub completion: Completion,
    /// The modes this scenario's flow supports (defaults to `completion` only).
    #[serde(default)]
    pub allowed: Vec<Completion>,
    /// How long the client waits for the response to its order request.
    #[serde(default = "default_client_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default)]
    pub polling: Option<PollingSpec>,
    #[serde(default)]
    pub callback: CallbackSpec,
    /// Where the order id comes from by default (a run can choose another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_source: Option<IdSource>,
    /// `"service.op"` handing out ids, for the `id_service` id source; its
    /// service is drawn only in runs that use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_service: Option<String>,
    /// The stream connection of the SSE and WebSocket modes.
    #[serde(default, skip_serializing_if = "is_default_stream")]
    pub stream: StreamSpec,
    /// Retry the order request when its response times out (never, without).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<ClientRetry>,
}

fn is_default_stream(s: &StreamSpec) -> bool {
    *s == StreamSpec::default()
}

fn default_client_service() -> String {
    "client".to_owned()
}
fn default_client_timeout_ms() -> u64 {
    30_000
}
