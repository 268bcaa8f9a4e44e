//! `orderflow`: run scenarios from the command line.
//!
//! ```text
//! orderflow list
//! orderflow run <scenario> [--seed N] [--orders N] [--completion MODE] [--trace FILE] [--max-events N]
//! orderflow mermaid <scenario> --order ID [--seed N] [--completion MODE] [--orders N]
//! orderflow check <file.json>
//! orderflow bench [--customers N] [--orders N]
//! ```
//!
//! `<scenario>` is a preset name (see `list`) or a path to a JSON file. Bad
//! input gives a message and exit status 2; nothing panics on user input.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;

use orderflow_sim::mermaid::sequence_diagram;
use orderflow_sim::model::Model;
use orderflow_sim::report::metrics_json;
use orderflow_sim::scenario::Scenario;
use orderflow_sim::{Completion, Sim, presets};

const USAGE: &str = "usage:
  orderflow list
  orderflow run <scenario> [--seed N] [--orders N] [--completion MODE] [--trace FILE] [--max-events N]
  orderflow mermaid <scenario> --order ID [--seed N] [--orders N] [--completion MODE]
  orderflow check <file.json>
  orderflow bench [--customers N] [--orders N]
<scenario> is a preset name (orderflow list) or a path to a scenario JSON file.
MODE is one of sync, polling, callback, push (those the scenario allows).";

/// Events a single run may take before it is stopped (a bound on everything).
const DEFAULT_MAX_EVENTS: u64 = 2_000_000_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orderflow: {e}");
            if e.show_usage {
                eprintln!("{USAGE}");
            }
            ExitCode::from(2)
        }
    }
}

struct CliError {
    message: String,
    show_usage: bool,
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn usage(message: impl Into<String>) -> CliError {
    CliError {
        message: message.into(),
        show_usage: true,
    }
}

fn fail(message: impl Into<String>) -> CliError {
    CliError {
        message: message.into(),
        show_usage: false,
    }
}

/// Flags after the command and its positional argument.
#[derive(Default)]
struct Flags {
    seed: u64,
    orders: Option<u64>,
    completion: Option<Completion>,
    trace: Option<String>,
    order: Option<u64>,
    max_events: Option<u64>,
    customers: Option<u64>,
}

fn parse_flags(args: &[String]) -> Result<Flags, CliError> {
    let mut f = Flags::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| usage(format!("{name} needs a value")))
        };
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| usage(format!("{name}: {v:?} is not a whole number")))
        };
        match flag.as_str() {
            "--seed" => f.seed = number("--seed", value("--seed")?)?,
            "--orders" => f.orders = Some(number("--orders", value("--orders")?)?),
            "--order" => f.order = Some(number("--order", value("--order")?)?),
            "--max-events" => f.max_events = Some(number("--max-events", value("--max-events")?)?),
            "--customers" => f.customers = Some(number("--customers", value("--customers")?)?),
            "--trace" => f.trace = Some(value("--trace")?),
            "--completion" => {
                let v = value("--completion")?;
                f.completion = Some(
                    Completion::parse(&v)
                        .ok_or_else(|| usage(format!("--completion: unknown mode {v:?}")))?,
                );
            }
            other => return Err(usage(format!("unknown argument {other:?}"))),
        }
    }
    Ok(f)
}

fn run(args: &[String]) -> Result<(), CliError> {
    let Some(command) = args.first() else {
        return Err(usage("no command given"));
    };
    match command.as_str() {
        "list" => {
            for name in presets::names() {
                let model = load(name, None)?;
                println!("{name:<16} {}", model.scenario.title);
            }
            Ok(())
        }
        "check" => {
            let path = args.get(1).ok_or_else(|| usage("check needs a file"))?;
            let model = load(path, None)?;
            println!(
                "{path}: ok ({} services, {} handlers)",
                model.services.len(),
                model.handlers.len()
            );
            Ok(())
        }
        "run" => {
            let name = args.get(1).ok_or_else(|| usage("run needs a scenario"))?;
            let flags = parse_flags(&args[2..])?;
            cmd_run(name, &flags)
        }
        "mermaid" => {
            let name = args
                .get(1)
                .ok_or_else(|| usage("mermaid needs a scenario"))?;
            let flags = parse_flags(&args[2..])?;
            cmd_mermaid(name, &flags)
        }
        "bench" => cmd_bench(&parse_flags(&args[1..])?),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(usage(format!("unknown command {other:?}"))),
    }
}

/// A preset by name, or a scenario file; `orders` overrides the order count.
fn load(name: &str, orders: Option<u64>) -> Result<Arc<Model>, CliError> {
    let (text, source) = match presets::json(name) {
        Some(json) => (json.to_owned(), format!("preset {name}")),
        None => (
            std::fs::read_to_string(name).map_err(|e| {
                fail(format!(
                    "{name}: {e} (not a preset either; try `orderflow list`)"
                ))
            })?,
            name.to_owned(),
        ),
    };
    let mut scenario = Scenario::from_json(&text).map_err(|e| fail(format!("{source}: {e}")))?;
    if let Some(n) = orders {
        scenario.workload.orders = n;
    }
    Model::compile(scenario)
        .map(Arc::new)
        .map_err(|e| fail(format!("{source}:\n{e}")))
}

fn new_sim(model: Arc<Model>, flags: &Flags) -> Result<Sim, CliError> {
    let completion = flags.completion.unwrap_or(model.client.completion);
    Sim::with_completion(model, flags.seed, completion).map_err(|e| usage(e.to_string()))
}

fn cmd_run(name: &str, flags: &Flags) -> Result<(), CliError> {
    let model = load(name, flags.orders)?;
    let mut sim = new_sim(model.clone(), flags)?;
    let mut trace_out = match &flags.trace {
        Some(path) => Some(BufWriter::new(
            File::create(path).map_err(|e| fail(format!("--trace {path}: {e}")))?,
        )),
        None => None,
    };
    sim.set_trace(trace_out.is_some());
    let max = flags.max_events.unwrap_or(DEFAULT_MAX_EVENTS);
    let mut done = 0u64;
    let finished = loop {
        // Slices keep the trace buffer small when writing it out.
        let slice = (max - done).min(100_000);
        let before = sim.events_processed();
        let finished = sim.run_to_end(slice);
        done += sim.events_processed() - before;
        if let Some(out) = trace_out.as_mut() {
            for e in sim.drain_trace() {
                let line = serde_json::to_string(&e.to_json(&model)).unwrap_or_default();
                writeln!(out, "{line}").map_err(|e| fail(format!("writing the trace: {e}")))?;
            }
        }
        if finished || done >= max {
            break finished;
        }
    };
    if let Some(mut out) = trace_out {
        out.flush()
            .map_err(|e| fail(format!("writing the trace: {e}")))?;
    }
    let mut report = metrics_json(&sim);
    report["finished"] = serde_json::Value::Bool(finished);
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    if !finished {
        eprintln!("orderflow: stopped after {max} events (--max-events); the run did not finish");
    }
    Ok(())
}

fn cmd_mermaid(name: &str, flags: &Flags) -> Result<(), CliError> {
    let order = flags
        .order
        .ok_or_else(|| usage("mermaid needs --order ID"))?;
    let model = load(name, flags.orders)?;
    if order == 0 || order > model.orders {
        return Err(fail(format!(
            "--order: the scenario has orders 1 to {}",
            model.orders
        )));
    }
    let mut sim = new_sim(model.clone(), flags)?;
    // Keep only this order's events (the whole run could be large).
    let mut kept = Vec::new();
    let mut settled = false;
    while !settled && !sim.run_to_end(50_000) {
        for e in sim.drain_trace() {
            settled |= matches!(e.kind, orderflow_sim::trace::TraceKind::Settled { order: o, .. } if o == order);
            if e.order() == Some(order)
                || matches!(e.kind, orderflow_sim::trace::TraceKind::Drop { .. })
            {
                kept.push(e);
            }
        }
    }
    for e in sim.drain_trace() {
        if e.order() == Some(order)
            || matches!(e.kind, orderflow_sim::trace::TraceKind::Drop { .. })
        {
            kept.push(e);
        }
    }
    print!("{}", sequence_diagram(&model, &kept, order));
    Ok(())
}

/// Peak resident memory of this process, if the platform tells.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn cmd_bench(flags: &Flags) -> Result<(), CliError> {
    // 1. The M/M/c reference: c = 4, rho = 0.9, mu = 1, seed 42.
    let customers = flags.customers.unwrap_or(1_000_000);
    let model = load("mmc", Some(customers))?;
    let mut sim = Sim::new(model, 42);
    sim.set_trace(false);
    let (finished, wall) = wall_seconds(|| sim.run_to_end(u64::MAX));
    let events = sim.events_processed();
    let mx = sim.metrics();
    let server = &mx.services[1];
    let mean_wait_s = server.wait_sum_us as f64 / server.wait_count.max(1) as f64 / 1e6;
    let engine_rate = events as f64 / wall;
    let (bare_events, bare_wall, bare_wait_s) = bare_mmc(customers, 42);
    let bare_rate = bare_events as f64 / bare_wall;
    println!("mmc (c=4, rho=0.9, mu=1, {customers} customers, seed 42)");
    println!(
        "  engine:    {events} events in {wall:.3} s = {:.2} M events/s (target >= 10 M), mean queue wait {mean_wait_s:.4} s (Erlang C 1.9694 s)",
        engine_rate / 1e6
    );
    println!(
        "  reference: bare binary-heap loop, same run: {bare_events} events in {bare_wall:.3} s = {:.2} M events/s, mean wait {bare_wait_s:.4} s",
        bare_rate / 1e6
    );
    println!("  engine / reference: {:.2}", engine_rate / bare_rate);
    if !finished {
        return Err(fail("mmc did not finish"));
    }

    // 2. hybrid-queue, trace off, with stock large enough that orders succeed.
    let orders = flags.orders.unwrap_or(1_000_000);
    let mut scenario = Scenario::from_json(presets::json("hybrid-queue").expect("preset"))
        .map_err(|e| fail(e.to_string()))?;
    scenario.workload.orders = orders;
    for s in scenario.services.iter_mut() {
        if let Some(stock) = s.stock.as_mut() {
            stock.values_mut().for_each(|v| *v = u32::MAX / 4);
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
    println!("hybrid-queue ({orders} orders, trace off, seed 42)");
    println!("  events:            {events}");
    println!("  wall time:         {wall:.3} s  (target <= 5 s for 1M orders)");
    println!("  events per second: {:.2} M", events as f64 / wall / 1e6);
    println!(
        "  completed:         {} of {}",
        outcomes.completed,
        outcomes.total()
    );
    if let Some(mb) = peak_rss_mb() {
        println!("peak memory (whole process): {mb:.1} MB  (target <= 100 MB)");
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
