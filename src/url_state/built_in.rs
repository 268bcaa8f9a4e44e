//! Owns what `cmp=<id>` means in a link that also names the designs
//! (`vs=`): the built-in comparison's designs, as its definition states
//! them. What the link leaves out of a design (its mode, its order count,
//! its edits `d=`/`d2=`/`d3=`, the comparison's commands: shared faults
//! and the design's own) comes from the definition, so a short link
//! (`?preset=surge&vs=surge&cmp=surge-cost`) runs exactly what one click
//! runs; what the link states must agree with it. The page's own share
//! link states everything, and loads the same either way.

use orderflow_sim::comparisons::BuiltIn;
use orderflow_sim::{Command, Completion, SimTime, presets};

use super::{UrlCommand, UrlState};
use crate::session::Position;

/// One design as a link states it: the fields completed here.
struct Linked<'a> {
    preset: &'a str,
    mode: &'a mut Option<Completion>,
    orders: &'a mut Option<u64>,
    design: &'a mut Vec<orderflow_sim::design::Edit>,
    commands: &'a mut Vec<UrlCommand>,
}

impl UrlState {
    /// This link's designs completed from the built-in comparison `b`.
    /// An error, in words, when the link's designs are not `b`'s (another
    /// number of designs, another preset, or a mode, order count or edits
    /// that differ from its definition): the link's designs then run as
    /// it states them, without `b`'s names.
    pub fn with_built_in(&self, b: &BuiltIn) -> Result<UrlState, String> {
        let specs = b.specs()?;
        let count = self.others.len() + 1;
        if count != specs.len() {
            return Err(format!(
                "the link names {count} designs, {} has {}",
                b.id,
                specs.len()
            ));
        }
        let mut url = self.clone();
        let UrlState {
            preset,
            mode,
            orders,
            design,
            commands,
            others,
            ..
        } = &mut url;
        let first = Linked {
            preset,
            mode,
            orders,
            design,
            commands,
        };
        let rest = others.iter_mut().map(|o| Linked {
            preset: &o.preset,
            mode: &mut o.mode,
            orders: &mut o.orders,
            design: &mut o.design,
            commands: &mut o.commands,
        });
        for (k, (linked, (_, spec))) in std::iter::once(first).chain(rest).zip(&specs).enumerate() {
            let n = k + 1;
            if linked.preset != spec.preset {
                return Err(format!(
                    "design {n} is {}, not {} as in {}",
                    linked.preset, spec.preset, b.id
                ));
            }
            let own_mode = presets::scenario(&spec.preset).map(|s| s.client.completion);
            let wanted_mode = spec.mode.or(own_mode);
            match *linked.mode {
                None => *linked.mode = spec.mode,
                Some(m) if Some(m) == wanted_mode => *linked.mode = spec.mode,
                Some(m) => {
                    return Err(format!(
                        "design {n} learns outcomes by {}, not by {} as in {}",
                        m.as_str(),
                        wanted_mode.map_or("its preset's way", Completion::as_str),
                        b.id
                    ));
                }
            }
            match *linked.orders {
                None => *linked.orders = spec.orders,
                Some(o) if Some(o) == spec.orders => {}
                Some(o) => {
                    let wanted = spec
                        .orders
                        .map_or("its preset's own".to_owned(), |w| w.to_string());
                    return Err(format!(
                        "design {n} runs {o} orders, not {wanted} as in {}",
                        b.id
                    ));
                }
            }
            if linked.design.is_empty() {
                linked.design.clone_from(&spec.edits);
            } else if !same_edits(linked.design, &spec.edits) {
                return Err(format!("design {n}'s edits are not those of {}", b.id));
            }
            add_missing(linked.commands, &spec.commands);
        }
        Ok(url)
    }
}

/// The same edits, in any order.
fn same_edits(a: &[orderflow_sim::design::Edit], b: &[orderflow_sim::design::Edit]) -> bool {
    let key = |e: &orderflow_sim::design::Edit| (e.path.clone(), e.value.clone());
    let mut a: Vec<_> = a.iter().map(key).collect();
    let mut b: Vec<_> = b.iter().map(key).collect();
    a.sort();
    b.sort();
    a == b
}

/// Schedules from the start each of `wanted` (by time) that `commands`
/// does not record at that time already (applied, fired or waiting).
fn add_missing(commands: &mut Vec<UrlCommand>, wanted: &[(SimTime, Command)]) {
    let at = |c: &UrlCommand| match c {
        UrlCommand::Applied(a) | UrlCommand::Fired { applied: a, .. } => a.at,
        UrlCommand::Scheduled { at, .. } => *at,
    };
    let missing: Vec<UrlCommand> = wanted
        .iter()
        .filter(|(t, w)| !commands.iter().any(|c| at(c) == *t && c.command() == w))
        .map(|(t, w)| UrlCommand::Scheduled {
            at: *t,
            command: w.clone(),
            from: Position::START,
        })
        .collect();
    commands.extend(missing);
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderflow_sim::comparisons::{self, PAYMENT_QUEUED};
    use orderflow_sim::design::text;

    fn completed(query: &str) -> Result<UrlState, String> {
        let (url, notices) = UrlState::parse(query);
        assert!(notices.is_empty(), "{notices:?}");
        let b = comparisons::built_in(url.cmp.as_deref().unwrap()).unwrap();
        url.with_built_in(b)
    }

    fn texts(commands: &[UrlCommand]) -> Vec<String> {
        commands.iter().map(UrlCommand::text).collect()
    }

    #[test]
    fn a_short_link_gets_the_definitions_edits_modes_and_commands() {
        let url = completed("?preset=surge&vs=surge&cmp=surge-cost").unwrap();
        assert!(url.design.is_empty());
        assert_eq!(texts(&url.commands), ["-:0:rep:payment:2"]);
        assert_eq!(url.others[0].design, text::parse(PAYMENT_QUEUED).unwrap());
        assert!(url.others[0].commands.is_empty());

        let url =
            completed("?preset=async-write&vs=async-write~async-write&cmp=completion-channels")
                .unwrap();
        let modes: Vec<_> = std::iter::once(url.mode)
            .chain(url.others.iter().map(|o| o.mode))
            .collect();
        assert_eq!(
            modes,
            [
                Some(Completion::Polling),
                Some(Completion::Callback),
                Some(Completion::Sse)
            ]
        );

        let url =
            completed("?preset=sync-chain&vs=fire-and-forget~hybrid&cmp=payment-outage").unwrap();
        for c in std::iter::once(&url.commands).chain(url.others.iter().map(|o| &o.commands)) {
            assert_eq!(
                texts(c),
                ["-:15000000:down:payment", "-:25000000:up:payment"]
            );
        }
    }

    /// What the link records already is not added again; a command of
    /// its own stays.
    #[test]
    fn commands_the_link_records_are_kept_once() {
        let url = completed(
            "?preset=sync-chain&cmds=0_0_0:15000000:down:payment~-:25000000:up:payment~12:3000000:down:warehouse&vs=fire-and-forget~hybrid&cmp=payment-outage",
        )
        .unwrap();
        assert_eq!(
            texts(&url.commands),
            [
                "0_0_0:15000000:down:payment",
                "-:25000000:up:payment",
                "12:3000000:down:warehouse"
            ]
        );
        // The same command at another time is another command.
        let url =
            completed("?preset=surge&cmds=5:1000:rep:payment:2&vs=surge&cmp=surge-cost").unwrap();
        assert_eq!(
            texts(&url.commands),
            ["5:1000:rep:payment:2", "-:0:rep:payment:2"]
        );
    }

    #[test]
    fn a_link_stating_what_the_definition_states_is_the_built_in() {
        let d2 = text::to_link(&text::parse(PAYMENT_QUEUED).unwrap());
        let short = completed("?preset=surge&vs=surge&cmp=surge-cost").unwrap();
        let full = completed(&format!("?preset=surge&vs=surge&d2={d2}&cmp=surge-cost")).unwrap();
        assert_eq!(short, full);
        // A mode stated as the preset's own is the definition's too.
        assert!(
            completed("?preset=payment-breaker&mode=sync&vs=payment-breaker~payment-backup&cmp=breaker-hanging-provider")
                .is_ok()
        );
    }

    #[test]
    fn designs_that_are_not_the_built_ins_are_named() {
        let err = |q: &str| completed(q).unwrap_err();
        assert_eq!(
            err("?preset=surge&vs=hybrid&cmp=surge-cost"),
            "design 2 is hybrid, not surge as in surge-cost"
        );
        assert_eq!(
            err("?preset=surge&cmp=surge-cost&vs=surge~surge"),
            "the link names 3 designs, surge-cost has 2"
        );
        assert_eq!(
            err("?preset=surge&vs=surge&d2=s.payment.replicas:3&cmp=surge-cost"),
            "design 2's edits are not those of surge-cost"
        );
        assert_eq!(
            err("?preset=async-write&vs=async-write.polling~async-write&cmp=completion-channels"),
            "design 2 learns outcomes by polling, not by callback as in completion-channels"
        );
        assert_eq!(
            err("?preset=surge&orders=10&vs=surge&cmp=surge-cost"),
            "design 1 runs 10 orders, not its preset's own as in surge-cost"
        );
    }
}
