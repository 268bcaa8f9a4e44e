//! Owns the view models of the scenario bar and the transport: the speed
//! slider's scale, the pattern and completion-mode choices, what a typed
//! number means, the timeline, the progress bar, the embed mode's counters,
//! and which key does what. Plain Rust, tested natively.

use orderflow_sim::{Completion, IdSource, SimTime, presets};

use crate::scene::Counters;
use crate::url_state::{MAX_ORDERS, MAX_SPEED, MIN_SPEED};

/// Speed as a slider position (log scale, 0..=1000) and back.
pub fn speed_to_slider(speed: f64) -> f64 {
    let (lo, hi) = (MIN_SPEED.ln(), MAX_SPEED.ln());
    ((speed.clamp(MIN_SPEED, MAX_SPEED).ln() - lo) / (hi - lo) * 1000.0).round()
}

/// The speed at a slider position, rounded to two significant digits.
pub fn slider_to_speed(pos: f64) -> f64 {
    let (lo, hi) = (MIN_SPEED.ln(), MAX_SPEED.ln());
    let raw = (lo + (pos.clamp(0.0, 1000.0) / 1000.0) * (hi - lo)).exp();
    let mag = 10f64.powf(raw.log10().floor() - 1.0);
    ((raw / mag).round() * mag).clamp(MIN_SPEED, MAX_SPEED)
}

/// A speed for display: `0.1×`, `25×`.
pub fn speed_label(speed: f64) -> String {
    if speed < 1.0 {
        format!("{speed:.1}×")
    } else {
        format!("{}×", (speed * 10.0).round() / 10.0)
    }
}

/// Every pattern for the picker: (preset name, title).
pub fn preset_options() -> Vec<(&'static str, String)> {
    presets::NAMES
        .iter()
        .map(|name| {
            let title = presets::scenario(name).map_or_else(|| name.to_string(), |s| s.title);
            (*name, title)
        })
        .collect()
}

/// How a completion mode reads in the scenario bar.
pub fn mode_label(mode: Completion) -> &'static str {
    match mode {
        Completion::Sync => "sync response",
        Completion::Polling => "202 + polling",
        Completion::Callback => "202 + callback",
        // Server-sent events, the old "push" (the name stays in the label).
        Completion::Sse => "202 + push (SSE)",
        Completion::Websocket => "202 + WebSocket",
    }
}

/// One radio button of the completion modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeOption {
    pub mode: Completion,
    pub label: &'static str,
    /// The pattern supports this mode.
    pub enabled: bool,
}

/// Every completion mode, enabled where the pattern `allowed` it.
pub fn mode_options(allowed: &[Completion]) -> Vec<ModeOption> {
    Completion::ALL
        .into_iter()
        .map(|mode| ModeOption {
            mode,
            label: mode_label(mode),
            enabled: allowed.contains(&mode),
        })
        .collect()
}

/// How an id source reads in the scenario bar: 003's three ways to get
/// the id the client checks the order's status with.
pub fn id_label(id: IdSource) -> &'static str {
    match id {
        IdSource::Server => "the service makes it",
        IdSource::Client => "the client makes it",
        IdSource::IdService => "from the Id Service",
    }
}

/// One radio button of the id sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdOption {
    pub id: IdSource,
    pub label: &'static str,
    /// The pattern can take it (the Id Service only where there is one).
    pub enabled: bool,
}

/// The id sources offered, or none where the choice means nothing: a
/// pattern whose client only ever waits for a synchronous answer has no id
/// to check a status with. Offered for every pattern that answers 202 in
/// some mode, or has an Id Service.
pub fn id_options(allowed: &[Completion], has_id_service: bool) -> Vec<IdOption> {
    let answers_202 = allowed.iter().any(|m| *m != Completion::Sync);
    if !answers_202 && !has_id_service {
        return Vec::new();
    }
    IdSource::ALL
        .into_iter()
        .map(|id| IdOption {
            id,
            label: id_label(id),
            enabled: id != IdSource::IdService || has_id_service,
        })
        .collect()
}

/// A seed typed into its field.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| "seed: must be a whole number".to_owned())
}

/// An order count typed into its field: 1 to [`MAX_ORDERS`].
pub fn parse_orders(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_ORDERS).contains(&n) => Ok(n),
        _ => Err(format!(
            "orders: must be a whole number from 1 to {MAX_ORDERS}"
        )),
    }
}

/// Orders to fast-forward, typed: clamped to 1 to [`MAX_ORDERS`]; `None`
/// (keep the previous number) if it is not a whole number.
pub fn parse_fast_forward(text: &str) -> Option<u64> {
    text.trim()
        .parse::<u64>()
        .ok()
        .map(|n| n.clamp(1, MAX_ORDERS))
}

/// The transport's clock: `t = 1.250s`.
pub fn time_label(t: SimTime) -> String {
    format!("t = {t}")
}

/// The timeline slider's range end, in milliseconds (at least 1, so an
/// empty run still has a slider).
pub fn timeline_max(furthest: SimTime) -> String {
    furthest.as_millis().max(1).to_string()
}

/// The timeline slider's position, in milliseconds.
pub fn timeline_value(now: SimTime) -> String {
    now.as_millis().to_string()
}

/// The time a timeline position (milliseconds) stands for.
pub fn timeline_target(value: &str) -> Option<SimTime> {
    value.parse::<u64>().ok().map(SimTime::from_millis)
}

/// The progress bar's value: the share of a fast-forward done, or half
/// while a seek is under way (a seek's length is not known ahead). `None`
/// when there is nothing to show.
pub fn progress(ff_progress: Option<f64>, seeking: bool) -> Option<f64> {
    match ff_progress {
        Some(p) => Some(p),
        None if seeking => Some(0.5),
        None => None,
    }
}

/// The embed mode's one-line counters. "Failed" counts every order that
/// ended without its goods, cleanly or compensated.
pub fn mini_counters(c: &Counters) -> String {
    format!(
        "{} completed · {} failed · {} inconsistent",
        c.completed,
        c.failed + c.compensated,
        c.inconsistent
    )
}

/// The play button: (accessible name, text).
pub fn play_button(playing: bool) -> (&'static str, &'static str) {
    if playing {
        ("Pause", "❚❚ Pause")
    } else {
        ("Play", "▶ Play")
    }
}

/// The share button's text: it says when the link was copied.
pub fn share_label(copied: bool) -> &'static str {
    if copied { "Link copied" } else { "Share" }
}

/// What a keyboard shortcut does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    /// Space: play or pause.
    Toggle,
    /// →: the next event.
    Step,
    /// `+`: the next speed up.
    Faster,
    /// `−`: the next speed down.
    Slower,
}

impl Shortcut {
    /// The shortcut of a `KeyboardEvent.key`, if any.
    pub fn of_key(key: &str) -> Option<Shortcut> {
        match key {
            " " => Some(Shortcut::Toggle),
            "ArrowRight" => Some(Shortcut::Step),
            "+" | "=" => Some(Shortcut::Faster),
            "-" | "_" => Some(Shortcut::Slower),
            _ => None,
        }
    }

    /// True when the browser's own action for the key (scrolling) must not
    /// happen as well.
    pub fn prevents_default(self) -> bool {
        matches!(self, Shortcut::Toggle | Shortcut::Step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_speed_slider_is_logarithmic_and_round() {
        assert_eq!(speed_to_slider(MIN_SPEED), 0.0);
        assert_eq!(speed_to_slider(MAX_SPEED), 1000.0);
        assert_eq!(slider_to_speed(0.0), MIN_SPEED);
        assert_eq!(slider_to_speed(1000.0), MAX_SPEED);
        assert_eq!(slider_to_speed(speed_to_slider(1.0)), 1.0);
        assert_eq!(slider_to_speed(speed_to_slider(10.0)), 10.0);
        let mid = slider_to_speed(500.0);
        assert!((9.0..=11.0).contains(&mid), "{mid}");
        assert_eq!(speed_label(0.5), "0.5×");
        assert_eq!(speed_label(25.0), "25×");
        assert_eq!(speed_label(2.54), "2.5×");
    }

    #[test]
    fn every_pattern_is_offered_by_its_title() {
        let options = preset_options();
        assert_eq!(options.len(), presets::NAMES.len());
        let (name, title) = &options[0];
        assert_eq!(*name, presets::NAMES[0]);
        assert_eq!(*title, presets::scenario(name).unwrap().title);
        assert!(options.iter().all(|(n, t)| !t.is_empty() && t != n));
    }

    #[test]
    fn modes_are_enabled_where_the_pattern_allows_them() {
        let options = mode_options(&[Completion::Polling, Completion::Push]);
        let labels: Vec<(&str, bool)> = options.iter().map(|o| (o.label, o.enabled)).collect();
        assert_eq!(
            labels,
            [
                ("sync response", false),
                ("202 + polling", true),
                ("202 + callback", false),
                ("202 + push (SSE)", true),
                ("202 + WebSocket", false)
            ]
        );
    }

    #[test]
    fn the_id_choice_is_offered_where_a_202_answer_is() {
        let labels = |allowed: &[Completion], ids: bool| -> Vec<(&str, bool)> {
            id_options(allowed, ids)
                .iter()
                .map(|o| (o.label, o.enabled))
                .collect()
        };
        assert_eq!(
            labels(&[Completion::Sync, Completion::Polling], true),
            [
                ("the service makes it", true),
                ("the client makes it", true),
                ("from the Id Service", true)
            ]
        );
        assert_eq!(
            labels(&[Completion::Callback], false),
            [
                ("the service makes it", true),
                ("the client makes it", true),
                ("from the Id Service", false)
            ]
        );
        assert!(labels(&[Completion::Sync], false).is_empty());
        // Every preset: offered exactly where a mode answers 202.
        for name in presets::NAMES {
            let m = presets::model(name).unwrap().unwrap();
            let offered = !id_options(&m.client.allowed, m.client.id_service.is_some()).is_empty();
            let async_mode = m.client.allowed.iter().any(|c| *c != Completion::Sync);
            assert_eq!(offered, async_mode, "{name}");
        }
    }

    #[test]
    fn typed_numbers_are_checked_and_named() {
        assert_eq!(parse_seed(" 42 "), Ok(42));
        assert_eq!(
            parse_seed("4.2"),
            Err("seed: must be a whole number".into())
        );
        assert_eq!(parse_orders("300"), Ok(300));
        for bad in ["0", "-3", "lots", "1000001"] {
            assert_eq!(
                parse_orders(bad),
                Err("orders: must be a whole number from 1 to 1000000".into()),
                "{bad}"
            );
        }
        assert_eq!(parse_fast_forward("0"), Some(1));
        assert_eq!(parse_fast_forward("5000000"), Some(MAX_ORDERS));
        assert_eq!(parse_fast_forward("250"), Some(250));
        assert_eq!(parse_fast_forward("x"), None);
    }

    #[test]
    fn the_timeline_and_the_clock_read_in_milliseconds() {
        assert_eq!(timeline_max(SimTime::ZERO), "1");
        assert_eq!(timeline_max(SimTime::from_millis(8_012)), "8012");
        assert_eq!(timeline_value(SimTime(8_012_345)), "8012");
        assert_eq!(timeline_target("8012"), Some(SimTime::from_millis(8_012)));
        assert_eq!(timeline_target("-1"), None);
        assert_eq!(time_label(SimTime::from_millis(1_250)), "t = 1.250s");
    }

    #[test]
    fn progress_shows_the_fast_forward_or_a_seek() {
        assert_eq!(progress(Some(0.25), false), Some(0.25));
        assert_eq!(progress(Some(0.25), true), Some(0.25));
        assert_eq!(progress(None, true), Some(0.5));
        assert_eq!(progress(None, false), None);
    }

    #[test]
    fn embed_counters_add_compensated_to_failed() {
        let c = Counters {
            completed: 7,
            failed: 2,
            compensated: 3,
            inconsistent: 1,
            ..Counters::default()
        };
        assert_eq!(mini_counters(&c), "7 completed · 5 failed · 1 inconsistent");
        assert_eq!(play_button(true), ("Pause", "❚❚ Pause"));
        assert_eq!(play_button(false).0, "Play");
        assert_eq!(share_label(true), "Link copied");
    }

    #[test]
    fn keys_map_to_shortcuts() {
        assert_eq!(Shortcut::of_key(" "), Some(Shortcut::Toggle));
        assert_eq!(Shortcut::of_key("ArrowRight"), Some(Shortcut::Step));
        assert_eq!(Shortcut::of_key("="), Some(Shortcut::Faster));
        assert_eq!(Shortcut::of_key("_"), Some(Shortcut::Slower));
        assert_eq!(Shortcut::of_key("a"), None);
        assert!(Shortcut::Toggle.prevents_default());
        assert!(!Shortcut::Faster.prevents_default());
    }
}
