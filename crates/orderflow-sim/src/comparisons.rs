//! Designs side by side: a design to run in a compact text form
//! ([`DesignSpec`], what a share link and a message to the browser's worker
//! carry), and the built-in comparisons ([`BUILT_IN`], declared as data).
//!
//! A design here is a preset, how its client learns outcomes, an order
//! count, the design panel's edits (the registry's paths, written in their
//! link form `d=` and applied by [`crate::design::apply`]), whether the
//! preset's own scheduled faults stay, and the commands applied to it, by
//! time. Times rather than positions in the event stream: two designs (or
//! two seeds of one design) have different event streams, and a fault is
//! meant to hit each at the same simulated moment.

use std::sync::Arc;

use crate::command::Command;
use crate::compare::{self, Design, Figures};
use crate::design::{self, Edit};
use crate::model::Model;
use crate::presets;
use crate::scenario::Completion;
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
    /// The design panel's edits of the preset (empty: the preset as is);
    /// see [`DesignSpec::model`].
    pub edits: Vec<Edit>,
    /// The preset's own scheduled faults left out, so that only a
    /// comparison's shared faults hit the design (a link's `faults=off`).
    /// Not a design setting (the registry leaves faults to the Break things
    /// panel and commands), so a field of its own.
    pub no_faults: bool,
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

    /// One line: `preset|mode|orders|faults|edits|at_us:op:args~…`, empty
    /// fields for defaults, `none` in `faults` for [`DesignSpec::no_faults`]
    /// and the edits in their link form
    /// (`surge|||none|f.order.place.2.mode:publish|15000000:down:payment`).
    pub fn to_text(&self) -> String {
        let mode = self.mode.map(Completion::as_str).unwrap_or("");
        let orders = self.orders.map(|n| n.to_string()).unwrap_or_default();
        let cmds: Vec<String> = self
            .commands
            .iter()
            .map(|(at, c)| format!("{}:{}", at.as_micros(), c.to_text()))
            .collect();
        let faults = if self.no_faults { "none" } else { "" };
        format!(
            "{}|{mode}|{orders}|{faults}|{}|{}",
            self.preset,
            design::text::to_link(&self.edits),
            cmds.join("~")
        )
    }

    /// Parses [`DesignSpec::to_text`]; an error names the field.
    pub fn parse(text: &str) -> Result<DesignSpec, String> {
        let fields: Vec<&str> = text.trim().split('|').collect();
        let [preset, mode, orders, faults, edits, cmds] = fields[..] else {
            return Err(format!(
                "design: expected 6 fields separated by |, got {}",
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
        let no_faults = match faults {
            "" => false,
            "none" => true,
            f => {
                return Err(format!(
                    "design.faults: empty or none, got {}",
                    crate::command::shown(f)
                ));
            }
        };
        let edits = design::text::parse(edits)
            .map_err(|e| format!("design.edits: {}: {}", e.path, e.message))?;
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
            edits,
            no_faults,
            commands,
        })
    }

    /// The compiled model: the preset (without its faults if so asked)
    /// with its edits and its order count.
    pub fn model(&self) -> Result<Arc<Model>, String> {
        let mut s = presets::scenario(&self.preset)
            .ok_or_else(|| format!("design.preset: unknown preset {:?}", self.preset))?;
        if self.no_faults {
            // As a link's `faults=off` does.
            s.faults.clear();
            for service in &mut s.services {
                service.down.clear();
            }
        }
        let mut s = design::apply(&s, &self.edits)
            .map_err(|e| format!("design.edits: {}: {}", e.path, e.message))?;
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
    /// Its design edits of the preset, in the link form of `d=`
    /// (`f.order.place.2.mode:publish`).
    pub edits: &'static str,
    /// The preset's own scheduled faults left out ([`DesignSpec::no_faults`]).
    pub no_faults: bool,
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
        no_faults: false,
        commands: &[],
    }
}

/// Payment calls the provider directly: no circuit breaker, no fallback
/// (document 004's "before"), as edits of `payment-breaker`.
pub const NO_BREAKER: &str = "f.payment.charge.0.fallback_policy:none~f.payment.charge.0.fallback:none~f.payment.charge.0.breaker:none";

/// The order service publishes the charge to a queue Payment consumes
/// instead of calling Payment and waiting (document 000's "don't wait"),
/// as an edit of `surge`.
/// Payment takes 8 charges at a time off its queue (a new queue's consumer
/// takes 1), and a charge that keeps failing ends in the preset's dead
/// letters.
pub const PAYMENT_QUEUED: &str = "f.order.place.2.mode:publish~k.payment_charge_q.payment.prefetch:8~q.payment_charge_q.visibility_timeout_ms:10000~q.payment_charge_q.dead_letter:dead_letters";

/// The built-in comparisons, in the order the page offers them.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        id: "payment-outage",
        title: "Sync chain vs fire-and-forget vs hybrid, payment down",
        look_at: "Payment is down from 15 s to 25 s in all three: the chain answers only after every service has (the slowest answers) and undoes the orders it cannot charge, fire-and-forget answers at once but ships orders nobody paid for (inconsistent orders), the hybrid waits for stock and payment only, answers sooner than the chain and fails unpaid orders cleanly, with none inconsistent.",
        document: "000",
        designs: &[
            BuiltInDesign {
                no_faults: true,
                ..d("Synchronous chain", "sync-chain")
            },
            BuiltInDesign {
                no_faults: true,
                ..d("Fire-and-forget", "fire-and-forget")
            },
            BuiltInDesign {
                no_faults: true,
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
                no_faults: true,
                edits: NO_BREAKER,
                ..d("No breaker", "payment-breaker")
            },
            BuiltInDesign {
                mode: Some("sync"),
                no_faults: true,
                ..d("Breaker", "payment-breaker")
            },
            BuiltInDesign {
                mode: Some("sync"),
                no_faults: true,
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
                edits: PAYMENT_QUEUED,
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
                    edits: design::text::parse(d.edits)
                        .map_err(|e| format!("{}: {}: {}", self.id, e.path, e.message))?,
                    no_faults: d.no_faults,
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
    use crate::scenario::Step;

    #[test]
    fn a_design_round_trips_through_its_text() {
        let spec = DesignSpec {
            preset: "async-write".into(),
            mode: Some(Completion::Callback),
            orders: Some(60),
            edits: vec![Edit::new("services.payment.replicas", "4")],
            no_faults: true,
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
            "async-write|callback|60|none|s.payment.replicas:4|15000000:down:payment~25000001:lat:provider:2.5"
        );
        assert_eq!(DesignSpec::parse(&text).unwrap(), spec);
        let plain = DesignSpec::preset("hybrid");
        assert_eq!(plain.to_text(), "hybrid|||||");
        assert_eq!(DesignSpec::parse("hybrid|||||").unwrap(), plain);
    }

    #[test]
    fn bad_designs_name_their_field() {
        let err = |t: &str| DesignSpec::parse(t).unwrap_err();
        assert!(err("nonsense|||||").starts_with("design.preset:"));
        assert!(err("hybrid|bogus||||").starts_with("design.mode:"));
        assert!(err("hybrid||0|||").starts_with("design.orders:"));
        assert!(err("hybrid|||some||").starts_with("design.faults:"));
        assert!(err("hybrid||||s.payment|").starts_with("design.edits: d[0]:"));
        assert!(err("hybrid|||||5:melt:payment").starts_with("design.commands[0]:"));
        assert!(err("hybrid").starts_with("design: expected 6 fields"));
        let job = "seeds 1 20\nhybrid|||||\nsync-chain|||||\nhybrid|||||\nhybrid|||||";
        assert!(SeedsJob::parse(job).unwrap_err().starts_with("job.designs"));
        assert!(
            SeedsJob::parse("seeds 1 0\nhybrid|||||")
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
    fn built_in_edits_change_what_they_say_and_name_the_path_they_miss() {
        let model = |preset: &str, edits: &str, no_faults: bool| {
            DesignSpec {
                edits: design::text::parse(edits).unwrap(),
                no_faults,
                ..DesignSpec::preset(preset)
            }
            .model()
        };
        let calls_through_a_breaker = |preset: &str, edits: &str| {
            model(preset, edits, false)
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
        assert!(
            !model("sync-chain", "", false)
                .unwrap()
                .scenario
                .faults
                .is_empty()
        );
        assert!(
            model("sync-chain", "", true)
                .unwrap()
                .scenario
                .faults
                .is_empty()
        );
        assert!(calls_through_a_breaker("payment-breaker", ""));
        assert!(!calls_through_a_breaker("payment-breaker", NO_BREAKER));
        let publishes_the_charge = |edits: &str| {
            model("surge", edits, false)
                .unwrap()
                .scenario
                .handlers
                .iter()
                .flat_map(|h| &h.steps)
                .any(|s| matches!(s, Step::Publish { to, .. } if to == "payment_charge_q"))
        };
        assert!(!publishes_the_charge(""));
        assert!(publishes_the_charge(PAYMENT_QUEUED));
        let err = |p: &str, e: &str| model(p, e, false).unwrap_err();
        let missing = err("payment-breaker", "f.payment.charge.3.breaker:none");
        assert!(
            missing.starts_with("design.edits: flow.payment.charge.3"),
            "{missing}"
        );
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
