//! The driver loop: inputs generated from `(seed, index)`, each checked
//! under `catch_unwind`; counts per target; failing inputs saved and named
//! with what reproduces them; a watchdog for inputs that never finish.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A small, fast generator (SplitMix64) for inputs. Not the engine's RNG:
/// the fuzzer must not change when the engine's draws do.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.next_u64() % span,
            None => self.next_u64(),
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The generator of input `index` of a run seeded `seed`.
pub fn input_rng(seed: u64, index: u64) -> Rng {
    let mut r = Rng::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    r.next_u64();
    r
}

/// How long a target runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Budget {
    /// Exactly this many inputs (the long mode).
    Inputs(u64),
    /// As many as fit in this many seconds (at least a few hundred).
    Seconds(f64),
}

/// What to run, read from the environment.
///
/// - `FUZZ_INPUTS=N`: exactly N inputs per target (`scripts/dev.sh fuzz`:
///   1,000,000); otherwise `FUZZ_SECONDS` (default: the target's own, a
///   few seconds) bounds each target.
/// - `FUZZ_SEED=S`: the seed (default [`Config::DEFAULT_SEED`], so plain
///   `cargo test` checks the same inputs on every machine).
/// - `FUZZ_ONLY=K`: input K alone (to reproduce a failure).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    pub seed: u64,
    pub budget: Budget,
    pub only: Option<u64>,
}

impl Config {
    pub const DEFAULT_SEED: u64 = 20_261_201;
    /// Inputs run in any budget, however slow the machine.
    pub const MIN_INPUTS: u64 = 200;

    /// For a target whose inputs are whole runs: `FUZZ_INPUTS` scaled by
    /// `num / den` (at least one), the time budget unchanged.
    pub fn scaled(self, num: u64, den: u64) -> Config {
        let budget = match self.budget {
            Budget::Inputs(n) => Budget::Inputs((n.saturating_mul(num) / den.max(1)).max(1)),
            b => b,
        };
        Config { budget, ..self }
    }

    pub fn from_env(default_seconds: f64) -> Config {
        let num = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let seconds = std::env::var("FUZZ_SECONDS")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(default_seconds);
        Config {
            seed: num("FUZZ_SEED").unwrap_or(Config::DEFAULT_SEED),
            budget: match num("FUZZ_INPUTS") {
                Some(n) => Budget::Inputs(n),
                None => Budget::Seconds(seconds),
            },
            only: num("FUZZ_ONLY"),
        }
    }
}

/// What a check made of one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Taken as valid (and run, where that applies).
    Accepted,
    /// Refused with a message that names the field; the label groups the
    /// counts (the field).
    Rejected(String),
}

/// Counts of one target's run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub target: String,
    pub seed: u64,
    pub inputs: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Rejections by label.
    pub by_label: BTreeMap<String, u64>,
    /// `(input index, panic message)` of each failure.
    pub failures: Vec<(u64, String)>,
    pub seconds: f64,
}

impl Report {
    /// One line of counts, then the most common rejections.
    pub fn summary(&self) -> String {
        let mut labels: Vec<(&String, &u64)> = self.by_label.iter().collect();
        labels.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = labels
            .iter()
            .take(10)
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        format!(
            "fuzz {}: {} inputs (seed {}), {} accepted, {} rejected, {} failed, {:.1} s{}",
            self.target,
            self.inputs,
            self.seed,
            self.accepted,
            self.rejected,
            self.failures.len(),
            self.seconds,
            if top.is_empty() {
                String::new()
            } else {
                format!("; rejected by field: {}", top.join(", "))
            }
        )
    }

    /// Panics, listing the failures and how to reproduce each, if any.
    pub fn assert_clean(&self) {
        if self.failures.is_empty() {
            return;
        }
        let list: Vec<String> = self
            .failures
            .iter()
            .map(|(i, m)| {
                format!(
                    "  input {i}: {m}\n    reproduce: FUZZ_SEED={} FUZZ_ONLY={i} cargo test {} -- --nocapture",
                    self.seed, self.target
                )
            })
            .collect();
        panic!(
            "{}\n{}\nfailing inputs are saved in {}",
            self.summary(),
            list.join("\n"),
            failures_dir(&self.target).display()
        );
    }
}

/// Failures kept per run before it stops.
const MAX_FAILURES: usize = 8;

/// Where failing inputs are written: `target/fuzz-failures/<target>/`.
pub fn failures_dir(target: &str) -> PathBuf {
    let root = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    root.join("fuzz-failures").join(target)
}

/// The corpus of target `target`: every file of `corpus/<target>/`, by
/// name. Each holds one input that once failed.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(e.path()).expect("corpus file readable");
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

thread_local! {
    /// The last panic's message on this thread, while a check runs.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs (once) a panic hook that keeps quiet for checks run here and
/// records their message instead; other panics print as usual.
fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(|c| c.get()) {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f` and returns its result, or the panic's message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    CATCHING.with(|c| c.set(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(false));
    r.map_err(|_| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "(panic)".into())
    })
}

/// An input that has run longer than this is reported as a hang and the
/// process stops (`FUZZ_HANG_SECONDS`).
fn hang_limit() -> Duration {
    let s = std::env::var("FUZZ_HANG_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(60);
    Duration::from_secs(s)
}

/// Watches the input index of one run; stops the process if one input
/// takes longer than [`hang_limit`], saying which.
struct Watchdog {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(target: &str, seed: u64, current: Arc<AtomicU64>) -> Watchdog {
        let done = Arc::new(AtomicBool::new(false));
        let (target, flag) = (target.to_owned(), done.clone());
        let limit = hang_limit();
        let thread = std::thread::spawn(move || {
            let mut seen = u64::MAX;
            let mut since = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let now = current.load(Ordering::Relaxed);
                if now != seen {
                    (seen, since) = (now, Instant::now());
                } else if since.elapsed() > limit {
                    eprintln!(
                        "fuzz {target}: input {now} (seed {seed}) still running after {} s: a hang.\n    reproduce: FUZZ_SEED={seed} FUZZ_ONLY={now} cargo test {target} -- --nocapture",
                        limit.as_secs()
                    );
                    std::process::exit(101);
                }
            }
        });
        Watchdog {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How often a run says how far it got (on stderr).
const PROGRESS_EVERY: Duration = Duration::from_secs(60);

/// Runs target `target`: for each index, `generate` an input from its own
/// generator and `check` it; a panic in either is a failure (the input is
/// saved with `save` and the run goes on, up to a few failures). Prints the
/// counts and returns them; call [`Report::assert_clean`] to fail on failures.
pub fn run<I>(
    target: &str,
    config: &Config,
    generate: impl Fn(&mut Rng) -> I,
    mut check: impl FnMut(&I) -> Outcome,
    save: impl Fn(&I) -> Vec<u8>,
) -> Report {
    let started = Instant::now();
    let mut report = Report {
        target: target.to_owned(),
        seed: config.seed,
        ..Report::default()
    };
    let current = Arc::new(AtomicU64::new(0));
    let _watchdog = Watchdog::start(target, config.seed, current.clone());
    let indices: Box<dyn Iterator<Item = u64>> = match (config.only, config.budget) {
        (Some(k), _) => Box::new(std::iter::once(k)),
        (None, Budget::Inputs(n)) => Box::new(0..n),
        (None, Budget::Seconds(_)) => Box::new(0..),
    };
    let mut next_progress = PROGRESS_EVERY;
    for index in indices {
        if started.elapsed() >= next_progress {
            // A long run stopped early still says how far it got.
            eprintln!(
                "fuzz {target}: {index} inputs so far (seed {}), {} failed, {:.0} s",
                config.seed,
                report.failures.len(),
                started.elapsed().as_secs_f64()
            );
            next_progress += PROGRESS_EVERY;
        }
        if let (None, Budget::Seconds(s)) = (config.only, config.budget)
            && index >= Config::MIN_INPUTS
            && index % 16 == 0
            && started.elapsed().as_secs_f64() > s
        {
            break;
        }
        current.store(index, Ordering::Relaxed);
        let mut rng = input_rng(config.seed, index);
        let input = match catch(|| generate(&mut rng)) {
            Ok(i) => i,
            Err(m) => {
                report.failures.push((index, format!("generator: {m}")));
                break;
            }
        };
        report.inputs += 1;
        if config.only.is_some() {
            // Saved before it runs: it may be the one that hangs.
            save_input(target, config.seed, index, &save(&input));
        }
        let verdict = catch(|| check(&input));
        if config.only.is_none() && verdict.is_err() {
            save_input(target, config.seed, index, &save(&input));
        }
        match verdict {
            Ok(Outcome::Accepted) => report.accepted += 1,
            Ok(Outcome::Rejected(label)) => {
                report.rejected += 1;
                *report.by_label.entry(label).or_default() += 1;
            }
            Err(m) => {
                report.failures.push((index, m));
                if report.failures.len() >= MAX_FAILURES {
                    break;
                }
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    println!("{}", report.summary());
    report
}

fn save_input(target: &str, seed: u64, index: u64, bytes: &[u8]) {
    let dir = failures_dir(target);
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("seed-{seed}-input-{index}")), bytes);
    }
}

/// Runs `check` on every corpus file of `target` (decoded by `decode`);
/// panics naming each file that fails.
pub fn run_corpus<I>(
    target: &str,
    decode: impl Fn(&[u8]) -> I,
    mut check: impl FnMut(&I) -> Outcome,
) -> usize {
    let files = corpus(target);
    let mut failed = Vec::new();
    for (name, bytes) in &files {
        let input = decode(bytes);
        if let Err(m) = catch(|| check(&input)) {
            failed.push(format!("  corpus/{target}/{name}: {m}"));
        }
    }
    assert!(
        failed.is_empty(),
        "fuzz {target}: corpus inputs fail:\n{}",
        failed.join("\n")
    );
    println!("fuzz {target}: {} corpus inputs pass", files.len());
    files.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_depend_on_seed_and_index_only() {
        let a: Vec<u64> = (0..4).map(|i| input_rng(7, i).next_u64()).collect();
        let b: Vec<u64> = (0..4).map(|i| input_rng(7, i).next_u64()).collect();
        assert_eq!(a, b);
        assert_ne!(input_rng(7, 0).next_u64(), input_rng(8, 0).next_u64());
        let mut r = Rng::new(1);
        assert!((0..1000).all(|_| r.range(3, 5) >= 3 && r.range(3, 5) <= 5));
        // The full range does not overflow.
        let _ = r.range(0, u64::MAX);
    }

    #[test]
    fn a_panicking_check_is_a_failure_with_its_message_and_the_run_goes_on() {
        let config = Config {
            seed: 1,
            budget: Budget::Inputs(50),
            only: None,
        };
        let report = run(
            "driver_self_test",
            &config,
            |rng| rng.below(10),
            |&n| {
                assert!(n != 3, "three is bad");
                if n % 2 == 0 {
                    Outcome::Accepted
                } else {
                    Outcome::Rejected("odd".into())
                }
            },
            |n| n.to_string().into_bytes(),
        );
        assert!(!report.failures.is_empty());
        assert!(
            report.failures[0].1.starts_with("three is bad at "),
            "{report:?}"
        );
        assert_eq!(
            report.inputs,
            report.accepted + report.rejected + report.failures.len() as u64
        );
        assert!(report.summary().contains("rejected by field: odd"));
        let _ = std::fs::remove_dir_all(failures_dir("driver_self_test"));
    }
}
