//! Compiling the topology: services (with their down windows and stock),
//! the broker's queues, exchanges and consumers, circuit breakers.

use std::collections::BTreeMap;

use super::compile::{BrokerParts, Compiler, ServiceParts, id_at};
use super::*;
use crate::command::Command;

impl Compiler<'_> {
    /// Services: ids, sizes, latency, error rate, down windows (as faults),
    /// the one that holds stock; at most one broker.
    pub(super) fn services(&mut self) -> ServiceParts {
        let s = self.s;
        if s.services.is_empty() {
            self.err("services", "needs at least one service");
        }
        if s.services.len() > bounds::SERVICES {
            self.err("services", format!("at most {} services", bounds::SERVICES));
        }
        let mut services = IdVec::new();
        let mut inventory = None;
        let mut skus: Vec<(String, u32)> = Vec::new();
        let mut restock = Vec::new();
        let mut faults: Vec<(SimTime, Command)> = Vec::new();
        for (i, sv) in s.services.iter().enumerate() {
            let p = format!("services[{i}]");
            self.check_id(format!("{p}.id"), &sv.id);
            if s.services[..i].iter().any(|o| o.id == sv.id) {
                self.err(
                    format!("{p}.id"),
                    format!("duplicate service id {:?}", sv.id),
                );
            }
            if !(1..=bounds::REPLICAS).contains(&sv.replicas) {
                self.err(
                    format!("{p}.replicas"),
                    format!("must be between 1 and {}", bounds::REPLICAS),
                );
            }
            if !(1..=bounds::CONCURRENCY).contains(&sv.concurrency) {
                self.err(
                    format!("{p}.concurrency"),
                    format!("must be between 1 and {}", bounds::CONCURRENCY),
                );
            }
            if sv.queue_capacity > bounds::SERVICE_QUEUE {
                self.err(
                    format!("{p}.queue_capacity"),
                    format!("must be at most {}", bounds::SERVICE_QUEUE),
                );
            }
            let latency = self.latency(format!("{p}.latency"), &sv.latency);
            self.check_rate(format!("{p}.error_rate"), sv.error_rate);
            for (w, win) in sv.down.iter().enumerate() {
                if win.until_ms <= win.from_ms {
                    self.err(format!("{p}.down[{w}].until_ms"), "must be after from_ms");
                }
                let service = sv.id.clone();
                let from = self.instant(format!("{p}.down[{w}].from_ms"), win.from_ms);
                let until = self.instant(format!("{p}.down[{w}].until_ms"), win.until_ms);
                let set = |up| Command::SetUp {
                    service: service.clone(),
                    up,
                };
                faults.push((from, set(false)));
                faults.push((until, set(true)));
            }
            if let Some(stock) = &sv.stock {
                if inventory.is_some() {
                    self.err(format!("{p}.stock"), "only one service may hold stock");
                }
                inventory = Some(id_at(i));
                skus = stock.iter().map(|(k, v)| (k.clone(), v.units())).collect();
                if skus.is_empty() {
                    self.err(format!("{p}.stock"), "needs at least one SKU");
                }
                restock = self.restock(&p, stock);
            }
            services.push(ServiceModel {
                id: sv.id.clone(),
                label: sv.label.clone().unwrap_or_else(|| sv.id.clone()),
                kind: sv.kind,
                replicas: sv.replicas,
                concurrency: sv.concurrency,
                queue_capacity: sv.queue_capacity,
                latency,
                error_rate: sv.error_rate,
                balancer: sv.balancer,
                scale_in: sv.scale_in,
            });
        }
        let brokers: Vec<usize> = s
            .services
            .iter()
            .enumerate()
            .filter(|(_, sv)| sv.kind == ServiceKind::Broker)
            .map(|(i, _)| i)
            .collect();
        if brokers.len() > 1 {
            self.err(
                format!("services[{}].kind", brokers[1]),
                "only one broker per scenario",
            );
        }
        ServiceParts {
            services,
            inventory,
            skus,
            restock,
            faults,
        }
    }

    /// The restock schedules of an inventory's SKUs (in SKU order, the
    /// order of the map).
    fn restock(&mut self, p: &str, stock: &BTreeMap<String, StockSpec>) -> Vec<RestockModel> {
        let mut out = Vec::new();
        for (i, (sku, spec)) in stock.iter().enumerate() {
            let Some(r) = spec.restock() else { continue };
            let path = format!("{p}.stock.{sku}.restock");
            let every_us = self.duration_us(format!("{path}.every_ms"), r.every_ms);
            if r.units == 0 || r.units > bounds::STOCK_UNITS {
                self.err(
                    format!("{path}.units"),
                    format!("must be between 1 and {}", bounds::STOCK_UNITS),
                );
                continue;
            }
            let max_units = spec.restock_max_units().unwrap_or(r.units);
            if max_units == 0 || max_units > bounds::STOCK_UNITS {
                self.err(
                    format!("{path}.max_units"),
                    format!("must be between 1 and {}", bounds::STOCK_UNITS),
                );
                continue;
            }
            out.push(RestockModel {
                sku: id_at(i),
                every_us,
                units: r.units,
                max_units,
            });
        }
        out
    }

    /// The broker: queues, exchanges and consumers.
    pub(super) fn broker(&mut self, handlers: &IdVec<HandlerId, HandlerModel>) -> BrokerParts {
        let s = self.s;
        let mut queues = IdVec::new();
        let mut exchanges = IdVec::new();
        let mut consumers = IdVec::new();
        let mut broker_service = None;
        if let Some(b) = &s.broker {
            let svc = self.service("broker.service".into(), &b.service);
            if s.services
                .get(svc.index())
                .is_some_and(|sv| sv.kind != ServiceKind::Broker)
            {
                self.err(
                    "broker.service",
                    format!("{:?} must have kind \"broker\"", b.service),
                );
            }
            broker_service = Some(svc);
            if b.queues.len() > bounds::QUEUES {
                self.err(
                    "broker.queues",
                    format!("at most {} queues", bounds::QUEUES),
                );
            }
            for (i, q) in b.queues.iter().enumerate() {
                let queue = self.queue(b, i, q);
                queues.push(queue);
            }
            for q in queues.ids() {
                if let Some(d) = queues[q].dead_letter {
                    queues[d].is_dead_letter_queue = true;
                }
            }
            for (i, x) in b.exchanges.iter().enumerate() {
                let exchange = self.exchange(b, i, x);
                exchanges.push(exchange);
            }
            for (i, c) in b.consumers.iter().enumerate() {
                let consumer = self.consumer(b, i, c, handlers, &queues);
                consumers.push(consumer);
            }
            for q in queues.ids() {
                queues[q].leads_to_outcome = leads_to_outcome(q, handlers, &exchanges, &consumers);
            }
        } else if let Some(i) = s
            .services
            .iter()
            .position(|sv| sv.kind == ServiceKind::Broker)
        {
            self.err(
                format!("services[{i}].kind"),
                "a broker service needs a `broker` section",
            );
        }
        BrokerParts {
            service: broker_service,
            queues,
            exchanges,
            consumers,
        }
    }

    /// Broker queue `i`.
    pub(super) fn queue(&mut self, b: &BrokerSpec, i: usize, q: &QueueSpec) -> QueueModel {
        let p = format!("broker.queues[{i}]");
        self.check_id(format!("{p}.id"), &q.id);
        if b.queues[..i].iter().any(|o| o.id == q.id) {
            self.err(format!("{p}.id"), format!("duplicate queue id {:?}", q.id));
        }
        if !(1..=bounds::BROKER_QUEUE).contains(&q.capacity) {
            self.err(
                format!("{p}.capacity"),
                format!("must be between 1 and {}", bounds::BROKER_QUEUE),
            );
        }
        let visibility_timeout_us = self.duration_us(
            format!("{p}.visibility_timeout_ms"),
            q.visibility_timeout_ms,
        );
        if !(1..=bounds::DELIVERIES).contains(&q.max_deliveries) {
            self.err(
                format!("{p}.max_deliveries"),
                format!("must be between 1 and {}", bounds::DELIVERIES),
            );
        }
        let redelivery_backoff =
            self.backoff(format!("{p}.redelivery_backoff"), &q.redelivery_backoff);
        let ttl_us = q
            .ttl_ms
            .map(|ttl| self.duration_us(format!("{p}.ttl_ms"), ttl));
        let dead_letter = q.dead_letter.as_ref().and_then(|d| {
            if d == &q.id {
                self.err(
                    format!("{p}.dead_letter"),
                    "a queue cannot be its own dead-letter queue",
                );
                return None;
            }
            match b.queues.iter().position(|o| &o.id == d) {
                Some(k) => Some(id_at(k)),
                None => {
                    self.err(format!("{p}.dead_letter"), format!("no queue {d:?}"));
                    None
                }
            }
        });
        let rollback = q
            .rollback
            .as_ref()
            .map(|h| self.handler(format!("{p}.rollback"), h));
        QueueModel {
            id: q.id.clone(),
            durable: q.durable,
            capacity: q.capacity,
            visibility_timeout_us,
            max_deliveries: q.max_deliveries,
            redelivery_backoff,
            ttl_us,
            dead_letter,
            rollback,
            is_dead_letter_queue: false,
            leads_to_outcome: true,
        }
    }

    /// Exchange `i`: where it routes.
    pub(super) fn exchange(&mut self, b: &BrokerSpec, i: usize, x: &ExchangeSpec) -> ExchangeModel {
        let p = format!("broker.exchanges[{i}]");
        self.check_id(format!("{p}.id"), &x.id);
        if b.exchanges[..i].iter().any(|o| o.id == x.id) || b.queues.iter().any(|q| q.id == x.id) {
            self.err(
                format!("{p}.id"),
                format!("duplicate id {:?} (queues and exchanges share names)", x.id),
            );
        }
        match x.kind {
            ExchangeKind::Direct if x.queues.len() != 1 => self.err(
                format!("{p}.queues"),
                "a direct exchange routes to exactly one queue",
            ),
            ExchangeKind::Fanout if x.queues.is_empty() => self.err(
                format!("{p}.queues"),
                "a fanout exchange needs at least one queue",
            ),
            _ => {}
        }
        let qs = x
            .queues
            .iter()
            .enumerate()
            .map(|(k, q)| match b.queues.iter().position(|o| &o.id == q) {
                Some(j) => id_at(j),
                None => {
                    self.err(format!("{p}.queues[{k}]"), format!("no queue {q:?}"));
                    id_at(0)
                }
            })
            .collect();
        ExchangeModel {
            id: x.id.clone(),
            kind: x.kind,
            queues: qs,
        }
    }

    /// Consumer `i`: which handler takes a queue's messages, how.
    pub(super) fn consumer(
        &mut self,
        b: &BrokerSpec,
        i: usize,
        c: &ConsumerSpec,
        handlers: &IdVec<HandlerId, HandlerModel>,
        queues: &IdVec<QueueId, QueueModel>,
    ) -> ConsumerModel {
        let p = format!("broker.consumers[{i}]");
        let queue = match b.queues.iter().position(|q| q.id == c.queue) {
            Some(q) => id_at(q),
            None => {
                self.err(format!("{p}.queue"), format!("no queue {:?}", c.queue));
                id_at(0)
            }
        };
        if b.consumers[..i].iter().any(|o| o.queue == c.queue) {
            self.err(
                format!("{p}.queue"),
                "one consumer per queue (add replicas to compete)",
            );
        }
        let handler = self.handler(format!("{p}.handler"), &c.handler);
        if !(1..=bounds::PREFETCH).contains(&c.prefetch) {
            self.err(
                format!("{p}.prefetch"),
                format!("must be between 1 and {}", bounds::PREFETCH),
            );
        }
        let pause_while_open = c
            .pause_while_open
            .as_ref()
            .map(|b| self.breaker(format!("{p}.pause_while_open"), b));
        let service = handlers.get(handler).map_or(id_at(0), |h| h.service);
        if queues.get(queue).is_some_and(|q| q.is_dead_letter_queue) {
            self.err(
                format!("{p}.queue"),
                "dead-letter queues are for inspection and have no consumer",
            );
        }
        ConsumerModel {
            queue,
            handler,
            service,
            dispatch: c.dispatch,
            prefetch: c.prefetch,
            pause_while_open,
        }
    }

    /// Circuit breakers' settings.
    pub(super) fn breakers(&mut self) -> IdVec<BreakerId, BreakerModel> {
        let s = self.s;
        let mut breakers = IdVec::new();
        for (i, b) in s.breakers.iter().enumerate() {
            let p = format!("breakers[{i}]");
            self.check_id(format!("{p}.id"), &b.id);
            if s.breakers[..i].iter().any(|o| o.id == b.id) {
                self.err(
                    format!("{p}.id"),
                    format!("duplicate breaker id {:?}", b.id),
                );
            }
            if b.failure_threshold == Some(0) {
                self.err(format!("{p}.failureThreshold"), "must be > 0");
            }
            let error_threshold_percentage = match b.error_rate_threshold {
                Some(r) if !(r > 0.0 && r <= 1.0) => {
                    self.err(format!("{p}.error_rate_threshold"), "must be in (0, 1]");
                    50.0
                }
                Some(r) => r * 100.0,
                None => b.error_threshold_percentage,
            };
            if !(0.0..=100.0).contains(&error_threshold_percentage) {
                self.err(
                    format!("{p}.errorThresholdPercentage"),
                    "must be between 0 and 100",
                );
            }
            let rolling_count_timeout_us = self.duration_us(
                format!("{p}.rollingCountTimeout"),
                b.rolling_count_timeout_ms,
            );
            if !(1..=crate::breaker::MAX_BUCKETS).contains(&b.rolling_count_buckets) {
                self.err(
                    format!("{p}.rollingCountBuckets"),
                    format!("must be between 1 and {}", crate::breaker::MAX_BUCKETS),
                );
            }
            let timeout_us = self.duration_us(format!("{p}.timeout"), b.timeout_ms);
            let reset_timeout_us =
                self.duration_us(format!("{p}.resetTimeout"), b.reset_timeout_ms);
            if !(1..=100).contains(&b.half_open_trial_calls) {
                self.err(
                    format!("{p}.halfOpenTrialCalls"),
                    "must be between 1 and 100",
                );
            }
            breakers.push(BreakerModel {
                id: b.id.clone(),
                failure_threshold: b.failure_threshold,
                error_threshold_percentage,
                rolling_count_timeout_us,
                rolling_count_buckets: b.rolling_count_buckets,
                volume_threshold: b.volume_threshold,
                timeout_us,
                reset_timeout_us,
                half_open_trial_calls: b.half_open_trial_calls,
            });
        }
        breakers
    }
}

/// Does the work started by a message of queue `q` reach a handler that
/// tells the client the outcome (a `complete` step)? Follows calls, sends,
/// fallbacks, publishes (to the queues' consumers) and events (to the
/// handlers that wait for them). Errs towards yes: an edge it cannot see
/// only keeps the older rule (every dead letter fails the order).
fn leads_to_outcome(
    q: QueueId,
    handlers: &IdVec<HandlerId, HandlerModel>,
    exchanges: &IdVec<ExchangeId, ExchangeModel>,
    consumers: &IdVec<ConsumerId, ConsumerModel>,
) -> bool {
    let consumers_of = |q: QueueId| {
        consumers
            .iter_enumerated()
            .filter(move |(_, c)| c.queue == q)
            .map(|(_, c)| c.handler)
    };
    let queues_of = |d: Destination| match d {
        Destination::Queue(q) => vec![q],
        Destination::Exchange(x) => exchanges.get(x).map_or(Vec::new(), |x| x.queues.clone()),
    };
    let mut seen = vec![false; handlers.len()];
    let mut todo: Vec<HandlerId> = consumers_of(q).collect();
    while let Some(h) = todo.pop() {
        // A scenario with errors may name a handler that was not compiled
        // (its id is a placeholder): it only ever gets a message naming the
        // error, so the answer does not matter, but it must not panic.
        let (Some(was_seen), Some(hm)) = (seen.get_mut(h.index()), handlers.get(h)) else {
            continue;
        };
        if std::mem::replace(was_seen, true) {
            continue;
        }
        if hm.completes {
            return true;
        }
        let mut events: Vec<EventId> = hm.emits.into_iter().collect();
        for step in hm.steps.iter() {
            match step {
                StepModel::Call {
                    policy, fallback, ..
                } => {
                    todo.push(policy.target);
                    match fallback {
                        Some(FallbackModel::Backup(p)) => todo.push(p.target),
                        Some(FallbackModel::QueueForRetry(d, _)) => {
                            todo.extend(queues_of(*d).into_iter().flat_map(consumers_of))
                        }
                        None => {}
                    }
                }
                StepModel::Send { target, .. } => todo.push(*target),
                StepModel::Publish { to, .. } => {
                    todo.extend(queues_of(*to).into_iter().flat_map(consumers_of))
                }
                StepModel::Emit { event } => events.push(*event),
                _ => {}
            }
        }
        for (w, wm) in handlers.iter_enumerated() {
            let waits = wm
                .steps
                .iter()
                .any(|st| matches!(st, StepModel::Wait { event, .. } if events.contains(event)));
            if waits {
                todo.push(w);
            }
        }
    }
    false
}
