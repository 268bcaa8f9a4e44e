//! Designs side by side: a design to run in a compact text form
//! ([`DesignSpec`], what a share link and a message to the browser's worker
//! carry), and the built-in comparisons ([`BUILT_IN`], declared as data).
//!
//! A design here is a preset, how its client learns outcomes, an order
//! count, the design panel's edits in their link form (`d=`, kept as text
//! and applied by the design module) and the commands applied to it, by
//! time. Times rather than positions in the event stream: two designs (or
//! two seeds of one design) have different event streams, and a fault is
//! meant to hit each at the same simulated moment.

use std::sync::Arc;

use crate::command::Command;
use crate::compare::{self, Design, Figures};
use crate::model::Model;
use crate::presets;
use crate::scenario::{Backoff, Completion, ConsumerSpec, Dispatch, QueueSpec, Scenario, Step};
use crate::time::SimTime;

/// Designs compared at once at most.
pub const MAX_DESIGNS: usize = 3;
/// Commands one design may carry.
pub const MAX_COMMANDS: usize = 500;
/// Orders a design may ask for.
pub const MAX_ORDERS: u64 = 1_000_000;

/// One design to run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DesignSpec {
    pub preset: String,
    /// `None`: the preset's own completion mode.
    pub mode: Option<Completion>,
    /// `None`: the preset's own order count.
    pub orders: Option<u64>,
    /// The design panel's edits of the preset, in their link form (empty:
    /// the preset as is). Carried through unchanged; see [`DesignSpec::model`].
    pub edits: String,
    /// Commands with the simulated time at which each takes effect.
    pub commands: Vec<(SimTime, Command)>,
}

impl DesignSpec {
    /// The preset as is.
    pub fn preset(name: &str) -> DesignSpec {
        DesignSpec {
            preset: name.to_owned(),
            ..DesignSpec::default()
        }
    }

    /// A label for tables: the preset, with its mode when not the default.
    pub fn label(&self) -> String {
        match self.mode {
            Some(m) => format!("{} ({})", self.preset, m.as_str()),
            None => self.preset.clone(),
        }
    }

    /// One line: `preset|mode|orders|edits|at_us:op:args~…`, empty fields
    /// for defaults (`sync-chain||60||15000000:down:payment`).
    pub fn to_text(&self) -> String {
        let mode = self.mode.map(Completion::as_str).unwrap_or("");
        let orders = self.orders.map(|n| n.to_string()).unwrap_or_default();
        let cmds: Vec<String> = self
            .commands
            .iter()
            .map(|(at, c)| format!("{}:{}", at.as_micros(), c.to_text()))
            .collect();
        format!(
            "{}|{mode}|{orders}|{}|{}",
            self.preset,
            self.edits,
            cmds.join("~")
        )
    }

    /// Parses [`DesignSpec::to_text`]; an error names the field.
    pub fn parse(text: &str) -> Result<DesignSpec, String> {
        let fields: Vec<&str> = text.trim().split('|').collect();
        let [preset, mode, orders, edits, cmds] = fields[..] else {
            return Err(format!(
                "design: expected 5 fields separated by |, got {}",
                fields.len()
            ));
        };
        if !presets::NAMES.contains(&preset) {
            return Err(format!("design.preset: unknown preset {preset:?}"));
        }
        let mode = match mode {
            "" => None,
            m => Some(
                Completion::parse(m)
                    .ok_or_else(|| format!("design.mode: unknown completion mode {m:?}"))?,
            ),
        };
        let orders = match orders {
            "" => None,
            n => Some(
                n.parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_ORDERS).contains(n))
                    .ok_or_else(|| {
                        format!("design.orders: a whole number from 1 to {MAX_ORDERS}, got {n:?}")
                    })?,
            ),
        };
        let mut commands = Vec::new();
        for (i, c) in cmds.split('~').filter(|c| !c.is_empty()).enumerate() {
            if i >= MAX_COMMANDS {
                return Err(format!("design.commands: more than {MAX_COMMANDS}"));
            }
            let (at, op) = c
                .split_once(':')
                .ok_or_else(|| format!("design.commands[{i}]: expected <at_us>:<op>…"))?;
            let at = at
                .parse::<u64>()
                .map_err(|_| format!("design.commands[{i}]: time {at:?} is not whole µs"))?;
            let command =
                Command::from_text(op).map_err(|e| format!("design.commands[{i}]: {e}"))?;
            commands.push((SimTime(at), command));
        }
        Ok(DesignSpec {
            preset: preset.to_owned(),
            mode,
            orders,
            edits: edits.to_owned(),
            commands,
        })
    }

    /// The compiled model: the preset with its edits ([`Edit`]) and its
    /// order count.
    pub fn model(&self) -> Result<Arc<Model>, String> {
        let mut s = presets::scenario(&self.preset)
            .ok_or_else(|| format!("design.preset: unknown preset {:?}", self.preset))?;
        for edit in Edit::parse_list(&self.edits)? {
            edit.apply(&mut s)
                .map_err(|e| format!("design.edits: {}: {e}", edit.name()))?;
        }
        if let Some(n) = self.orders {
            s.workload.orders = n;
        }
        Model::compile(s)
            .map(Arc::new)
            .map_err(|e| format!("{}: {e}", self.preset))
    }

    /// The design as [`compare`] takes it.
    pub fn design(&self) -> Result<Design, String> {
        let model = self.model()?;
        Ok(Design {
            label: self.label(),
            completion: self.mode.unwrap_or(model.client.completion),
            model,
        })
    }

    /// The commands this design's model can take; the others (a service it
    /// does not have) are left out and described in `skipped`.
    pub fn applicable(&self, model: &Model, skipped: &mut Vec<String>) -> Vec<(SimTime, Command)> {
        self.commands
            .iter()
            .filter(|(_, c)| match model.resolve_command(c) {
                Ok(_) => true,
                Err(e) => {
                    skipped.push(format!(
                        "{}: {} not applied ({e})",
                        self.label(),
                        c.describe()
                    ));
                    false
                }
            })
            .cloned()
            .collect()
    }
}

/// A change to a preset that a built-in comparison's design makes, named
/// (the `edits` field of a [`DesignSpec`], `,` between names). Each is
/// what the design panel can do by hand; these are the ones the built-in
/// comparisons need, so they run from one click and from a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// The preset's own scheduled faults removed: only the comparison's
    /// shared faults hit the design.
    NoFaults,
    /// Payment calls the provider directly: no circuit breaker, no
    /// fallback (document 004's "before").
    NoBreaker,
    /// The order service publishes the charge to a queue that Payment
    /// consumes, instead of calling Payment and waiting (document 000's
    /// "don't wait").
    PaymentQueued,
}

/// The queue [`Edit::PaymentQueued`] adds.
pub const PAYMENT_QUEUE: &str = "payment_q";

impl Edit {
    pub const ALL: [Edit; 3] = [Edit::NoFaults, Edit::NoBreaker, Edit::PaymentQueued];

    /// Its name in the `edits` field.
    pub fn name(self) -> &'static str {
        match self {
            Edit::NoFaults => "no-faults",
            Edit::NoBreaker => "no-breaker",
            Edit::PaymentQueued => "payment-queued",
        }
    }

    /// Parses `name,name…` (empty: none); an error names the field.
    pub fn parse_list(text: &str) -> Result<Vec<Edit>, String> {
        text.split(',')
            .filter(|t| !t.is_empty())
            .map(|t| {
                Edit::ALL
                    .into_iter()
                    .find(|e| e.name() == t)
                    .ok_or_else(|| {
                        let names: Vec<&str> = Edit::ALL.iter().map(|e| e.name()).collect();
                        format!(
                            "design.edits: unknown edit {} (known: {})",
                            crate::command::shown(t),
                            names.join(", ")
                        )
                    })
            })
            .collect()
    }

    /// Changes `s`, or says why this preset cannot take it.
    pub fn apply(self, s: &mut Scenario) -> Result<(), String> {
        match self {
            Edit::NoFaults => s.faults.clear(),
            Edit::NoBreaker => {
                let call = payment_charge_call(s).ok_or("Payment calls no provider")?;
                let Step::Call {
                    breaker,
                    fallback,
                    fallback_policy,
                    ..
                } = call
                else {
                    unreachable!("payment_charge_call returns calls only")
                };
                if breaker.is_none() {
                    return Err("Payment's call has no breaker".into());
                }
                (*breaker, *fallback, *fallback_policy) = (None, None, None);
            }
            Edit::PaymentQueued => {
                let broker = s.broker.as_mut().ok_or("the design has no broker")?;
                if broker.queues.iter().any(|q| q.id == PAYMENT_QUEUE) {
                    return Err(format!("a queue {PAYMENT_QUEUE:?} exists already"));
                }
                let dead_letter = broker
                    .queues
                    .iter()
                    .find(|q| q.dead_letter.is_some())
                    .and_then(|q| q.dead_letter.clone());
                let step = s
                    .handlers
                    .iter_mut()
                    .flat_map(|h| h.steps.iter_mut())
                    .find(
                        |st| matches!(st, Step::Call { target, .. } if target == "payment.charge"),
                    )
                    .ok_or("nothing calls payment.charge")?;
                *step = Step::Publish {
                    to: PAYMENT_QUEUE.to_owned(),
                    message: Some("ChargeRequested".to_owned()),
                    mandatory: true,
                };
                broker.queues.push(QueueSpec {
                    id: PAYMENT_QUEUE.to_owned(),
                    durable: true,
                    capacity: 20_000,
                    visibility_timeout_ms: 10_000,
                    max_deliveries: 5,
                    redelivery_backoff: Backoff {
                        base_ms: 500,
                        max_ms: 8_000,
                        jitter: 0.0,
                        kind: None,
                    },
                    ttl_ms: None,
                    rollback: None,
                    dead_letter,
                });
                broker.consumers.push(ConsumerSpec {
                    queue: PAYMENT_QUEUE.to_owned(),
                    handler: "payment.charge".to_owned(),
                    dispatch: Dispatch::default(),
                    prefetch: 8,
                    pause_while_open: None,
                });
            }
        }
        Ok(())
    }
}

/// Payment's first call to the provider (`payment.charge`'s call step).
fn payment_charge_call(s: &mut Scenario) -> Option<&mut Step> {
    s.handlers
        .iter_mut()
        .find(|h| h.service == "payment" && h.op == "charge")?
        .steps
        .iter_mut()
        .find(|st| matches!(st, Step::Call { .. }))
}

/// Runs `design` with `seed` to its end with `commands` (by time) and
/// measures it. Commands its model cannot take must be filtered first
/// ([`DesignSpec::applicable`]).
pub fn run_with_commands(
    design: &Design,
    commands: &[(SimTime, Command)],
    seed: u64,
) -> Result<Figures, String> {
    compare::run_design_with(design, seed, commands)
}

/// A job for the browser's worker: designs and seeds, one line each.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedsJob {
    pub first_seed: u64,
    pub seeds: u64,
    pub designs: Vec<DesignSpec>,
}

impl SeedsJob {
    /// The seeds run, in order.
    pub fn seed_list(&self) -> Vec<u64> {
        (0..self.seeds)
            .map(|i| self.first_seed.wrapping_add(i))
            .collect()
    }

    /// `seeds <first> <n>` then one design per line.
    pub fn to_text(&self) -> String {
        let mut out = format!("seeds {} {}", self.first_seed, self.seeds);
        for d in &self.designs {
            out.push('\n');
            out.push_str(&d.to_text());
        }
        out
    }

    /// Parses [`SeedsJob::to_text`]; an error names the field.
    pub fn parse(text: &str) -> Result<SeedsJob, String> {
        let mut lines = text.lines();
        let head = lines.next().unwrap_or_default();
        let parts: Vec<&str> = head.split(' ').collect();
        let ["seeds", first, n] = parts[..] else {
            return Err("job: expected `seeds <first> <n>` on the first line".into());
        };
        let first_seed = first
            .parse::<u64>()
            .map_err(|_| format!("job.first_seed: {first:?} is not a whole number"))?;
        let seeds = n
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=compare::MAX_SEEDS).contains(n))
            .ok_or_else(|| {
                format!(
                    "job.seeds: a whole number from 1 to {}, got {n:?}",
                    compare::MAX_SEEDS
                )
            })?;
        let designs = lines
            .filter(|l| !l.trim().is_empty())
            .map(DesignSpec::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if designs.is_empty() || designs.len() > MAX_DESIGNS {
            return Err(format!("job.designs: 1 to {MAX_DESIGNS} designs"));
        }
        Ok(SeedsJob {
            first_seed,
            seeds,
            designs,
        })
    }
}

/// One design of a built-in comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BuiltInDesign {
    /// What the page calls it.
    pub label: &'static str,
    pub preset: &'static str,
    /// A completion mode (`"callback"`); `None`: the preset's own.
    pub mode: Option<&'static str>,
    /// Its [`Edit`]s of the preset, `,` between names.
    pub edits: &'static str,
    /// Commands of this design only, `(at_ms, "op:args")` (a design choice
    /// that is a command: `rep:order_worker:1` at 0 ms).
    pub commands: &'static [(u64, &'static str)],
}

/// A comparison offered in one click.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BuiltIn {
    /// Stable, for links (`cmp=payment-outage`) and `orderflow compare
    /// --builtin`.
    pub id: &'static str,
    pub title: &'static str,
    /// What to look at, in one sentence.
    pub look_at: &'static str,
    /// The source document's number.
    pub document: &'static str,
    pub designs: &'static [BuiltInDesign],
    /// Orders each design runs (`None`: each preset's own).
    pub orders: Option<u64>,
    /// Fault commands applied to every design, `(at_ms, "op:args")`.
    pub faults: &'static [(u64, &'static str)],
    /// The figures the sentence is about, most telling first (names in
    /// the metric registry, [`crate::measure`]); the page and the command
    /// line show these first.
    pub figures: &'static [&'static str],
}

const fn d(label: &'static str, preset: &'static str) -> BuiltInDesign {
    BuiltInDesign {
        label,
        preset,
        mode: None,
        edits: "",
        commands: &[],
    }
}

/// The built-in comparisons, in the order the page offers them.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        id: "payment-outage",
        title: "Sync chain vs fire-and-forget vs hybrid, payment down",
        look_at: "Payment is down from 15 s to 25 s in all three: the chain answers only after every service has (the slowest answers) and undoes the orders it cannot charge, fire-and-forget answers at once but ships orders nobody paid for (inconsistent orders), the hybrid waits for stock and payment only, answers sooner than the chain and fails unpaid orders cleanly, with none inconsistent.",
        document: "000",
        designs: &[
            BuiltInDesign {
                edits: "no-faults",
                ..d("Synchronous chain", "sync-chain")
            },
            BuiltInDesign {
                edits: "no-faults",
                ..d("Fire-and-forget", "fire-and-forget")
            },
            BuiltInDesign {
                edits: "no-faults",
                ..d("Hybrid", "hybrid")
            },
        ],
        orders: None,
        faults: &[(15_000, "down:payment"), (25_000, "up:payment")],
        figures: &[
            "latency.response.p95_ms",
            "outcome.inconsistent",
            "outcome.compensated",
            "outcome.completed",
        ],
    },
    BuiltIn {
        id: "completion-channels",
        title: "Polling vs callback vs server-sent events on an asynchronous write",
        look_at: "The same accepted-then-processed write: polling learns the outcome only at its next poll and spends a request on each, a callback (webhook) and an SSE stream are told as soon as it is known.",
        document: "003",
        designs: &[
            BuiltInDesign {
                mode: Some("polling"),
                ..d("Polling", "async-write")
            },
            BuiltInDesign {
                mode: Some("callback"),
                ..d("Callback", "async-write")
            },
            BuiltInDesign {
                mode: Some("sse"),
                ..d("Server-sent events", "async-write")
            },
        ],
        orders: None,
        faults: &[],
        figures: &[
            "latency.detection_lag.mean_ms",
            "client.polls",
            "client.wasted_polls",
            "latency.completion.mean_ms",
        ],
    },
    BuiltIn {
        id: "breaker-hanging-provider",
        title: "No breaker vs breaker vs breaker + backup provider, provider hanging",
        look_at: "From 15 s to 45 s the provider takes calls and never answers: without a breaker every charge holds a Payment worker until it times out and customers time out with it, a breaker fails charges fast and queues them for a retry once the provider is back, and a backup provider charges them at once instead.",
        document: "004",
        designs: &[
            BuiltInDesign {
                mode: Some("sync"),
                edits: "no-faults,no-breaker",
                ..d("No breaker", "payment-breaker")
            },
            BuiltInDesign {
                mode: Some("sync"),
                edits: "no-faults",
                ..d("Breaker", "payment-breaker")
            },
            BuiltInDesign {
                mode: Some("sync"),
                edits: "no-faults",
                ..d("Breaker + backup provider", "payment-backup")
            },
        ],
        orders: None,
        faults: &[(15_000, "lat:provider:1000"), (45_000, "lat:provider:1")],
        figures: &[
            "client.timeouts",
            "latency.response.p95_ms",
            "payments.queued_for_retry",
            "latency.done.mean_ms",
            "outcome.completed",
        ],
    },
    BuiltIn {
        id: "competing-workers",
        title: "One worker vs competing workers, under a surge",
        look_at: "From 30 s to 50 s orders arrive almost four times as fast: one Order worker lets its queue grow and every pizza starts later, three competing workers share the surge and keep the wait short (for about the same replica-seconds, since idle workers are cheap here).",
        document: "002",
        designs: &[
            BuiltInDesign {
                commands: &[(0, "rep:order_worker:1")],
                ..d("One worker", "pizza")
            },
            d("Three competing workers", "pizza"),
        ],
        orders: None,
        faults: &[],
        figures: &[
            "latency.completion.p95_ms",
            "latency.completion.mean_ms",
            "queue.order_q.peak_depth",
            "cost.replica_seconds",
        ],
    },
    BuiltIn {
        id: "retry-storm",
        title: "Retries without backoff vs jittered backoff with a budget",
        look_at: "The API slows for 2 s: clients that retry at once pile retries on it and keep it drowning after it recovers, so most orders fail; jittered backoff with a retry budget sends a few dozen retries and most orders complete.",
        document: "004",
        designs: &[
            d("Immediate retries", "retry-storm"),
            d("Jittered backoff + budget", "retry-storm-backoff"),
        ],
        orders: None,
        faults: &[],
        figures: &[
            "client.retries",
            "client.timeouts",
            "outcome.completed",
            "latency.completion.p95_ms",
        ],
    },
    BuiltIn {
        id: "surge-cost",
        title: "The surge, synchronous payment vs payment behind a queue, in cost",
        look_at: "The same surge: a synchronous Payment tier needs a second replica to hold the peak, while behind a queue one replica takes it and catches up afterwards; both complete every order, the queue pays half Payment's replica-seconds and answers customers sooner.",
        document: "000",
        designs: &[
            BuiltInDesign {
                commands: &[(0, "rep:payment:2")],
                ..d("Synchronous payment, 2 replicas", "surge")
            },
            BuiltInDesign {
                edits: "payment-queued",
                ..d("Payment behind a queue, 1 replica", "surge")
            },
        ],
        orders: None,
        faults: &[],
        figures: &[
            "cost.replica_seconds",
            "service.payment.replica_seconds",
            "latency.response.p95_ms",
            "outcome.completed",
        ],
    },
];

/// The built-in comparison `id`.
pub fn built_in(id: &str) -> Option<&'static BuiltIn> {
    BUILT_IN.iter().find(|b| b.id == id)
}

impl BuiltIn {
    /// Its designs as specs with the shared faults and their own commands
    /// (ordered by time); the labels alongside.
    pub fn specs(&self) -> Result<Vec<(&'static str, DesignSpec)>, String> {
        let parse = |list: &[(u64, &str)]| -> Result<Vec<(SimTime, Command)>, String> {
            list.iter()
                .map(|(ms, text)| {
                    Command::from_text(text)
                        .map(|c| (SimTime::from_millis(*ms), c))
                        .map_err(|e| format!("{}: {text:?}: {e}", self.id))
                })
                .collect()
        };
        let shared = parse(self.faults)?;
        let mut out = Vec::new();
        for d in self.designs {
            let mode = match d.mode {
                None => None,
                Some(m) => Some(
                    Completion::parse(m)
                        .ok_or_else(|| format!("{}: unknown mode {m:?}", self.id))?,
                ),
            };
            let mut commands = parse(d.commands)?;
            commands.extend(shared.iter().cloned());
            commands.sort_by_key(|(at, _)| *at);
            out.push((
                d.label,
                DesignSpec {
                    preset: d.preset.to_owned(),
                    mode,
                    orders: self.orders,
                    edits: d.edits.to_owned(),
                    commands,
                },
            ));
        }
        Ok(out)
    }

    /// Runs every design over `seeds` and summarises, the designs named by
    /// their labels (what `orderflow compare --builtin` prints).
    pub fn compare(&self, seeds: &[u64]) -> Result<compare::Comparison, String> {
        let specs = self.specs()?;
        let mut designs = Vec::new();
        let mut runs = Vec::new();
        for (label, spec) in &specs {
            let mut design = spec.design()?;
            design.label = (*label).to_owned();
            let per_seed = seeds
                .iter()
                .map(|&seed| run_with_commands(&design, &spec.commands, seed))
                .collect::<Result<Vec<_>, _>>()?;
            designs.push(design);
            runs.push(per_seed);
        }
        Ok(compare::summarise(&designs, seeds, &runs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_design_round_trips_through_its_text() {
        let spec = DesignSpec {
            preset: "async-write".into(),
            mode: Some(Completion::Callback),
            orders: Some(60),
            edits: String::new(),
            commands: vec![
                (
                    SimTime::from_millis(15_000),
                    Command::from_text("down:payment").unwrap(),
                ),
                (
                    SimTime(25_000_001),
                    Command::from_text("lat:provider:2.5").unwrap(),
                ),
            ],
        };
        let text = spec.to_text();
        assert_eq!(
            text,
            "async-write|callback|60||15000000:down:payment~25000001:lat:provider:2.5"
        );
        assert_eq!(DesignSpec::parse(&text).unwrap(), spec);
        let plain = DesignSpec::preset("hybrid");
        assert_eq!(plain.to_text(), "hybrid||||");
        assert_eq!(DesignSpec::parse("hybrid||||").unwrap(), plain);
    }

    #[test]
    fn bad_designs_name_their_field() {
        let err = |t: &str| DesignSpec::parse(t).unwrap_err();
        assert!(err("nonsense||||").starts_with("design.preset:"));
        assert!(err("hybrid|bogus|||").starts_with("design.mode:"));
        assert!(err("hybrid||0||").starts_with("design.orders:"));
        assert!(err("hybrid||||5:melt:payment").starts_with("design.commands[0]:"));
        assert!(err("hybrid").starts_with("design: expected 5 fields"));
        let job = "seeds 1 20\nhybrid||||\nsync-chain||||\nhybrid||||\nhybrid||||";
        assert!(SeedsJob::parse(job).unwrap_err().starts_with("job.designs"));
        assert!(
            SeedsJob::parse("seeds 1 0\nhybrid||||")
                .unwrap_err()
                .starts_with("job.seeds")
        );
    }

    #[test]
    fn a_job_round_trips() {
        let job = SeedsJob {
            first_seed: 7,
            seeds: 20,
            designs: vec![
                DesignSpec::preset("sync-chain"),
                DesignSpec::preset("hybrid"),
            ],
        };
        assert_eq!(SeedsJob::parse(&job.to_text()).unwrap(), job);
        assert_eq!(job.seed_list().first(), Some(&7));
        assert_eq!(job.seed_list().len(), 20);
    }

    #[test]
    fn every_built_in_is_well_formed_and_runs_every_design() {
        let mut ids: Vec<&str> = BUILT_IN.iter().map(|b| b.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 6, "six comparisons with distinct ids");
        for b in BUILT_IN {
            let specs = b.specs().unwrap_or_else(|e| panic!("{e}"));
            assert!(
                b.designs.len() >= 2 && b.designs.len() <= MAX_DESIGNS,
                "{}",
                b.id
            );
            for (label, spec) in &specs {
                let model = spec
                    .model()
                    .unwrap_or_else(|e| panic!("{}/{label}: {e}", b.id));
                let mut skipped = Vec::new();
                let applicable = spec.applicable(&model, &mut skipped);
                assert!(skipped.is_empty(), "{}/{label}: {skipped:?}", b.id);
                assert_eq!(applicable.len(), spec.commands.len());
                assert_eq!(DesignSpec::parse(&spec.to_text()).as_ref(), Ok(spec));
                let names: Vec<String> = crate::measure::catalogue(&model)
                    .into_iter()
                    .map(|d| d.name)
                    .collect();
                for f in b.figures {
                    assert!(names.iter().any(|n| n == f), "{}: no figure {f}", b.id);
                }
            }
        }
    }

    #[test]
    fn edits_change_what_they_say_and_refuse_presets_without_the_part() {
        let model = |preset: &str, edits: &str| {
            DesignSpec {
                edits: edits.into(),
                ..DesignSpec::preset(preset)
            }
            .model()
        };
        let calls_through_a_breaker = |preset: &str, edits: &str| {
            model(preset, edits)
                .unwrap()
                .scenario
                .handlers
                .iter()
                .any(|h| {
                    h.steps.iter().any(|s| {
                        matches!(
                            s,
                            Step::Call {
                                breaker: Some(_),
                                ..
                            }
                        )
                    })
                })
        };
        assert!(!model("sync-chain", "").unwrap().scenario.faults.is_empty());
        assert!(
            model("sync-chain", "no-faults")
                .unwrap()
                .scenario
                .faults
                .is_empty()
        );
        assert!(calls_through_a_breaker("payment-breaker", ""));
        assert!(!calls_through_a_breaker("payment-breaker", "no-breaker"));
        let has_payment_queue = |edits: &str| {
            let m = model("surge", edits).unwrap();
            m.scenario
                .broker
                .as_ref()
                .unwrap()
                .queues
                .iter()
                .any(|q| q.id == PAYMENT_QUEUE)
        };
        assert!(!has_payment_queue(""));
        assert!(has_payment_queue("payment-queued"));
        let err = |p: &str, e: &str| model(p, e).unwrap_err();
        assert!(err("sync-chain", "no-breaker").starts_with("design.edits: no-breaker:"));
        assert!(err("sync-chain", "payment-queued").contains("no broker"));
        assert!(err("hybrid", "melt").starts_with("design.edits: unknown edit \"melt\""));
    }

    /// A command naming a service a design lacks is left out for it, and
    /// said so.
    #[test]
    fn a_command_for_a_missing_service_is_skipped_and_named() {
        let spec = DesignSpec {
            commands: vec![(SimTime::ZERO, Command::from_text("down:status").unwrap())],
            ..DesignSpec::preset("sync-chain")
        };
        let model = spec.model().unwrap();
        let mut skipped = Vec::new();
        assert!(spec.applicable(&model, &mut skipped).is_empty());
        assert_eq!(skipped.len(), 1);
        assert!(
            skipped[0].starts_with("sync-chain: status down not applied"),
            "{skipped:?}"
        );
    }
}
