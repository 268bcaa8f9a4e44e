//! `orderflow claims` and `orderflow compare`: the printing of what the
//! library computes ([`orderflow_sim::claims`], [`orderflow_sim::compare`]).

use std::io::Write;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use orderflow_sim::claims::{self, Claim};
use orderflow_sim::compare::{self, Comparison, Design, Row};
use orderflow_sim::comparisons;
use orderflow_sim::measure::{Direction, Unit};
use orderflow_sim::model::Model;
use orderflow_sim::scenario::IdSource;
use orderflow_sim::{Completion, presets};

use crate::cli::{CliError, compile, completion_parser, fail, load, load_scenario, write_error};

#[derive(Args)]
pub(crate) struct ClaimsArgs {
    /// A preset name or a scenario file; every preset when not given.
    #[arg(value_name = "SCENARIO", value_hint = clap::ValueHint::FilePath)]
    scenario: Option<String>,
    /// Only the claim with this id.
    #[arg(long, value_name = "ID")]
    claim: Option<String>,
}

/// `--id-source`: where the order id comes from.
#[derive(Clone, Copy, ValueEnum)]
enum IdSourceArg {
    Server,
    Client,
    IdService,
}

impl From<IdSourceArg> for IdSource {
    fn from(a: IdSourceArg) -> IdSource {
        match a {
            IdSourceArg::Server => IdSource::Server,
            IdSourceArg::Client => IdSource::Client,
            IdSourceArg::IdService => IdSource::IdService,
        }
    }
}

#[derive(Args)]
pub(crate) struct CompareArgs {
    /// One to three designs: a preset name or a scenario file, optionally
    /// with a completion mode after `@` (`async-write@callback`).
    #[arg(
        value_name = "DESIGN",
        num_args = 1..=3,
        required_unless_present = "builtin",
        conflicts_with = "builtin"
    )]
    designs: Vec<String>,
    /// A built-in comparison instead of designs (`payment-outage`; `list`
    /// names them all): its designs, faults and sentence.
    #[arg(long, value_name = "ID", conflicts_with_all = ["completion", "id_source", "orders"])]
    builtin: Option<String>,
    /// Seeds per design (the same for every design).
    #[arg(long, value_name = "N", default_value_t = 20)]
    seeds: u64,
    /// The first seed; the others follow it.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed_start: u64,
    /// The completion mode of every design without its own `@MODE`.
    #[arg(long, value_name = "MODE", value_parser = completion_parser())]
    completion: Option<Completion>,
    /// Where the order id comes from, for every design (`--id` too).
    #[arg(long, visible_alias = "id", value_name = "SOURCE", value_enum)]
    id_source: Option<IdSourceArg>,
    /// Orders per run (instead of each scenario's count).
    #[arg(long, value_name = "N")]
    orders: Option<u64>,
    /// Print the comparison as JSON.
    #[arg(long)]
    json: bool,
    /// Also print the figures that are zero for every design and seed.
    #[arg(long)]
    all: bool,
}

/// `writeln!` to the output, a failed write becoming a [`CliError`].
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err(write_error)?
    };
}

pub(crate) fn cmd_claims(args: &ClaimsArgs, out: &mut impl Write) -> Result<(), CliError> {
    let names: Vec<String> = match &args.scenario {
        Some(s) => vec![s.clone()],
        None => presets::names().map(str::to_owned).collect(),
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for name in &names {
        let model = load(name, None)?;
        let all = model
            .claims()
            .map_err(|e| fail(format!("{name}: claims:\n{e}")))?;
        let chosen: Vec<&Claim> = all
            .iter()
            .filter(|c| args.claim.as_ref().is_none_or(|id| *id == c.id))
            .collect();
        for claim in chosen {
            let report = claims::check(&model, claim);
            let verdict = if report.passed { "PASS" } else { "FAIL" };
            say!(
                out,
                "{name:<16} {verdict}  [{}] {}: {}  ({})",
                claim.document.as_str(),
                claim.id,
                claim.text,
                report.figures_text()
            );
            for why in report.failed.iter().chain(&report.error) {
                say!(out, "{:<16}       not so: {why}", "");
            }
            if report.passed {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    if let Some(id) = &args.claim
        && passed + failed == 0
    {
        return Err(fail(format!("--claim: no claim {id:?}")));
    }
    if failed > 0 {
        return Err(CliError::Unmet(format!(
            "{failed} of {} claims failed",
            passed + failed
        )));
    }
    Ok(())
}

/// `name` or `name@mode`: the scenario and the mode, if one is given.
fn split_mode(design: &str) -> (&str, Option<Completion>) {
    match design.rsplit_once('@') {
        Some((name, mode)) => match Completion::parse(mode) {
            Some(c) => (name, Some(c)),
            None => (design, None),
        },
        None => (design, None),
    }
}

fn design(spec: &str, args: &CompareArgs) -> Result<Design, CliError> {
    let (name, mode) = split_mode(spec);
    let (mut scenario, source) = load_scenario(name)?;
    if let Some(n) = args.orders {
        scenario.workload.orders = n;
    }
    if let Some(id) = args.id_source {
        // Every mode: a scenario without an id service says so when it
        // compiles (`client.id_service`).
        scenario.client.id_source = Some(id.into());
    }
    let model: Arc<Model> = compile(scenario, &source)?;
    let completion = mode.or(args.completion).unwrap_or(model.client.completion);
    if !model.client.allowed.contains(&completion) {
        return Err(CliError::Usage {
            command: "compare",
            message: format!(
                "{spec}: completion {:?} is not allowed (allowed: {})",
                completion.as_str(),
                model
                    .client
                    .allowed
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(Design {
        label: spec.to_owned(),
        model,
        completion,
    })
}

pub(crate) fn cmd_compare(args: &CompareArgs, out: &mut impl Write) -> Result<(), CliError> {
    if !(1..=compare::MAX_SEEDS).contains(&args.seeds) {
        return Err(CliError::Usage {
            command: "compare",
            message: format!("--seeds: must be between 1 and {}", compare::MAX_SEEDS),
        });
    }
    let seeds: Vec<u64> = (0..args.seeds)
        .map(|i| args.seed_start.wrapping_add(i))
        .collect();
    if let Some(id) = &args.builtin {
        return builtin(id, &seeds, args, out);
    }
    let mut designs = Vec::new();
    for spec in &args.designs {
        let mut d = design(spec, args)?;
        let twins = designs
            .iter()
            .filter(|o: &&Design| o.label == d.label)
            .count();
        if twins > 0 {
            d.label = format!("{} #{}", d.label, twins + 1);
        }
        designs.push(d);
    }
    let c = compare::compare(&designs, &seeds).map_err(fail)?;
    if args.json {
        let text = serde_json::to_string_pretty(&c).map_err(|e| fail(e.to_string()))?;
        say!(out, "{text}");
        return Ok(());
    }
    table(&c, args.all, out)
}

/// `orderflow compare --builtin ID`: the comparison's title and sentence,
/// then its table with the figures it is about first.
fn builtin(
    id: &str,
    seeds: &[u64],
    args: &CompareArgs,
    out: &mut impl Write,
) -> Result<(), CliError> {
    if id == "list" {
        for b in comparisons::BUILT_IN {
            say!(out, "{:<26} ({}) {}", b.id, b.document, b.title);
        }
        return Ok(());
    }
    let Some(b) = comparisons::built_in(id) else {
        let ids: Vec<&str> = comparisons::BUILT_IN.iter().map(|b| b.id).collect();
        return Err(CliError::Usage {
            command: "compare",
            message: format!(
                "--builtin: unknown comparison {id:?} (known: {})",
                ids.join(", ")
            ),
        });
    };
    let mut c = b.compare(seeds).map_err(fail)?;
    if args.json {
        let text = serde_json::to_string_pretty(&c).map_err(|e| fail(e.to_string()))?;
        say!(out, "{text}");
        return Ok(());
    }
    say!(out, "{} (document {})", b.title, b.document);
    say!(out, "{}", b.look_at);
    for (label, spec) in b.specs().map_err(fail)? {
        say!(out, "  {label}: {}", spec.to_text());
    }
    say!(out, "");
    // The figures the sentence is about first, in its order.
    let rank = |name: &str| {
        b.figures
            .iter()
            .position(|f| *f == name)
            .unwrap_or(usize::MAX)
    };
    c.rows.sort_by_key(|r| rank(&r.name));
    table(&c, args.all, out)
}

/// A figure for a table: about four significant digits.
fn num(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "—".to_owned()
    } else if a >= 1_000.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn unit_text(unit: Unit, direction: Direction) -> String {
    match unit.symbol() {
        "" => direction.as_str().to_owned(),
        u => format!("{u}, {}", direction.as_str()),
    }
}

fn table(c: &Comparison, all: bool, out: &mut impl Write) -> Result<(), CliError> {
    let first = c.designs.first().map_or("", String::as_str);
    let width = c.designs.iter().map(|d| d.len()).max().unwrap_or(0).max(6);
    say!(
        out,
        "{} design(s), seeds {}..={} ({} each); mean ± 95 % interval; each design against {first}",
        c.designs.len(),
        c.seeds.first().copied().unwrap_or(0),
        c.seeds.last().copied().unwrap_or(0),
        c.seeds.len()
    );
    let shown = c.rows.iter().filter(|r| all || !r.is_all_zero());
    for row in shown {
        row_lines(row, &c.designs, width, out)?;
    }
    Ok(())
}

fn row_lines(
    row: &Row,
    designs: &[String],
    width: usize,
    out: &mut impl Write,
) -> Result<(), CliError> {
    say!(
        out,
        "\n{}  ({})",
        row.name,
        unit_text(row.unit, row.direction)
    );
    for (label, cell) in designs.iter().zip(&row.cells) {
        let Some(cell) = cell else {
            say!(out, "  {label:<width$}  —");
            continue;
        };
        let i = &cell.interval;
        let spread = if i.half_width.is_nan() {
            String::new()
        } else {
            format!(" ± {}", num(i.half_width))
        };
        let Some(v) = &cell.versus_first else {
            say!(out, "  {label:<width$}  {}{spread}", num(i.mean));
            continue;
        };
        let ratio = v.ratio.map_or("—".to_owned(), |r| format!("×{r:.3}"));
        let verdict = match (v.better, v.significant) {
            (_, false) => "no significant difference".to_owned(),
            (Some(true), true) => "better, significant".to_owned(),
            (Some(false), true) => "worse, significant".to_owned(),
            (None, true) => "different, significant".to_owned(),
        };
        let test = v.test.map_or(String::new(), |t| {
            if t.t.is_finite() {
                format!(" (t = {:.2}, df = {:.1})", t.t, t.df)
            } else {
                " (no spread)".to_owned()
            }
        });
        let left = format!("{}{spread}", num(i.mean));
        say!(
            out,
            "  {label:<width$}  {left:<22} Δ {:<10} {ratio:<9} {verdict}{test}",
            num(v.difference)
        );
    }
    Ok(())
}
