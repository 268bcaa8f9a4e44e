//! The command-line tool itself (native only: see `../orderflow.rs`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueHint};
use orderflow_sim::ids::OrderId;
use orderflow_sim::link::preset_link;
use orderflow_sim::mermaid::{StoryEvents, sequence_diagram};
use orderflow_sim::model::Model;
use orderflow_sim::report::metrics_json;
use orderflow_sim::scenario::Scenario;
use orderflow_sim::{Completion, IdSource, RunOptions, Sim, presets};

/// Events a single run may take before it is stopped (a bound on everything).
const DEFAULT_MAX_EVENTS: u64 = 2_000_000_000;

/// Run the Orderflow Playground's simulation engine from the command line.
#[derive(Parser)]
#[command(
    name = "orderflow",
    version,
    after_help = "<SCENARIO> is a preset name (orderflow list) or a path to a scenario JSON file.\n\
                  Bad input gives a message and exit status 2."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the preset scenarios with their titles.
    List,
    /// Run a scenario to the end and print its metrics as JSON.
    Run(RunArgs),
    /// Print one order's story as a Mermaid sequenceDiagram.
    Mermaid(MermaidArgs),
    /// Print a playground link that opens a scenario file's run.
    ///
    /// The file must be a preset with options: its completion mode and order
    /// count may differ (the playground's "Design (JSON)" export writes such
    /// a file); anything else cannot be linked yet, and the message names
    /// the closest preset and the fields that differ.
    Link(LinkArgs),
    /// Check that a scenario file is valid (errors name the field).
    Check {
        /// The scenario JSON file (a preset name works too).
        #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
        file: String,
    },
    /// Check the claims each preset demonstrates (or one scenario's), one line per claim.
    ///
    /// Runs every claim of the scenario's `claims` section and prints the
    /// scenario, PASS or FAIL, the claim and the figures it measured. Exits
    /// with status 1 if any claim fails.
    Claims(crate::analyse::ClaimsArgs),
    /// Compare designs over many seeds: every figure as mean ± 95 % interval.
    ///
    /// A design is a preset name or a scenario file, optionally with a
    /// completion mode after `@` (`async-write@callback`). Every design runs
    /// with the same seeds; each after the first is set against the first:
    /// difference, ratio, which is better, and whether the difference is
    /// significant (Welch's t-test at 5 %).
    Compare(crate::analyse::CompareArgs),
    /// Measure the engine: the M/M/c reference queue, then hybrid-queue.
    Bench(BenchArgs),
    /// Print a shell completion script.
    ///
    /// For example: `orderflow completions bash > ~/.local/share/bash-completion/completions/orderflow`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// The scenario and the run's settings, shared by `run` and `mermaid`.
#[derive(Args)]
struct SimArgs {
    /// A preset name (see `orderflow list`) or a path to a scenario JSON file.
    #[arg(value_name = "SCENARIO", value_hint = ValueHint::FilePath)]
    scenario: String,
    /// The random seed: the same seed gives the same run.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// How many orders the client places (instead of the scenario's count).
    #[arg(long, value_name = "N")]
    orders: Option<u64>,
    /// How the client learns the outcome (only the modes the scenario allows;
    /// the scenario's own mode when not given).
    #[arg(long, value_name = "MODE", value_parser = completion_parser())]
    completion: Option<Completion>,
    /// Where the order id comes from: made by the server, by the client, or
    /// fetched from an id service (the scenario's own when not given).
    #[arg(long = "id", value_name = "SOURCE", value_parser = id_source_parser())]
    id_source: Option<IdSource>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    sim: SimArgs,
    /// Also write every trace event to FILE, one JSON object per line.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    trace: Option<PathBuf>,
    /// Stop after this many events even if the run has not finished.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENTS)]
    max_events: u64,
}

#[derive(Args)]
struct MermaidArgs {
    #[command(flatten)]
    sim: SimArgs,
    /// The order whose story to draw (1 is the first order placed).
    #[arg(long, value_name = "ID")]
    order: u64,
}

#[derive(Args)]
struct LinkArgs {
    /// The scenario JSON file (a preset name works too).
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
    file: String,
    /// The seed the link carries (not part of a scenario file).
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// Where the playground is served (`scripts/dev.sh serve` by default).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080/")]
    base: String,
}

#[derive(Args)]
struct BenchArgs {
    /// Customers in the M/M/c run.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    customers: u64,
    /// Orders in the hybrid-queue run.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    orders: u64,
}

/// `--completion`: the engine's mode names, so help, errors and shell
/// completions list exactly the modes the engine knows.
/// `push` is accepted as the old name of `sse`.
pub(crate) fn completion_parser() -> impl TypedValueParser<Value = Completion> {
    PossibleValuesParser::new(Completion::ALL.map(|c| {
        let v = PossibleValue::new(c.as_str());
        if c == Completion::Sse {
            v.alias("push")
        } else {
            v
        }
    }))
    .try_map(|name| Completion::parse(&name).ok_or_else(|| format!("unknown mode {name:?}")))
}

/// `--id`: the engine's id source names.
pub(crate) fn id_source_parser() -> impl TypedValueParser<Value = IdSource> {
    PossibleValuesParser::new(IdSource::ALL.map(IdSource::as_str))
        .try_map(|name| IdSource::parse(&name).ok_or_else(|| format!("unknown id source {name:?}")))
}

/// Parses the arguments, runs the command, and says how it went.
pub fn main() -> ExitCode {
    // Exits by itself for --help / --version (status 0) and for bad
    // arguments (a message with a suggestion where one fits, status 2).
    let cli = Cli::parse();
    let mut out = io::stdout().lock();
    match run(cli.command, &mut out).and_then(|()| out.flush().map_err(write_error)) {
        Ok(()) | Err(CliError::Closed) => ExitCode::SUCCESS,
        Err(CliError::Usage { command, message }) => {
            let mut cli = Cli::command();
            cli.build();
            match cli.find_subcommand_mut(command) {
                Some(sub) => sub.error(ErrorKind::ValueValidation, message).exit(),
                None => cli.error(ErrorKind::ValueValidation, message).exit(),
            }
        }
        Err(CliError::Fail(message)) => {
            // Even stderr may be gone; there is nobody left to tell then.
            let _ = writeln!(io::stderr(), "orderflow: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Unmet(message)) => {
            let _ = writeln!(io::stderr(), "orderflow: {message}");
            ExitCode::from(1)
        }
    }
}

/// Why a command stopped.
pub(crate) enum CliError {
    /// Arguments that parsed but do not fit the scenario: reported like
    /// clap's own errors, with the command's usage, exit status 2.
    Usage {
        command: &'static str,
        message: String,
    },
    /// Anything else (a missing file, an invalid scenario): a message and
    /// exit status 2.
    Fail(String),
    /// Whoever read our output stopped reading (`| head -1`): end quietly.
    Closed,
    /// The command ran and found what it checks untrue (a claim failed):
    /// a message and exit status 1.
    Unmet(String),
}

pub(crate) fn fail(message: impl Into<String>) -> CliError {
    CliError::Fail(message.into())
}

/// A failed write to standard output: a closed pipe is the reader's choice,
/// not an error.
pub(crate) fn write_error(e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CliError::Closed
    } else {
        fail(format!("writing the output: {e}"))
    }
}

/// `writeln!` to the output, a failed write becoming a [`CliError`].
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err(write_error)?
    };
}

fn run(command: Command, out: &mut impl Write) -> Result<(), CliError> {
    match command {
        Command::List => {
            for name in presets::names() {
                let model = load(name, None)?;
                say!(out, "{name:<16} {}", model.scenario.title);
            }
            Ok(())
        }
        Command::Check { file } => {
            let model = load(&file, None)?;
            let claims = model.claims().map_err(|e| fail(format!("{file}:\n{e}")))?;
            say!(
                out,
                "{file}: ok ({} services, {} handlers, {} claims)",
                model.services.len(),
                model.handlers.len(),
                claims.len()
            );
            Ok(())
        }
        Command::Run(args) => cmd_run(&args, out),
        Command::Mermaid(args) => cmd_mermaid(&args, out),
        Command::Link(args) => cmd_link(&args, out),
        Command::Bench(args) => cmd_bench(&args, out),
        Command::Claims(args) => crate::analyse::cmd_claims(&args, out),
        Command::Compare(args) => crate::analyse::cmd_compare(&args, out),
        Command::Completions { shell } => {
            // clap_complete panics when its writer fails, so the script is
            // written to memory first and then to the (maybe closed) output.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "orderflow", &mut script);
            out.write_all(&script).map_err(write_error)
        }
    }
}

/// A preset by name, or a scenario file, parsed; with where it came from
/// (`preset hybrid` or the path) for messages.
pub(crate) fn load_scenario(name: &str) -> Result<(Scenario, String), CliError> {
    let (text, source) = match presets::json(name) {
        Some(json) => (json.to_owned(), format!("preset {name}")),
        None => (
            std::fs::read_to_string(name).map_err(|e| {
                let hint = match closest_preset(name) {
                    Some(p) => format!("did you mean `{p}`? `orderflow list` names them all"),
                    None => "try `orderflow list`".to_owned(),
                };
                fail(format!("{name}: {e} (not a preset either; {hint})"))
            })?,
            name.to_owned(),
        ),
    };
    let scenario = Scenario::from_json(&text).map_err(|e| fail(format!("{source}: {e}")))?;
    Ok((scenario, source))
}

/// A preset by name, or a scenario file, compiled; `orders` overrides the order count.
pub(crate) fn load(name: &str, orders: Option<u64>) -> Result<Arc<Model>, CliError> {
    let (mut scenario, source) = load_scenario(name)?;
    if let Some(n) = orders {
        scenario.workload.orders = n;
    }
    compile(scenario, &source)
}

/// A scenario compiled; errors name `source`.
pub(crate) fn compile(scenario: Scenario, source: &str) -> Result<Arc<Model>, CliError> {
    Model::compile(scenario)
        .map(Arc::new)
        .map_err(|e| fail(format!("{source}:\n{e}")))
}

/// The preset whose name is closest to `name`, if one is close enough to be
/// what was meant (the same measure and threshold clap uses for flags).
fn closest_preset(name: &str) -> Option<&'static str> {
    presets::names()
        .map(|p| (strsim::jaro(name, p), p))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p)
}

fn new_sim(model: Arc<Model>, args: &SimArgs, command: &'static str) -> Result<Sim, CliError> {
    let defaults = RunOptions::defaults(&model);
    let opts = RunOptions {
        completion: args.completion.unwrap_or(defaults.completion),
        id_source: args.id_source.unwrap_or(defaults.id_source),
    };
    Sim::with_options(model, args.seed, opts).map_err(|e| CliError::Usage {
        command,
        message: e.to_string(),
    })
}

fn cmd_run(args: &RunArgs, out: &mut impl Write) -> Result<(), CliError> {
    let model = load(&args.sim.scenario, args.sim.orders)?;
    let mut sim = new_sim(model.clone(), &args.sim, "run")?;
    let mut trace_out = match &args.trace {
        Some(path) => {
            Some(BufWriter::new(File::create(path).map_err(|e| {
                fail(format!("--trace {}: {e}", path.display()))
            })?))
        }
        None => None,
    };
    // The trace file may be a pipe too (`--trace /dev/stdout`).
    let trace_error = |e: io::Error| match write_error(e) {
        CliError::Fail(m) => fail(format!("writing the trace: {m}")),
        other => other,
    };
    sim.set_trace(trace_out.is_some());
    let max = args.max_events;
    let mut done = 0u64;
    let finished = loop {
        // Slices keep the trace buffer small when writing it out.
        let slice = (max - done).min(100_000);
        let before = sim.events_processed();
        let finished = sim.run_to_end(slice);
        done += sim.events_processed() - before;
        if let Some(trace) = trace_out.as_mut() {
            for e in sim.drain_trace() {
                let line = serde_json::to_string(&e.to_json(&model)).unwrap_or_default();
                writeln!(trace, "{line}").map_err(trace_error)?;
            }
        }
        if finished || done >= max {
            break finished;
        }
    };
    if let Some(mut trace) = trace_out {
        trace.flush().map_err(trace_error)?;
    }
    let mut report = metrics_json(&sim);
    report["finished"] = serde_json::Value::Bool(finished);
    say!(
        out,
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    if !finished {
        let _ = writeln!(
            io::stderr(),
            "orderflow: stopped after {max} events (--max-events); the run did not finish"
        );
    }
    Ok(())
}

fn cmd_mermaid(args: &MermaidArgs, out: &mut impl Write) -> Result<(), CliError> {
    let order = args.order;
    let model = load(&args.sim.scenario, args.sim.orders)?;
    if order == 0 || order > model.orders {
        return Err(fail(format!(
            "--order: the scenario has orders 1 to {}",
            model.orders
        )));
    }
    let order = OrderId(order);
    let mut sim = new_sim(model.clone(), &args.sim, "mermaid")?;
    // Only this order's story is kept (the whole run could be large); the
    // playground's export gathers it the same way.
    let mut story = StoryEvents::new(order);
    while !story.settled() && !sim.run_to_end(50_000) {
        story.add(&sim.drain_trace());
    }
    story.add(&sim.drain_trace());
    write!(out, "{}", sequence_diagram(&model, story.events(), order)).map_err(write_error)
}

fn cmd_link(args: &LinkArgs, out: &mut impl Write) -> Result<(), CliError> {
    let file = &args.file;
    // The scenario as written (load() checks that it compiles).
    load(file, None)?;
    let text = match presets::json(file) {
        Some(json) => json.to_owned(),
        None => std::fs::read_to_string(file).map_err(|e| fail(format!("{file}: {e}")))?,
    };
    let design = Scenario::from_json(&text).map_err(|e| fail(format!("{file}: {e}")))?;
    match preset_link(&design) {
        Ok(link) => {
            say!(out, "{}{}", args.base, link.query(args.seed));
            Ok(())
        }
        Err(not) => Err(fail(format!(
            "{file} is not a preset with options, so no link can open it yet: it differs from \
             the closest preset, {}, in {}. A link carries a preset, its completion mode, its \
             order count and the seed.",
            not.closest,
            not.differs_in.join(", ")
        ))),
    }
}

/// Peak resident memory of this process, if the platform tells.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn cmd_bench(args: &BenchArgs, out: &mut impl Write) -> Result<(), CliError> {
    // 1. The M/M/c reference: c = 4, rho = 0.9, mu = 1, seed 42.
    let customers = args.customers;
    let model = load("mmc", Some(customers))?;
    let mut sim = Sim::new(model, 42);
    sim.set_trace(false);
    let (finished, wall) = wall_seconds(|| sim.run_to_end(u64::MAX));
    let events = sim.events_processed();
    let mx = sim.metrics();
    let server = sim
        .model()
        .service_index("server")
        .ok_or_else(|| CliError::Fail("mmc: no service \"server\"".into()))?;
    let server = &mx.services[server];
    let mean_wait_s = server.wait_sum_us as f64 / server.wait_count.max(1) as f64 / 1e6;
    let engine_rate = events as f64 / wall;
    let (bare_events, bare_wall, bare_wait_s) = bare_mmc(customers, 42);
    let bare_rate = bare_events as f64 / bare_wall;
    say!(
        out,
        "mmc (c=4, rho=0.9, mu=1, {customers} customers, seed 42)"
    );
    say!(
        out,
        "  engine:    {events} events in {wall:.3} s = {:.2} M events/s (target >= 10 M), mean queue wait {mean_wait_s:.4} s (Erlang C 1.9694 s)",
        engine_rate / 1e6
    );
    say!(
        out,
        "  reference: bare binary-heap loop, same run: {bare_events} events in {bare_wall:.3} s = {:.2} M events/s, mean wait {bare_wait_s:.4} s",
        bare_rate / 1e6
    );
    say!(out, "  engine / reference: {:.2}", engine_rate / bare_rate);
    if !finished {
        return Err(fail("mmc did not finish"));
    }

    // 2. hybrid-queue, trace off, with stock large enough that orders succeed.
    let orders = args.orders;
    let mut scenario = Scenario::from_json(presets::json("hybrid-queue").expect("preset"))
        .map_err(|e| fail(e.to_string()))?;
    scenario.workload.orders = orders;
    for s in scenario.services.iter_mut() {
        if let Some(stock) = s.stock.as_mut() {
            stock
                .values_mut()
                .for_each(|v| *v = orderflow_sim::scenario::StockSpec::Units(u32::MAX / 4));
        }
    }
    let model = Model::compile(scenario)
        .map(Arc::new)
        .map_err(|e| fail(e.to_string()))?;
    let mut sim = Sim::new(model, 42);
    sim.set_trace(false);
    let (finished, wall) = wall_seconds(|| sim.run_to_end(u64::MAX));
    let events = sim.events_processed();
    let outcomes = sim.metrics().outcomes;
    say!(out, "hybrid-queue ({orders} orders, trace off, seed 42)");
    say!(out, "  events:            {events}");
    say!(
        out,
        "  wall time:         {wall:.3} s  (target <= 5 s for 1M orders)"
    );
    say!(
        out,
        "  events per second: {:.2} M",
        events as f64 / wall / 1e6
    );
    say!(
        out,
        "  completed:         {} of {}",
        outcomes.completed,
        outcomes.total()
    );
    if let Some(mb) = peak_rss_mb() {
        say!(
            out,
            "peak memory (whole process): {mb:.1} MB  (target <= 100 MB)"
        );
    }
    if !finished {
        return Err(fail("hybrid-queue did not finish"));
    }
    Ok(())
}

/// The reference: an M/M/c queue as a bare binary-heap event loop (arrivals
/// and departures only), with the engine's generator and draws. Returns
/// events processed, wall seconds and the mean wait in queue.
fn bare_mmc(customers: u64, seed: u64) -> (u64, f64, f64) {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, VecDeque};

    use orderflow_sim::rng::SimRng;

    const SERVERS: u32 = 4;
    const MEAN_GAP_US: f64 = 1e6 / 3.6;
    const MEAN_SERVICE_US: f64 = 1e6;
    let (result, wall) = wall_seconds(|| {
        let mut rng = SimRng::new(seed);
        // (time, seq, is_departure)
        let mut heap: BinaryHeap<Reverse<(u64, u64, bool)>> = BinaryHeap::new();
        let mut seq = 0u64;
        let mut waiting: VecDeque<u64> = VecDeque::new();
        let (mut busy, mut arrived, mut served, mut events) = (0u32, 0u64, 0u64, 0u64);
        let mut wait_sum_us = 0u128;
        let mut next_arrival = 0.0f64;
        heap.push(Reverse((0, 0, false)));
        while let Some(Reverse((now, _, departure))) = heap.pop() {
            events += 1;
            if departure {
                if let Some(t) = waiting.pop_front() {
                    wait_sum_us += u128::from(now - t);
                    served += 1;
                    seq += 1;
                    let done = now + libm::round(rng.exponential(MEAN_SERVICE_US)) as u64;
                    heap.push(Reverse((done, seq, true)));
                } else {
                    busy -= 1;
                }
            } else {
                arrived += 1;
                if busy < SERVERS {
                    busy += 1;
                    served += 1;
                    seq += 1;
                    let done = now + libm::round(rng.exponential(MEAN_SERVICE_US)) as u64;
                    heap.push(Reverse((done, seq, true)));
                } else {
                    waiting.push_back(now);
                }
                if arrived < customers {
                    next_arrival += rng.exponential(MEAN_GAP_US);
                    seq += 1;
                    heap.push(Reverse((libm::round(next_arrival) as u64, seq, false)));
                }
            }
        }
        (events, wait_sum_us as f64 / served.max(1) as f64 / 1e6)
    });
    (result.0, wall, result.1)
}

/// Wall-clock seconds `f` took. The benchmark's only clock: it times
/// finished runs from outside, and nothing inside a simulation sees it.
fn wall_seconds<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = std::time::Instant::now();
    let out = f();
    (out, t0.elapsed().as_secs_f64())
}
