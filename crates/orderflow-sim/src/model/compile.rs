//! The compiler of a scenario: its state (errors found so far, names
//! interned), the checks every section shares (ids, rates, durations through
//! [`ms_to_us`], name look-ups), and `run`, which calls the sections in
//! order and assembles the [`Model`]. The sections are in `flow.rs`
//! (handlers and their steps), `topology.rs` (services, broker, breakers)
//! and `workload.rs` (client, workload, faults, requirements, limits).

use std::ops::RangeInclusive;

use super::*;
use crate::command::Command;
use crate::ids::Idx;

/// What the services section yields.
pub(super) struct ServiceParts {
    pub(super) services: IdVec<ServiceId, ServiceModel>,
    pub(super) inventory: Option<ServiceId>,
    pub(super) skus: Vec<(String, u32)>,
    pub(super) restock: Vec<RestockModel>,
    pub(super) faults: Vec<(SimTime, Command)>,
}

/// What the broker section yields.
pub(super) struct BrokerParts {
    pub(super) service: Option<ServiceId>,
    pub(super) queues: IdVec<QueueId, QueueModel>,
    pub(super) exchanges: IdVec<ExchangeId, ExchangeModel>,
    pub(super) consumers: IdVec<ConsumerId, ConsumerModel>,
}

/// Collects errors while compiling.
pub(super) struct Compiler<'a> {
    pub(super) s: &'a Scenario,
    pub(super) errors: Vec<ScenarioError>,
    pub(super) events: Vec<String>,
    pub(super) statuses: Vec<String>,
    pub(super) flags: Vec<String>,
    pub(super) messages: Vec<String>,
    pub(super) terminal_success: Vec<StatusId>,
    /// Retry budgets declared so far (call sites, then the client).
    pub(super) budgets: Vec<BudgetModel>,
}

pub(super) fn intern(table: &mut Vec<String>, name: &str) -> usize {
    match table.iter().position(|n| n == name) {
        Some(i) => i,
        None => {
            table.push(name.to_owned());
            table.len() - 1
        }
    }
}

/// The id of position `i`, or the first id when `i` is past the id's range
/// (only in a scenario already refused for exceeding a bound, so the
/// fallback never reaches a model).
pub(super) fn id_at<I: Idx>(i: usize) -> I {
    I::from_index(i)
        .or_else(|| I::from_index(0))
        .expect("every id type holds 0")
}

impl<'a> Compiler<'a> {
    pub(super) fn new(s: &'a Scenario) -> Self {
        Compiler {
            s,
            errors: Vec::new(),
            events: Vec::new(),
            statuses: vec!["PENDING".into(), "COMPLETED".into(), "FAILED".into()],
            flags: Vec::new(),
            messages: Vec::new(),
            terminal_success: vec![STATUS_COMPLETED],
            budgets: Vec::new(),
        }
    }

    pub(super) fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ScenarioError {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(super) fn check_id(&mut self, path: String, id: &str) {
        let ok = !id.is_empty()
            && id.len() <= 40
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !ok {
            self.err(
                path,
                format!("{id:?} is not a valid id (1-40 of a-z, 0-9, _ and -)"),
            );
        }
    }

    pub(super) fn check_rate(&mut self, path: String, rate: f64) {
        if !(0.0..=1.0).contains(&rate) {
            self.err(path, format!("must be between 0 and 1, got {rate}"));
        }
    }

    /// A duration field (`timeout_ms`…): more than zero, at most
    /// [`bounds::DURATION_MS`]; in microseconds (0 after an error).
    pub(super) fn duration_us(&mut self, path: String, ms: u64) -> u64 {
        self.ms_to_us(path, ms, 1..=bounds::DURATION_MS)
    }

    /// A duration that may be zero (a lag, a downtime, a backoff cap).
    pub(super) fn span_us(&mut self, path: String, ms: u64) -> u64 {
        self.ms_to_us(path, ms, 0..=bounds::DURATION_MS)
    }

    /// A moment of the run (`at_ms`, `until_ms`), from its start.
    pub(super) fn instant(&mut self, path: String, ms: u64) -> SimTime {
        SimTime(self.ms_to_us(path, ms, 0..=bounds::INSTANT_MS))
    }

    /// Converts a field through [`ms_to_us`], recording its error.
    pub(super) fn ms_to_us(&mut self, path: String, ms: u64, range: RangeInclusive<u64>) -> u64 {
        ms_to_us(ms, range).unwrap_or_else(|message| {
            self.err(path, message);
            0
        })
    }

    pub(super) fn latency(&mut self, path: String, l: &Latency) -> Dist {
        let finite_in_range = |v: f64| v.is_finite() && (0.0..=bounds::LATENCY_MS).contains(&v);
        match *l {
            Latency::Constant(v) | Latency::Exponential(v) if !finite_in_range(v) => {
                self.err(
                    path,
                    format!("must be between 0 and {} ms, got {v}", bounds::LATENCY_MS),
                );
            }
            Latency::Uniform([lo, hi])
                if !(finite_in_range(lo) && finite_in_range(hi) && lo <= hi) =>
            {
                self.err(
                    path,
                    format!(
                        "needs 0 <= low <= high <= {} ms, got [{lo}, {hi}]",
                        bounds::LATENCY_MS
                    ),
                );
            }
            Latency::LogNormal { median_ms, sigma } => {
                if !(finite_in_range(median_ms) && median_ms > 0.0) {
                    self.err(
                        format!("{path}.median_ms"),
                        format!("must be > 0 and <= {} ms", bounds::LATENCY_MS),
                    );
                }
                if !(sigma.is_finite() && (0.0..=3.0).contains(&sigma)) {
                    self.err(
                        format!("{path}.sigma"),
                        format!("must be between 0 and 3, got {sigma}"),
                    );
                }
            }
            _ => {}
        }
        Dist::from_latency(l)
    }

    pub(super) fn backoff(&mut self, path: String, b: &Backoff) -> BackoffModel {
        let base_us = self.duration_us(format!("{path}.base_ms"), b.base_ms);
        if b.max_ms < b.base_ms {
            self.err(format!("{path}.max_ms"), "must be >= base_ms");
        }
        let max_us = self.span_us(format!("{path}.max_ms"), b.max_ms);
        self.check_rate(format!("{path}.jitter"), b.jitter);
        BackoffModel {
            base_us,
            max_us,
            jitter: b.jitter,
            kind: b.kind,
        }
    }

    /// A retry budget: checked, and given the next id.
    pub(super) fn budget(&mut self, path: String, b: &RetryBudget) -> BudgetId {
        if !(1..=bounds::BUDGET_TOKENS).contains(&b.max_tokens) {
            self.err(
                format!("{path}.max_tokens"),
                format!("must be between 1 and {}", bounds::BUDGET_TOKENS),
            );
        }
        if !(b.refill_per_success.is_finite() && (0.0..=1_000.0).contains(&b.refill_per_success)) {
            self.err(
                format!("{path}.refill_per_success"),
                format!("must be between 0 and 1000, got {}", b.refill_per_success),
            );
        }
        if self.budgets.len() >= bounds::BUDGETS {
            self.err(path, format!("more than {} retry budgets", bounds::BUDGETS));
        }
        self.budgets
            .push(BudgetModel::new(b.max_tokens, b.refill_per_success));
        id_at(self.budgets.len() - 1)
    }

    pub(super) fn service(&mut self, path: String, id: &str) -> ServiceId {
        match self.s.services.iter().position(|s| s.id == id) {
            Some(i) => id_at(i),
            None => {
                self.err(path, format!("no service {id:?}"));
                id_at(0)
            }
        }
    }

    pub(super) fn handler(&mut self, path: String, name: &str) -> HandlerId {
        match self
            .s
            .handlers
            .iter()
            .position(|h| format!("{}.{}", h.service, h.op) == name)
        {
            Some(i) => id_at(i),
            None => {
                let hint = if name.contains('.') {
                    ""
                } else {
                    " (write it as \"service.op\")"
                };
                self.err(path, format!("no handler {name:?}{hint}"));
                id_at(0)
            }
        }
    }

    pub(super) fn breaker(&mut self, path: String, id: &str) -> BreakerId {
        match self.s.breakers.iter().position(|b| b.id == id) {
            Some(i) => id_at(i),
            None => {
                self.err(path, format!("no breaker {id:?}"));
                id_at(0)
            }
        }
    }

    pub(super) fn destination(&mut self, path: String, to: &str) -> Destination {
        let broker = self.s.broker.as_ref();
        if let Some(q) = broker.and_then(|b| b.queues.iter().position(|q| q.id == to)) {
            return Destination::Queue(id_at(q));
        }
        if let Some(x) = broker.and_then(|b| b.exchanges.iter().position(|x| x.id == to)) {
            return Destination::Exchange(id_at(x));
        }
        self.err(path, format!("no queue or exchange {to:?}"));
        Destination::Queue(id_at(0))
    }

    pub(super) fn event(&mut self, path: String, name: &str) -> EventId {
        let i = intern(&mut self.events, name);
        if i >= bounds::EVENTS {
            self.err(
                path,
                format!("more than {} distinct event names", bounds::EVENTS),
            );
        }
        id_at(i)
    }

    pub(super) fn status(&mut self, path: String, name: &str) -> StatusId {
        if name.is_empty() {
            self.err(path.clone(), "must not be empty");
        }
        let i = intern(&mut self.statuses, name);
        if i >= bounds::STATUSES {
            self.err(
                path,
                format!("more than {} distinct status values", bounds::STATUSES),
            );
        }
        id_at(i)
    }

    pub(super) fn flag(&mut self, path: String, name: &str) -> FlagId {
        let i = intern(&mut self.flags, name);
        if i >= bounds::FLAGS {
            self.err(path, format!("more than {} distinct flags", bounds::FLAGS));
        }
        id_at(i)
    }

    pub(super) fn run(&mut self) -> Option<Model> {
        let s = self.s;
        if s.name.is_empty() {
            self.err("name", "must not be empty");
        }
        let network = self.latency("network.latency".into(), &s.network.latency);
        let ServiceParts {
            services,
            inventory,
            mut skus,
            restock,
            mut faults,
        } = self.services();
        let handlers = self.handlers(inventory);
        let broker = self.broker(&handlers);
        let breakers = self.breakers();
        let client = self.client(&handlers);
        let (arrival, mix) = self.workload(inventory, &mut skus);
        self.faults(&mut faults);
        let requires = self.requirements(&handlers);
        let sample_interval_us = self.limits();
        let one_click_faults = self.one_click_faults();
        self.claim_instants();
        if !self.errors.is_empty() {
            return None;
        }
        let model = Model {
            scenario: s.clone(),
            network,
            services,
            handlers,
            broker_service: broker.service,
            queues: broker.queues,
            exchanges: broker.exchanges,
            consumers: broker.consumers,
            breakers,
            budgets: std::mem::take(&mut self.budgets).into(),
            client,
            inventory,
            skus: skus.into(),
            restock,
            mix_weights: mix.iter().map(|m| m.1).collect(),
            mix,
            arrival,
            orders: s.workload.orders,
            faults: faults.into(),
            requires,
            events: std::mem::take(&mut self.events).into(),
            terminal: (0..self.statuses.len())
                .map(|i| {
                    let status = StatusId::from_index(i);
                    status == Some(STATUS_FAILED)
                        || status.is_some_and(|s| self.terminal_success.contains(&s))
                })
                .collect(),
            statuses: std::mem::take(&mut self.statuses).into(),
            flags: std::mem::take(&mut self.flags).into(),
            messages: std::mem::take(&mut self.messages).into(),
            limits: s.limits.clone(),
            sample_interval_us,
            one_click_faults,
        };
        self.one_click_commands(&model);
        self.errors.is_empty().then_some(model)
    }

    /// The one-click faults: a label and a duration (their commands are
    /// checked once the model is compiled).
    pub(super) fn one_click_faults(&mut self) -> Vec<OneClickFaultModel> {
        let list = &self.s.one_click_faults;
        if list.len() > bounds::ONE_CLICK_FAULTS {
            let max = bounds::ONE_CLICK_FAULTS;
            self.err("one_click_faults", format!("at most {max} faults"));
        }
        let mut out = Vec::new();
        for (i, f) in list.iter().enumerate() {
            let p = format!("one_click_faults[{i}]");
            if f.label.trim().is_empty() || f.label.chars().count() > 80 {
                self.err(format!("{p}.label"), "must be 1 to 80 characters");
            }
            let duration_us = self.duration_us(format!("{p}.duration_ms"), f.duration_ms);
            out.push(OneClickFaultModel {
                label: f.label.clone(),
                on: f.on.clone(),
                off: f.off.clone(),
                duration: SimTime(duration_us),
            });
        }
        out
    }

    /// The one-click faults' commands, checked against the compiled model
    /// as they will be when the button is pressed.
    pub(super) fn one_click_commands(&mut self, model: &Model) {
        for (i, f) in model.one_click_faults.iter().enumerate() {
            for (which, cmd) in [("on", &f.on), ("off", &f.off)] {
                if let Err(e) = model.resolve_command(cmd) {
                    let p = format!("one_click_faults[{i}].{which}");
                    // "service: no service …" names a field of the command.
                    match e.0.split_once(": ") {
                        Some((field, message)) => self.err(format!("{p}.{field}"), message),
                        None => self.err(p, e.0),
                    }
                }
            }
        }
    }
}
