//! Compiling the flow: handlers, their effects and steps, call policies
//! and compensations.

use super::compile::{Compiler, id_at, intern};
use super::*;

impl Compiler<'_> {
    pub(super) fn call_policy(
        &mut self,
        path: &str,
        target: &str,
        timeout_ms: u64,
        retries: u32,
        backoff: &Backoff,
        breaker: Option<&str>,
    ) -> CallPolicy {
        let target = self.handler(format!("{path}.target"), target);
        let mut timeout_us = self.duration_us(format!("{path}.timeout_ms"), timeout_ms);
        if retries > bounds::RETRIES {
            self.err(
                format!("{path}.retries"),
                format!("must be at most {}", bounds::RETRIES),
            );
        }
        let backoff = self.backoff(format!("{path}.backoff"), backoff);
        let breaker = breaker.map(|b| self.breaker(format!("{path}.breaker"), b));
        if let Some(b) = breaker.and_then(|b| self.s.breakers.get(b.index())) {
            // Reported by the breakers section if out of range.
            let breaker_us = ms_to_us(b.timeout_ms, 1..=bounds::DURATION_MS);
            timeout_us = timeout_us.min(breaker_us.unwrap_or(u64::MAX));
        }
        CallPolicy {
            target,
            timeout_us,
            retries,
            backoff,
            breaker,
            budget: None,
        }
    }

    /// A call step's fallback under its policy: which fallback (none for
    /// `fail`) and whether only an open breaker takes it. A policy must
    /// match the fallback it names.
    fn fallback_policy(
        &mut self,
        path: &str,
        fallback: Option<FallbackModel>,
        policy: Option<FallbackPolicy>,
        has_breaker: bool,
    ) -> (Option<FallbackModel>, bool) {
        let Some(policy) = policy else {
            return (fallback, false);
        };
        let p = format!("{path}.fallback_policy");
        let (needs_queue, when_open) = match policy {
            FallbackPolicy::Fail => return (None, false),
            FallbackPolicy::QueueWhenOpen => (true, true),
            FallbackPolicy::QueueAlways => (true, false),
            FallbackPolicy::BackupProvider => (false, true),
        };
        match (fallback, needs_queue) {
            (Some(FallbackModel::QueueForRetry(..)), true)
            | (Some(FallbackModel::Backup(_)), false) => {}
            (_, true) => self.err(p.clone(), "needs a `fallback: {\"queue_for_retry\": …}`"),
            (_, false) => self.err(p.clone(), "needs a `fallback: {\"backup\": …}`"),
        }
        if when_open && !has_breaker {
            self.err(
                p,
                "only an open breaker takes this fallback: the step needs a `breaker`",
            );
        }
        (fallback, when_open)
    }

    /// Compensations are calls with the step's timeout that insist: an undo
    /// that gives up leaves the order half done, so they retry for about two
    /// minutes (backoff up to 10 s) before counting as failed. In `send`
    /// mode the same target is only sent to, fire-and-forget.
    pub(super) fn compensation(
        &mut self,
        path: String,
        spec: &Option<Compensate>,
        timeout_ms: u64,
    ) -> Option<Compensation> {
        let spec = spec.as_ref()?;
        let path = match spec {
            Compensate::Target(_) => path,
            Compensate::Detailed(_) => format!("{path}.target"),
        };
        let policy = CallPolicy {
            target: self.handler(path, spec.target()),
            // The step's own timeout, reported by its call policy.
            timeout_us: ms_to_us(timeout_ms.max(1), 1..=bounds::DURATION_MS).unwrap_or(1_000),
            retries: 15,
            backoff: BackoffModel {
                base_us: 200_000,
                max_us: 10_000_000,
                jitter: 0.5,
                kind: None,
            },
            breaker: None,
            budget: None,
        };
        Some(Compensation {
            policy,
            send: spec.mode() == CompensateMode::Send,
        })
    }

    pub(super) fn step(&mut self, path: String, step: &Step) -> StepModel {
        match step {
            Step::Call {
                target,
                timeout_ms,
                retries,
                backoff,
                retry_budget,
                breaker,
                fallback,
                fallback_policy,
                mandatory,
                compensate,
            } => {
                let mut policy = self.call_policy(
                    &path,
                    target,
                    *timeout_ms,
                    *retries,
                    backoff,
                    breaker.as_deref(),
                );
                policy.budget = retry_budget
                    .as_ref()
                    .map(|b| self.budget(format!("{path}.retry_budget"), b));
                let fallback = fallback.as_ref().map(|f| match f {
                    Fallback::Backup { target, timeout_ms } => {
                        FallbackModel::Backup(self.call_policy(
                            &format!("{path}.fallback.backup"),
                            target,
                            *timeout_ms,
                            0,
                            &Backoff::default(),
                            None,
                        ))
                    }
                    Fallback::QueueForRetry(to) => FallbackModel::QueueForRetry(
                        self.destination(format!("{path}.fallback.queue_for_retry"), to),
                        id_at(intern(&mut self.messages, &format!("retry {target}"))),
                    ),
                });
                let (fallback, fallback_when_open) =
                    self.fallback_policy(&path, fallback, *fallback_policy, breaker.is_some());
                let compensate =
                    self.compensation(format!("{path}.compensate"), compensate, *timeout_ms);
                StepModel::Call {
                    policy,
                    fallback,
                    fallback_when_open,
                    mandatory: *mandatory,
                    compensate,
                }
            }
            Step::Send { target, compensate } => StepModel::Send {
                target: self.handler(format!("{path}.target"), target),
                compensate: self.compensation(format!("{path}.compensate"), compensate, 5_000),
            },
            Step::Publish {
                to,
                message,
                mandatory,
            } => StepModel::Publish {
                to: self.destination(format!("{path}.to"), to),
                message: id_at(intern(&mut self.messages, message.as_deref().unwrap_or(to))),
                mandatory: *mandatory,
            },
            Step::Accept { code } => {
                if !(200..=299).contains(code) {
                    self.err(format!("{path}.code"), "must be a 2xx status (200 to 299)");
                }
                StepModel::Accept { code: *code }
            }
            Step::Status { value, mandatory } => StepModel::Status {
                value: self.status(format!("{path}.value"), value),
                mandatory: *mandatory,
            },
            Step::AnswerIfQueued { status } => StepModel::AnswerIfQueued {
                status: self.status(format!("{path}.status"), status),
            },
            Step::Notify { status } => StepModel::Notify {
                status: self.status(format!("{path}.status"), status),
            },
            Step::Complete { status } => {
                let status = match status {
                    Some(name) => {
                        let id = self.status(format!("{path}.status"), name);
                        if id == STATUS_PENDING || id == STATUS_FAILED {
                            self.err(format!("{path}.status"), "must name a success status");
                        }
                        self.terminal_success.push(id);
                        id
                    }
                    None => STATUS_COMPLETED,
                };
                StepModel::Complete { status }
            }
            Step::Work { latency, label } => StepModel::Work {
                latency: self.latency(format!("{path}.latency"), latency),
                label: label.clone().unwrap_or_else(|| "work".into()),
            },
            Step::Wait { event, timeout_ms } => {
                let timeout_us = self.duration_us(format!("{path}.timeout_ms"), *timeout_ms);
                StepModel::Wait {
                    event: self.event(format!("{path}.event"), event),
                    timeout_us,
                }
            }
            Step::Emit { event } => StepModel::Emit {
                event: self.event(format!("{path}.event"), event),
            },
        }
    }

    /// Handlers: their service, effect, steps and emitted event.
    pub(super) fn handlers(
        &mut self,
        inventory: Option<ServiceId>,
    ) -> IdVec<HandlerId, HandlerModel> {
        let s = self.s;
        if s.handlers.len() > bounds::HANDLERS {
            self.err("handlers", format!("at most {} handlers", bounds::HANDLERS));
        }
        let mut handlers = IdVec::new();
        for (i, h) in s.handlers.iter().enumerate() {
            let p = format!("handlers[{i}]");
            let service = self.service(format!("{p}.service"), &h.service);
            let kind = s.services.get(service.index()).map(|sv| sv.kind);
            if matches!(kind, Some(ServiceKind::Client | ServiceKind::Broker)) {
                self.err(
                    format!("{p}.service"),
                    "clients and brokers have no handlers",
                );
            }
            self.check_id(format!("{p}.op"), &h.op);
            let name = format!("{}.{}", h.service, h.op);
            if s.handlers[..i]
                .iter()
                .any(|o| o.service == h.service && o.op == h.op)
            {
                self.err(format!("{p}.op"), format!("duplicate handler {name:?}"));
            }
            if h.steps.len() > bounds::STEPS {
                self.err(
                    format!("{p}.steps"),
                    format!("at most {} steps", bounds::STEPS),
                );
            }
            let effect = match &h.effect {
                Effect::None => EffectModel::None,
                Effect::RecordOrder => EffectModel::RecordOrder,
                Effect::ReserveStock | Effect::ReleaseStock => {
                    if inventory != Some(service) {
                        self.err(
                            format!("{p}.effect"),
                            "stock effects need a service with `stock`",
                        );
                    }
                    if h.effect == Effect::ReserveStock {
                        EffectModel::ReserveStock
                    } else {
                        EffectModel::ReleaseStock
                    }
                }
                Effect::Charge => EffectModel::Charge,
                Effect::Refund => EffectModel::Refund,
                Effect::ProviderCharge => EffectModel::ProviderCharge,
                Effect::Ship => EffectModel::Ship,
                Effect::CancelShipment => EffectModel::CancelShipment,
                Effect::Notify => EffectModel::Notify,
                Effect::WriteStatus => EffectModel::WriteStatus,
                Effect::ReadStatus => EffectModel::ReadStatus,
                Effect::IssueId => EffectModel::IssueId,
                Effect::Mark(flag) => {
                    EffectModel::Mark(self.flag(format!("{p}.effect.mark"), flag))
                }
                Effect::Unmark(flag) => {
                    EffectModel::Unmark(self.flag(format!("{p}.effect.unmark"), flag))
                }
            };
            let steps: IdVec<StepId, StepModel> = h
                .steps
                .iter()
                .enumerate()
                .map(|(k, st)| self.step(format!("{p}.steps[{k}]"), st))
                .collect();
            let emits = h
                .emits
                .as_ref()
                .map(|e| self.event(format!("{p}.emits"), e));
            let latency = h
                .latency
                .as_ref()
                .map(|l| self.latency(format!("{p}.latency"), l));
            let lag_ms = h.visibility_lag_ms.unwrap_or(0);
            let visibility_lag_us = self.span_us(format!("{p}.visibility_lag_ms"), lag_ms);
            if h.visibility_lag_ms.is_some() && h.effect != Effect::WriteStatus {
                self.err(
                    format!("{p}.visibility_lag_ms"),
                    "only for handlers with effect write_status",
                );
            }
            let completes = steps
                .iter()
                .any(|st| matches!(st, StepModel::Complete { .. }));
            handlers.push(HandlerModel {
                service,
                name,
                op: h.op.clone(),
                effect,
                steps,
                emits,
                latency,
                visibility_lag_us,
                completes,
            });
        }
        handlers
    }
}
