//! Commands: carrying one out (checked by [`Model::resolve_command`]), recording it, and the timed commands that wait for
//! their moment ("up again in 10 s").

use super::world::World;
use crate::command::{AppliedCommand, Command, CommandError, ResolvedCommand};
use crate::model::*;
use crate::time::SimTime;
use crate::trace::TraceKind;

/// Timed commands waiting at once, per run.
pub const MAX_TIMED_COMMANDS: usize = crate::model::bounds::TIMED_COMMANDS;

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
                "commands: at most {} per run",
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
                "at: at most {MAX_TIMED_COMMANDS} scheduled commands"
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
        let resolved = m.resolve_command(&cmd).expect("validated when scheduled");
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
    pub(super) fn on_fault(&mut self, m: &Model, i: FaultId) {
        let (_, cmd) = &m.faults[i];
        let resolved = m
            .resolve_command(cmd)
            .expect("faults are checked by compile");
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
                self.services.set_latency_factor(service, factor)
            }
            ResolvedCommand::SetErrorRate { service, rate } => {
                self.services.set_error_rate(service, rate)
            }
            ResolvedCommand::SetDropRate { service, rate } => {
                self.services.set_drop_rate(service, rate)
            }
            ResolvedCommand::SetReplicas { service, replicas } => {
                self.set_replicas(m, service, replicas)
            }
            ResolvedCommand::RestartBroker { downtime_us } => self.restart_broker(m, downtime_us),
            ResolvedCommand::SetStock { sku, units } => self.set_stock(m, sku, units),
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
