//! Random sequences of decisions, changes, `advance`, sweeps at random times, reiteration
//! and `close` over a small two-stage campaign keep the invariants the support module
//! checks after every step (every item in review has an open work item in an open case of
//! the running stage; the detail's counts add up; `casebench check` is clean; the due tree
//! holds exactly the runs' timers), and no decision is recorded at or after a deadline.

mod campaign_support;

use casebench::clock::Clock;
use casebench::domain::duration::Span;
use chrono::Duration;
use proptest::prelude::*;

use campaign_support::{def, stage, world, World};
use casebench::domain::campaign::{Decision, NoResponse, ReviewerSource, RunState, StageItems};

#[derive(Debug, Clone)]
enum Step {
    /// Item (index), decision (index), by its reviewer or by someone else.
    Decide(usize, u8, bool),
    Advance,
    /// Hours on, then a sweep.
    Sweep(u16),
    Reiterate,
    Close,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0usize..4, 0u8..4, any::<bool>()).prop_map(|(i, d, r)| Step::Decide(i, d, r)),
        1 => Just(Step::Advance),
        3 => (1u16..100).prop_map(Step::Sweep),
        1 => Just(Step::Reiterate),
        1 => Just(Step::Close),
    ]
}

fn decision(d: u8) -> Decision {
    match d {
        0 => Decision::Accept,
        1 => Decision::Revoke,
        2 => Decision::Reduce(vec![("groups".into(), "fin-ro".into())]),
        _ => Decision::NotDecided,
    }
}

fn campaign() -> World {
    let w = world();
    for (who, groups) in [("bob", "fin-ro;fin-rw"), ("carl", "fin-ro"), ("eve", "hr")] {
        w.account(who, groups);
    }
    w.account("dora", "fin-ro;hr");
    let mut first = stage(
        ReviewerSource::Manager,
        StageItems::All,
        NoResponse::Escalate,
    );
    first.escalate_for = Some(Span::Wall(86_400));
    first.reminders = vec![Span::Wall(48 * 3600), Span::Wall(12 * 3600)];
    let second = stage(
        ReviewerSource::Owners,
        StageItems::Accepted,
        NoResponse::Revoke,
    );
    w.import(def(vec![first, second]));
    w.start();
    w
}

/// Who acts on item `no`: its reviewer (olga for a group), or someone it is not for.
fn actor(w: &World, no: u32, reviewer: bool) -> String {
    let items = w.items();
    let item = items.iter().find(|i| i.no == no).unwrap();
    match (reviewer, item.reviewer.as_deref()) {
        (true, Some(r)) if r.starts_with('@') => "olga".into(),
        (true, Some(r)) => r.into(),
        _ => "carl".into(),
    }
}

fn run(w: &World, steps: &[Step]) {
    for s in steps {
        match s {
            Step::Decide(i, d, by_reviewer) => {
                let no = *i as u32 + 1;
                let who = actor(w, no, *by_reviewer);
                let before = w.detail().run;
                let now = w.clock.now();
                let said = w.decide(&who, vec![no], decision(*d));
                if said.is_ok() {
                    assert_eq!(before.state, RunState::InReview);
                    let deadline = before.stage_deadline.expect("a running stage");
                    assert!(now < deadline, "decided at {now}, deadline {deadline}");
                }
            }
            Step::Advance => {
                let _ = w.run_cmd("advance");
            }
            Step::Sweep(h) => w.sweep_at(w.clock.now() + Duration::hours(*h as i64)),
            Step::Reiterate => {
                let _ = w.run_cmd("reiterate");
            }
            Step::Close => {
                let _ = w.run_cmd("close");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]
    #[test]
    fn random_campaign_steps_keep_the_invariants(steps in prop::collection::vec(step(), 1..30)) {
        let w = campaign();
        run(&w, &steps);
    }
}
