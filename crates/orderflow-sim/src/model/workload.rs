//! Compiling what drives a run and what it is judged by: the client and
//! its completion modes, the workload, scheduled faults, the requirements
//! of a completed order, the limits.

use super::compile::{Compiler, id_at};
use super::*;
use crate::command::Command;

impl Compiler<'_> {
    /// The client: entry point, completion modes, polling and callbacks.
    pub(super) fn client(&mut self, handlers: &IdVec<HandlerId, HandlerModel>) -> ClientModel {
        let s = self.s;
        let cs = &s.client;
        let client_service = self.service("client.service".into(), &cs.service);
        if s.services
            .get(client_service.index())
            .is_some_and(|sv| sv.kind != ServiceKind::Client)
        {
            self.err(
                "client.service",
                format!("{:?} must have kind \"client\"", cs.service),
            );
        }
        let entry = self.handler("client.entry".into(), &cs.entry);
        let allowed = if cs.allowed.is_empty() {
            vec![cs.completion]
        } else {
            cs.allowed.clone()
        };
        if !allowed.contains(&cs.completion) {
            self.err("client.completion", "must be one of `allowed`");
        }
        let timeout_us = self.duration_us("client.timeout_ms".into(), cs.timeout_ms);
        let any_complete = handlers.iter().any(|h| h.completes);
        for (i, mode) in allowed.iter().enumerate() {
            if *mode != Completion::Sync && !any_complete {
                self.err(
                    format!("client.allowed[{i}]"),
                    format!(
                        "{:?} needs a `complete` step in some handler",
                        mode.as_str()
                    ),
                );
            }
        }
        let mut polling = match (&cs.polling, allowed.contains(&Completion::Polling)) {
            (None, true) => {
                self.err("client.polling", "required when polling is allowed");
                None
            }
            (None, false) => None,
            (Some(pl), _) => {
                let target = self.handler("client.polling.target".into(), &pl.target);
                let write = self.handler("client.polling.write".into(), &pl.write);
                let interval_us =
                    self.duration_us("client.polling.interval_ms".into(), pl.interval_ms);
                let timeout_us =
                    self.duration_us("client.polling.timeout_ms".into(), pl.timeout_ms);
                if !(1..=100_000).contains(&pl.max_polls) {
                    self.err("client.polling.max_polls", "must be between 1 and 100000");
                }
                Some(PollingModel {
                    target,
                    write,
                    interval_us,
                    max_polls: pl.max_polls,
                    // Filled in below from the client's id source.
                    id_source: IdSource::Server,
                    id_service: None,
                    timeout_us,
                })
            }
        };
        // The id source: `client.id_source`, else the old polling setting.
        let id_source = cs
            .id_source
            .or(cs.polling.as_ref().map(|p| p.id_source))
            .unwrap_or_default();
        let id_service_name = cs
            .id_service
            .as_ref()
            .or(cs.polling.as_ref().and_then(|p| p.id_service.as_ref()));
        let id_service = id_service_name.map(|h| self.handler("client.id_service".into(), h));
        if id_source == IdSource::IdService && id_service.is_none() {
            self.err(
                "client.id_service",
                "required when the id source is \"id_service\"",
            );
        }
        if let Some(p) = polling.as_mut() {
            p.id_source = id_source;
            p.id_service = id_service;
        }
        let st = &cs.stream;
        self.check_rate("client.stream.drop_rate".into(), st.drop_rate);
        let reconnect_us = self.duration_us("client.stream.reconnect_ms".into(), st.reconnect_ms);
        if !(1..=bounds::RETRIES + 1).contains(&st.max_reconnects) {
            self.err(
                "client.stream.max_reconnects",
                format!("must be between 1 and {}", bounds::RETRIES + 1),
            );
        }
        let resync = match (&polling, st.resync_on_reconnect) {
            (Some(p), true) => Some(p.target),
            (None, true) => {
                self.err(
                    "client.stream.resync_on_reconnect",
                    "needs client.polling (its target is the status read)",
                );
                None
            }
            (_, false) => None,
        };
        let stream = StreamModel {
            drop_rate: st.drop_rate,
            reconnect_us,
            max_reconnects: st.max_reconnects,
            resync,
        };
        let accept_code = handlers
            .get(entry)
            .and_then(|h| {
                h.steps.iter().find_map(|s| match s {
                    StepModel::Accept { code } => Some(*code),
                    _ => None,
                })
            })
            .unwrap_or(202);
        let cb = &cs.callback;
        if !(1..=bounds::RETRIES + 1).contains(&cb.max_attempts) {
            self.err(
                "client.callback.max_attempts",
                format!("must be between 1 and {}", bounds::RETRIES + 1),
            );
        }
        let callback_timeout_us =
            self.duration_us("client.callback.timeout_ms".into(), cb.timeout_ms);
        self.check_rate("client.callback.failure_rate".into(), cb.failure_rate);
        let callback = CallbackModel {
            max_attempts: cb.max_attempts,
            timeout_us: callback_timeout_us,
            backoff: self.backoff("client.callback.backoff".into(), &cb.backoff),
            failure_rate: cb.failure_rate,
        };
        let retry = cs.retry.as_ref().map(|r| {
            if r.retries > bounds::RETRIES {
                self.err(
                    "client.retry.retries",
                    format!("must be at most {}", bounds::RETRIES),
                );
            }
            ClientRetryModel {
                retries: r.retries,
                backoff: self.backoff("client.retry.backoff".into(), &r.backoff),
                budget: r
                    .budget
                    .as_ref()
                    .map(|b| self.budget("client.retry.budget".into(), b)),
            }
        });
        ClientModel {
            service: client_service,
            entry,
            completion: cs.completion,
            allowed,
            timeout_us,
            polling,
            callback,
            id_source,
            id_service,
            stream,
            accept_code,
            retry,
        }
    }

    /// The workload: arrivals and the order mix (SKUs not held by an
    /// inventory are added to `skus` with no stock).
    pub(super) fn workload(
        &mut self,
        inventory: Option<ServiceId>,
        skus: &mut Vec<(String, u32)>,
    ) -> (ArrivalModel, Vec<(SkuId, u32, u32)>) {
        let s = self.s;
        let w = &s.workload;
        if !(1..=bounds::ORDERS).contains(&w.orders) {
            self.err(
                "workload.orders",
                format!("must be between 1 and {}", bounds::ORDERS),
            );
        }
        let positive_rate = |r: f64| r.is_finite() && r > 0.0 && r <= 1e6;
        let arrival = match &w.arrival {
            Arrival::Single => ArrivalModel::Single,
            Arrival::Constant { interval_ms } => {
                if !(interval_ms.is_finite()
                    && *interval_ms > 0.0
                    && *interval_ms <= bounds::LATENCY_MS)
                {
                    self.err(
                        "workload.arrival.interval_ms",
                        "must be > 0 (and at most an hour)",
                    );
                }
                ArrivalModel::Constant {
                    interval_us: interval_ms * 1e3,
                }
            }
            Arrival::Poisson { rate_per_s } => {
                if !positive_rate(*rate_per_s) {
                    self.err(
                        "workload.arrival.rate_per_s",
                        "must be > 0 and at most 1000000",
                    );
                }
                ArrivalModel::Poisson {
                    mean_gap_us: 1e6 / rate_per_s,
                }
            }
            Arrival::Surge { segments } => {
                if segments.is_empty() {
                    self.err("workload.arrival.segments", "needs at least one segment");
                }
                let mut prev = 0;
                for (i, seg) in segments.iter().enumerate() {
                    if !positive_rate(seg.rate_per_s) {
                        self.err(
                            format!("workload.arrival.segments[{i}].rate_per_s"),
                            "must be > 0 and at most 1000000",
                        );
                    }
                    if i > 0 && seg.until_ms <= prev {
                        self.err(
                            format!("workload.arrival.segments[{i}].until_ms"),
                            "must increase",
                        );
                    }
                    prev = seg.until_ms;
                }
                ArrivalModel::Surge {
                    segments: segments
                        .iter()
                        .enumerate()
                        .map(|(i, g)| {
                            let path = format!("workload.arrival.segments[{i}].until_ms");
                            (self.instant(path, g.until_ms), g.rate_per_s / 1e6)
                        })
                        .collect(),
                }
            }
        };
        let mut mix = Vec::new();
        for (i, m) in w.skus.iter().enumerate() {
            let p = format!("workload.skus[{i}]");
            if m.qty == 0 {
                self.err(format!("{p}.qty"), "must be > 0");
            }
            let sku = match skus.iter().position(|(k, _)| k == &m.sku) {
                Some(k) => id_at(k),
                None if inventory.is_none() => {
                    skus.push((m.sku.clone(), 0));
                    id_at(skus.len() - 1)
                }
                None => {
                    self.err(
                        format!("{p}.sku"),
                        format!("{:?} is not in the inventory's stock", m.sku),
                    );
                    id_at(0)
                }
            };
            mix.push((sku, m.weight, m.qty));
        }
        if mix.is_empty() {
            if skus.is_empty() {
                skus.push(("SKU-1".into(), 0));
            }
            mix.push((id_at(0), 1, 1));
        }
        if mix.iter().all(|m| m.1 == 0) {
            self.err("workload.skus", "at least one weight must be > 0");
        }
        (arrival, mix)
    }

    /// Scheduled faults, each a pair of commands (or one, for a restart).
    pub(super) fn faults(&mut self, faults: &mut Vec<(SimTime, Command)>) {
        for (i, f) in self.s.faults.iter().enumerate() {
            self.fault(&format!("faults[{i}]"), f, faults);
        }
        // Not sorted: the event queue orders them by time, and simultaneous
        // ones by scheduling order, which is this declaration order.
    }

    /// One scheduled fault: a window (`at_ms` to `until_ms`) with a command
    /// at each end, or a broker restart.
    pub(super) fn fault(&mut self, p: &str, f: &FaultSpec, faults: &mut Vec<(SimTime, Command)>) {
        let s = self.s;
        let (service, at_ms, until_ms, on, off) = match f {
            FaultSpec::Down {
                service,
                at_ms,
                until_ms,
            } => {
                let set = |up| Command::SetUp {
                    service: service.clone(),
                    up,
                };
                (service, *at_ms, *until_ms, set(false), set(true))
            }
            FaultSpec::Latency {
                service,
                factor,
                at_ms,
                until_ms,
            } => {
                if !(factor.is_finite() && *factor > 0.0 && *factor <= 1_000.0) {
                    self.err(format!("{p}.factor"), "must be > 0 and at most 1000");
                }
                let set = |factor| Command::SetLatencyFactor {
                    service: service.clone(),
                    factor,
                };
                (service, *at_ms, *until_ms, set(*factor), set(1.0))
            }
            FaultSpec::ErrorRate {
                service,
                rate,
                at_ms,
                until_ms,
            } => {
                self.check_rate(format!("{p}.rate"), *rate);
                let base = s
                    .services
                    .iter()
                    .find(|sv| &sv.id == service)
                    .map_or(0.0, |sv| sv.error_rate);
                let set = |rate| Command::SetErrorRate {
                    service: service.clone(),
                    rate,
                };
                (service, *at_ms, *until_ms, set(*rate), set(base))
            }
            FaultSpec::Drop {
                service,
                rate,
                at_ms,
                until_ms,
            } => {
                self.check_rate(format!("{p}.rate"), *rate);
                let set = |rate| Command::SetDropRate {
                    service: service.clone(),
                    rate,
                };
                (service, *at_ms, *until_ms, set(*rate), set(0.0))
            }
            FaultSpec::BrokerRestart { at_ms, downtime_ms } => {
                if s.broker.is_none() {
                    self.err(format!("{p}.kind"), "the scenario has no broker");
                }
                self.span_us(format!("{p}.downtime_ms"), *downtime_ms);
                let at = self.instant(format!("{p}.at_ms"), *at_ms);
                let downtime_ms = *downtime_ms;
                faults.push((at, Command::RestartBroker { downtime_ms }));
                return;
            }
        };
        self.service(format!("{p}.service"), service);
        if until_ms <= at_ms {
            self.err(format!("{p}.until_ms"), "must be after at_ms");
        }
        let at = self.instant(format!("{p}.at_ms"), at_ms);
        let until = self.instant(format!("{p}.until_ms"), until_ms);
        faults.push((at, on));
        faults.push((until, off));
    }

    /// What a completed order requires.
    pub(super) fn requirements(
        &mut self,
        handlers: &IdVec<HandlerId, HandlerModel>,
    ) -> Vec<RequirementModel> {
        let s = self.s;
        let mut requires = Vec::new();
        for (i, r) in s.outcome.requires.iter().enumerate() {
            let p = format!("outcome.requires[{i}]");
            let has = |e: EffectModel| handlers.iter().any(|h| h.effect == e);
            requires.push(match r {
                Requirement::StockReserved => {
                    if !has(EffectModel::ReserveStock) {
                        self.err(p, "no handler reserves stock");
                    }
                    RequirementModel::StockReserved
                }
                Requirement::Paid => {
                    if !has(EffectModel::ProviderCharge) {
                        self.err(p, "no handler has effect provider_charge");
                    }
                    RequirementModel::Paid
                }
                Requirement::Shipped => {
                    if !has(EffectModel::Ship) {
                        self.err(p, "no handler ships");
                    }
                    RequirementModel::Shipped
                }
                Requirement::Flag(name) => match self.flags.iter().position(|f| f == name) {
                    Some(k) => RequirementModel::Flag(id_at(k)),
                    None => {
                        self.err(p, format!("no handler marks {name:?}"));
                        RequirementModel::Flag(id_at(0))
                    }
                },
            });
        }
        requires
    }

    /// Run limits; returns the sample interval in microseconds.
    pub(super) fn limits(&mut self) -> u64 {
        let s = self.s;
        let l = &s.limits;
        if !(1..=bounds::TRACE_BUFFER).contains(&l.trace_buffer) {
            self.err(
                "limits.trace_buffer",
                format!("must be between 1 and {}", bounds::TRACE_BUFFER),
            );
        }
        if !(1..=bounds::LIVE_ORDERS).contains(&l.max_live_orders) {
            self.err(
                "limits.max_live_orders",
                format!("must be between 1 and {}", bounds::LIVE_ORDERS),
            );
        }
        if l.max_commands > bounds::COMMANDS {
            self.err(
                "limits.max_commands",
                format!("must be at most {}", bounds::COMMANDS),
            );
        }
        let sample_interval_us =
            self.duration_us("limits.sample_interval_ms".into(), l.sample_interval_ms);
        if !(2..=bounds::SERIES_POINTS).contains(&l.series_points) {
            self.err(
                "limits.series_points",
                format!("must be between 2 and {}", bounds::SERIES_POINTS),
            );
        }
        sample_interval_us
    }
}
