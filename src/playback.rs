//! Owns the playback: playing or paused, how fast, and where the display
//! time is. One playback moves every run.
//!
//! Pure state: the animation driver feeds it wall-clock timestamps and gets
//! back the simulated time to show. Nothing here reads a clock.

use orderflow_sim::SimTime;

use crate::url_state::{MAX_SPEED, MIN_SPEED};

/// Speeds offered by the + and − keys.
pub const SPEED_STEPS: [f64; 13] = [
    0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
];

/// The longest wall-clock gap a single frame may cover. After a pause in
/// rendering (a background tab) the animation resumes instead of leaping.
pub const MAX_FRAME_GAP_MS: f64 = 100.0;

/// Playback state.
#[derive(Clone, Debug, PartialEq)]
pub struct Playback {
    playing: bool,
    speed: f64,
    /// Display time in microseconds (fractional, so slow speeds accumulate).
    cursor_us: f64,
    last_wall_ms: Option<f64>,
}

impl Playback {
    /// Paused at time zero.
    pub fn new(speed: f64) -> Playback {
        Playback {
            playing: false,
            speed: speed.clamp(MIN_SPEED, MAX_SPEED),
            cursor_us: 0.0,
            last_wall_ms: None,
        }
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The display time.
    pub fn cursor(&self) -> SimTime {
        SimTime(self.cursor_us.round() as u64)
    }

    pub fn play(&mut self) {
        self.playing = true;
        self.last_wall_ms = None;
    }

    pub fn pause(&mut self) {
        self.playing = false;
        self.last_wall_ms = None;
    }

    pub fn toggle(&mut self) {
        if self.playing {
            self.pause()
        } else {
            self.play()
        }
    }

    /// Sets the speed, clamped to the allowed range.
    pub fn set_speed(&mut self, speed: f64) {
        if speed.is_finite() {
            self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
        }
    }

    /// The next speed step up.
    pub fn faster(&mut self) {
        if let Some(s) = SPEED_STEPS.iter().find(|s| **s > self.speed * 1.0001) {
            self.speed = *s;
        }
    }

    /// The next speed step down.
    pub fn slower(&mut self) {
        if let Some(s) = SPEED_STEPS.iter().rev().find(|s| **s < self.speed / 1.0001) {
            self.speed = *s;
        }
    }

    /// Moves the display time (seek, step, restart).
    pub fn seek(&mut self, t: SimTime) {
        self.cursor_us = t.as_micros() as f64;
    }

    /// A frame at wall-clock `wall_ms`: advances the display time by the
    /// elapsed wall time × speed while playing. Returns the display time.
    pub fn tick(&mut self, wall_ms: f64) -> SimTime {
        if self.playing {
            if let Some(last) = self.last_wall_ms {
                let dt = (wall_ms - last).clamp(0.0, MAX_FRAME_GAP_MS);
                self.cursor_us += dt * 1_000.0 * self.speed;
            }
            self.last_wall_ms = Some(wall_ms);
        }
        self.cursor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_time_times_speed_moves_the_cursor() {
        let mut p = Playback::new(10.0);
        assert_eq!(p.tick(0.0), SimTime::ZERO, "paused: no movement");
        p.play();
        p.tick(1_000.0); // first frame only sets the reference
        assert_eq!(p.tick(1_016.0), SimTime::from_millis(160));
        assert_eq!(p.tick(1_032.0), SimTime::from_millis(320));
        p.pause();
        assert_eq!(p.tick(5_000.0), SimTime::from_millis(320));
    }

    #[test]
    fn a_long_gap_is_clamped() {
        let mut p = Playback::new(1.0);
        p.play();
        p.tick(0.0);
        assert_eq!(p.tick(60_000.0), SimTime::from_millis(100));
    }

    #[test]
    fn slow_speeds_accumulate_fractions() {
        let mut p = Playback::new(0.1);
        p.play();
        p.tick(0.0);
        for i in 1..=100 {
            p.tick(f64::from(i) * 0.016);
        }
        // 1.6 ms of wall time at 0.1× = 160 µs.
        assert_eq!(p.cursor(), SimTime(160));
    }

    #[test]
    fn speed_steps_and_bounds() {
        let mut p = Playback::new(1.0);
        p.faster();
        assert_eq!(p.speed(), 2.0);
        p.slower();
        p.slower();
        assert_eq!(p.speed(), 0.5);
        p.set_speed(1e9);
        assert_eq!(p.speed(), MAX_SPEED);
        p.faster();
        assert_eq!(p.speed(), MAX_SPEED);
        p.set_speed(0.0);
        assert_eq!(p.speed(), MIN_SPEED);
        p.slower();
        assert_eq!(p.speed(), MIN_SPEED);
        p.set_speed(f64::NAN);
        assert_eq!(p.speed(), MIN_SPEED);
        p.set_speed(3.0);
        p.faster();
        assert_eq!(p.speed(), 5.0);
    }

    #[test]
    fn seek_moves_and_resumes_from_there() {
        let mut p = Playback::new(1.0);
        p.seek(SimTime::from_secs(5));
        p.play();
        p.tick(10.0);
        assert_eq!(p.tick(20.0), SimTime(5_010_000));
    }
}
