//! Commands: checking one against the model ([`ResolvedCommand::resolve`]),
//! carrying it out, recording it, and the timed commands that wait for
//! their moment ("up again in 10 s").

use super::world::World;
use crate::command::{AppliedCommand, Command, CommandError};
use crate::ids::*;
use crate::model::*;
use crate::scenario::ServiceKind;
use crate::time::SimTime;
use crate::trace::TraceKind;

/// Timed commands waiting at once, per run.
pub const MAX_TIMED_COMMANDS: usize = 100;

/// A command checked against the model, with its names resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ResolvedCommand {
    SetUp { service: ServiceId, up: bool },
    SetLatencyFactor { service: ServiceId, factor: f64 },
    SetErrorRate { service: ServiceId, rate: f64 },
    SetDropRate { service: ServiceId, rate: f64 },
    SetReplicas { service: ServiceId, replicas: u32 },
    RestartBroker { downtime_us: u64 },
}

impl ResolvedCommand {
    /// Checks `cmd` against `m`: the service exists and takes this kind of
    /// command, numbers are in range. The error names the field.
    pub fn resolve(m: &Model, cmd: &Command) -> Result<ResolvedCommand, CommandError> {
        let service = |id: &str| {
            m.service_index(id)
                .ok_or_else(|| CommandError(format!("service: no service {id:?}")))
        };
        let rate = |r: f64, field: &str| {
            if (0.0..=1.0).contains(&r) {
                Ok(r)
            } else {
                Err(CommandError(format!("{field}: must be between 0 and 1")))
            }
        };
        Ok(match cmd {
            Command::SetUp { service: s, up } => ResolvedCommand::SetUp {
                service: service(s)?,
                up: *up,
            },
            Command::SetLatencyFactor { service: s, factor } => {
                let service = service(s)?;
                if !(factor.is_finite() && *factor > 0.0 && *factor <= 1_000.0) {
                    return Err(CommandError("factor: must be > 0 and at most 1000".into()));
                }
                ResolvedCommand::SetLatencyFactor {
                    service,
                    factor: *factor,
                }
            }
            Command::SetErrorRate {
                service: s,
                rate: r,
            } => ResolvedCommand::SetErrorRate {
                service: service(s)?,
                rate: rate(*r, "rate")?,
            },
            Command::SetDropRate {
                service: s,
                rate: r,
            } => ResolvedCommand::SetDropRate {
                service: service(s)?,
                rate: rate(*r, "rate")?,
            },
            Command::SetReplicas {
                service: s,
                replicas,
            } => {
                let i = service(s)?;
                if matches!(
                    m.services[i as usize].kind,
                    ServiceKind::Client | ServiceKind::Broker
                ) {
                    return Err(CommandError(
                        "service: clients and brokers have no replicas".into(),
                    ));
                }
                if !(1..=bounds::REPLICAS).contains(replicas) {
                    return Err(CommandError(format!(
                        "replicas: must be between 1 and {}",
                        bounds::REPLICAS
                    )));
                }
                ResolvedCommand::SetReplicas {
                    service: i,
                    replicas: *replicas,
                }
            }
            Command::RestartBroker { downtime_ms } => {
                if m.broker_service.is_none() {
                    return Err(CommandError("the scenario has no broker".into()));
                }
                if *downtime_ms > bounds::DURATION_MS {
                    return Err(CommandError("downtime_ms: too long".into()));
                }
                ResolvedCommand::RestartBroker {
                    downtime_us: downtime_ms * 1_000,
                }
            }
        })
    }
}

/// Commands waiting for their time, in firing order (by time, then in the
/// order they were scheduled).
#[derive(Clone, Debug, Default)]
pub(super) struct TimedCommands {
    pending: Vec<(SimTime, Command)>,
}

impl TimedCommands {
    pub fn pending(&self) -> &[(SimTime, Command)] {
        &self.pending
    }

    /// Time of the first one, if any.
    #[inline]
    pub fn next_due(&self) -> Option<SimTime> {
        self.pending.first().map(|(t, _)| *t)
    }

    fn insert(&mut self, at: SimTime, cmd: Command) {
        let i = self.pending.partition_point(|(t, _)| *t <= at);
        self.pending.insert(i, (at, cmd));
    }

    fn pop(&mut self) -> Option<(SimTime, Command)> {
        (!self.pending.is_empty()).then(|| self.pending.remove(0))
    }

    pub fn take(&mut self) -> Vec<(SimTime, Command)> {
        std::mem::take(&mut self.pending)
    }
}

impl World {
    /// Refuses when fewer than `n` more commands may be recorded.
    pub(super) fn check_command_room(&self, m: &Model, n: usize) -> Result<(), CommandError> {
        if self.commands.len() + n > m.limits.max_commands as usize {
            return Err(CommandError(format!(
                "at most {} commands per run",
                m.limits.max_commands
            )));
        }
        Ok(())
    }

    /// Records `cmd` at the current position and carries it out.
    pub(super) fn apply_now(&mut self, m: &Model, cmd: Command, resolved: ResolvedCommand) {
        self.execute(m, &cmd, resolved, false);
        self.commands.push(AppliedCommand {
            at: self.now,
            after_events: self.events_processed,
            command: cmd,
        });
        self.settle();
    }

    /// Holds a validated `cmd` until `at`.
    pub(super) fn schedule_command(
        &mut self,
        at: SimTime,
        cmd: Command,
    ) -> Result<(), CommandError> {
        if at < self.now {
            return Err(CommandError(format!(
                "at: {at} is in the past (now {})",
                self.now
            )));
        }
        if self.timed.pending().len() >= MAX_TIMED_COMMANDS {
            return Err(CommandError(format!(
                "at most {MAX_TIMED_COMMANDS} scheduled commands"
            )));
        }
        self.timed.insert(at, cmd);
        Ok(())
    }

    /// True when the first timed command comes before the next event: every
    /// event at or before its time has run.
    #[inline]
    pub(super) fn timed_command_due(&self) -> bool {
        self.timed
            .next_due()
            .is_some_and(|due| self.timers.next_time().is_none_or(|next| next > due))
    }

    /// Fires the first timed command at its time. A command that can no
    /// longer be recorded (the run's command limit) is dropped.
    pub(super) fn fire_timed_command(&mut self, m: &Model) {
        let Some((at, cmd)) = self.timed.pop() else {
            return;
        };
        self.advance_clock(m, at);
        if self.check_command_room(m, 1).is_err() {
            return;
        }
        let resolved = ResolvedCommand::resolve(m, &cmd).expect("validated when scheduled");
        self.apply_now(m, cmd, resolved);
    }

    /// Moves the clock forward to `t` (never back), taking the samples due
    /// on the way.
    pub(super) fn advance_clock(&mut self, m: &Model, t: SimTime) {
        if t > self.now {
            self.sample_until(m, t);
            self.now = t;
        }
    }

    /// A scenario fault comes due.
    pub(super) fn on_fault(&mut self, m: &Model, i: u32) {
        let (_, cmd) = &m.faults[i as usize];
        let resolved = ResolvedCommand::resolve(m, cmd).expect("faults are checked by compile");
        self.execute(m, cmd, resolved, true);
    }

    /// Carries out a command (a scheduled fault of the scenario when
    /// `scheduled`).
    fn execute(&mut self, m: &Model, cmd: &Command, resolved: ResolvedCommand, scheduled: bool) {
        // Commands change what makes timers stale.
        self.timers.unsettle();
        self.trace(
            m,
            TraceKind::Command {
                command: cmd.clone(),
                scheduled,
            },
        );
        match resolved {
            ResolvedCommand::SetUp { service, up } => self.set_up(m, service, up),
            ResolvedCommand::SetLatencyFactor { service, factor } => {
                self.services[service as usize].latency_factor = factor
            }
            ResolvedCommand::SetErrorRate { service, rate } => {
                self.services[service as usize].error_rate = rate
            }
            ResolvedCommand::SetDropRate { service, rate } => {
                self.services[service as usize].drop_rate = rate
            }
            ResolvedCommand::SetReplicas { service, replicas } => {
                self.set_replicas(m, service, replicas)
            }
            ResolvedCommand::RestartBroker { downtime_us } => self.restart_broker(m, downtime_us),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(i: u32) -> Command {
        Command::SetReplicas {
            service: "s".into(),
            replicas: i,
        }
    }

    #[test]
    fn timed_commands_fire_by_time_then_in_scheduling_order() {
        let mut t = TimedCommands::default();
        t.insert(SimTime(20), cmd(1));
        t.insert(SimTime(10), cmd(2));
        t.insert(SimTime(20), cmd(3));
        assert_eq!(t.next_due(), Some(SimTime(10)));
        let order: Vec<Command> = std::iter::from_fn(|| t.pop().map(|(_, c)| c)).collect();
        assert_eq!(order, [cmd(2), cmd(1), cmd(3)]);
    }
}
