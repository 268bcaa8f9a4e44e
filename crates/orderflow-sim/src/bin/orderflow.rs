//! `orderflow`: run scenarios from the command line.
//!
//! ```text
//! orderflow list
//! orderflow run <SCENARIO> [--seed N] [--orders N] [--completion MODE] [--trace FILE] [--max-events N]
//! orderflow mermaid <SCENARIO> --order ID [--seed N] [--orders N] [--completion MODE]
//! orderflow link <FILE> [--seed N] [--base URL]
//! orderflow check <FILE>
//! orderflow claims [SCENARIO] [--claim ID]
//! orderflow compare <DESIGN> <DESIGN> [DESIGN] [--seeds N] [--seed-start N] [--completion MODE]
//!                   [--id-source SOURCE] [--orders N] [--json] [--all]
//! orderflow bench [--customers N] [--orders N]
//! orderflow completions <SHELL>
//! orderflow help [COMMAND]
//! ```
//!
//! `<SCENARIO>` is a preset name (see `list`) or a path to a JSON file.
//! Arguments are parsed by clap (help per command, "did you mean" for a
//! misspelt flag). Bad input gives a message and exit status 2; nothing
//! panics on user input. A closed output pipe (`orderflow run mmc | head -1`)
//! ends the tool quietly with status 0, as Unix tools do.

// The tool is native only: its argument parser (clap) is a dependency for
// targets other than wasm32 (see Cargo.toml), so nothing of it is compiled
// for the browser, where only the library is used. On wasm32 this binary is
// an empty stub, which keeps `cargo clippy --workspace --all-targets
// --target wasm32-unknown-unknown` building.
#[cfg(not(target_arch = "wasm32"))]
#[path = "orderflow/cli.rs"]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
#[path = "orderflow/analyse.rs"]
mod analyse;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
