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

    /// The compiled model: the preset with its order count. Edits are the
    /// design module's to apply; until it is wired in, a design with edits
    /// is refused with a message rather than run as something else.
    pub fn model(&self) -> Result<Arc<Model>, String> {
        if !self.edits.is_empty() {
            return Err(format!(
                "{}: design edits (d=) are not applied here yet",
                self.preset
            ));
        }
        let mut s = presets::scenario(&self.preset)
            .ok_or_else(|| format!("design.preset: unknown preset {:?}", self.preset))?;
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
    /// The design panel's edits in their link form (`d=`).
    pub edits: &'static str,
    /// Commands of this design only, `(at_ms, "op:args")` (a design choice
    /// that is a command today: `rep:warehouse:4` at 0 ms).
    pub commands: &'static [(u64, &'static str)],
    /// An engine feature this design needs that main does not have yet
    /// (`None`: it runs today).
    pub needs: Option<&'static str>,
}

/// A comparison offered in one click.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BuiltIn {
    /// Stable, for links (`cmp=payment-outage`).
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
    /// Engine features the shared faults or the figures need that main
    /// does not have yet.
    pub needs: &'static [&'static str],
}

const fn d(label: &'static str, preset: &'static str) -> BuiltInDesign {
    BuiltInDesign {
        label,
        preset,
        mode: None,
        edits: "",
        commands: &[],
        needs: None,
    }
}

/// The built-in comparisons, in the order the page offers them.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        id: "payment-outage",
        title: "Sync chain vs fire-and-forget vs hybrid, payment down",
        look_at: "Payment is down from 15 s to 25 s in all three: the chain makes every customer wait (and fail) with it, fire-and-forget answers at once but ships unpaid orders, the hybrid answers quickly and keeps its records straight.",
        document: "000",
        designs: &[
            d("Synchronous chain", "sync-chain"),
            d("Fire-and-forget", "fire-and-forget"),
            d("Hybrid", "hybrid"),
        ],
        orders: None,
        faults: &[(15_000, "down:payment"), (25_000, "up:payment")],
        needs: &[],
    },
    BuiltIn {
        id: "completion-channels",
        title: "Polling vs callback vs push on an asynchronous write",
        look_at: "The same accepted-then-processed write: polling learns the outcome only at its next poll and costs a request each time, a callback (webhook) learns it as soon as it is known.",
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
                needs: Some(
                    "a server-sent-events (or WebSocket) completion mode: an open connection the status is pushed down",
                ),
                ..d("Server-sent events", "async-write")
            },
        ],
        orders: None,
        faults: &[],
        needs: &[],
    },
    BuiltIn {
        id: "breaker-hanging-provider",
        title: "No breaker vs breaker vs breaker + backup provider, provider hanging",
        look_at: "The provider stops answering: without a breaker every payment waits out its timeout, with one the calls fail fast after a few, and with a backup provider they succeed elsewhere.",
        document: "004",
        designs: &[
            BuiltInDesign {
                needs: Some("design edits (d=) that remove the breaker"),
                ..d("No breaker", "payment-breaker")
            },
            d("Breaker", "payment-breaker"),
            BuiltInDesign {
                needs: Some("design edits (d=) that add a fallback to a backup provider"),
                ..d("Breaker + backup provider", "payment-breaker")
            },
        ],
        orders: None,
        faults: &[],
        needs: &[
            "a hanging provider: a fault that accepts calls and never answers (today's preset takes the provider down instead)",
        ],
    },
    BuiltIn {
        id: "competing-workers",
        title: "One worker vs competing workers, under a surge",
        look_at: "The surge fills the warehouse queue: one consumer drains it long after the surge ends, four competing consumers keep its depth and the time to ship low.",
        document: "002",
        designs: &[
            BuiltInDesign {
                commands: &[(0, "rep:warehouse:1")],
                ..d("One worker", "surge")
            },
            BuiltInDesign {
                commands: &[(0, "rep:warehouse:4")],
                ..d("Four competing workers", "surge")
            },
        ],
        orders: None,
        faults: &[],
        needs: &[],
    },
    BuiltIn {
        id: "retry-storm",
        title: "Retries without backoff vs jittered backoff with a budget",
        look_at: "A slow provider with eager retries multiplies its own load; jittered backoff with a retry budget keeps the extra calls bounded and lets it recover.",
        document: "004",
        designs: &[
            BuiltInDesign {
                needs: Some("retry policies with jitter and a retry budget (design edits)"),
                ..d("Immediate retries", "payment-breaker")
            },
            BuiltInDesign {
                needs: Some("retry policies with jitter and a retry budget (design edits)"),
                ..d("Jittered backoff + budget", "payment-breaker")
            },
        ],
        orders: None,
        faults: &[(15_000, "lat:provider:20"), (35_000, "lat:provider:1")],
        needs: &["the retry-storm figures: calls per order and retries per second"],
    },
    BuiltIn {
        id: "surge-cost",
        title: "The surge, synchronous payment vs payment behind a queue, in cost",
        look_at: "The same surge: a synchronous payment tier needs replicas for the peak, a queue lets a small tier catch up afterwards; compare what each costs.",
        document: "000",
        designs: &[
            d("Synchronous payment", "surge"),
            BuiltInDesign {
                needs: Some("design edits (d=) that turn the payment call into a publish"),
                ..d("Payment behind a queue", "surge")
            },
        ],
        orders: None,
        faults: &[],
        needs: &["a cost figure (replica-seconds and calls priced) in the metric registry"],
    },
];

/// The built-in comparison `id`.
pub fn built_in(id: &str) -> Option<&'static BuiltIn> {
    BUILT_IN.iter().find(|b| b.id == id)
}

impl BuiltIn {
    /// True if every design and fault runs on today's engine.
    pub fn runnable(&self) -> bool {
        self.needs.is_empty() && self.designs.iter().all(|d| d.needs.is_none())
    }

    /// Everything missing, in words (empty when runnable).
    pub fn missing(&self) -> Vec<String> {
        let mut out: Vec<String> = self.needs.iter().map(|n| (*n).to_owned()).collect();
        for d in self.designs {
            if let Some(n) = d.needs {
                out.push(format!("{}: {n}", d.label));
            }
        }
        out
    }

    /// The designs that run today, as specs with the shared faults and
    /// their own commands (ordered by time); the labels alongside.
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
        for d in self.designs.iter().filter(|d| d.needs.is_none()) {
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
    fn every_built_in_is_well_formed_and_the_runnable_ones_compile() {
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
            assert_eq!(b.runnable(), b.missing().is_empty(), "{}", b.id);
            for (label, spec) in &specs {
                let model = spec
                    .model()
                    .unwrap_or_else(|e| panic!("{}/{label}: {e}", b.id));
                let mut skipped = Vec::new();
                let applicable = spec.applicable(&model, &mut skipped);
                assert!(skipped.is_empty(), "{}/{label}: {skipped:?}", b.id);
                assert_eq!(applicable.len(), spec.commands.len());
                spec.design().unwrap();
            }
        }
        let runnable: Vec<&str> = BUILT_IN
            .iter()
            .filter(|b| b.runnable())
            .map(|b| b.id)
            .collect();
        assert_eq!(runnable, ["payment-outage", "competing-workers"]);
    }

    /// The first built-in's point, over seeds: the chain answers later than
    /// the hybrid under the same outage.
    #[test]
    fn under_the_outage_the_chain_answers_later_than_the_hybrid() {
        let b = built_in("payment-outage").unwrap();
        let specs = b.specs().unwrap();
        let mut designs = Vec::new();
        let mut runs = Vec::new();
        let seeds: Vec<u64> = (1..=5).collect();
        for (_, s) in &specs {
            let design = s.design().unwrap();
            let per_seed: Vec<Figures> = seeds
                .iter()
                .map(|&seed| run_with_commands(&design, &s.commands, seed).unwrap())
                .collect();
            designs.push(design);
            runs.push(per_seed);
        }
        let c = compare::summarise(&designs, &seeds, &runs);
        let row = c
            .rows
            .iter()
            .find(|r| r.name == "latency.response.mean_ms")
            .unwrap();
        let hybrid = row.cells[2]
            .as_ref()
            .unwrap()
            .versus_first
            .as_ref()
            .unwrap();
        assert_eq!(hybrid.better, Some(true), "{hybrid:?}");
        assert!(hybrid.significant, "{hybrid:?}");
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
