//! Random sequences of operations on approval workflows never break their invariants: a
//! request in approval has open steps whose work items are open and held as the steps are,
//! a request out of approval has none; steps are approved only with their count (or whole);
//! the approval case follows the request; the store's indexes equal what the entities
//! derive (`check`); one live request per recipient and single-request product; a refused
//! command and a dry-run sweep change nothing, and a dry run foretells the sweep.

use casebench::domain::duration::Span;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use casebench::api::{
    Command, GroupSettings, OrgImport, Service, ServiceExt, SweepArgs, SweepReport, UserRecord,
};
use casebench::domain::approval::{
    Approvers, How, Level, NoApprover, OnTimeout, SelfApproval, Step, StepState,
};
use casebench::domain::{
    ApprovalPolicy, Case, CaseId, CaseState, DelegationMethod, OrgUnit, Outcome, Product, Request,
    RequestId, RequestState, Target, WorkItem, WorkItemId,
};
use casebench::engine::{Clock, Engine, ManualClock};
use casebench::store::Storage;

const ACTORS: [&str; 8] = [
    "root", "ann", "bob", "cid", "carol", "dave", "erin", "frank",
];
const GROUPS: [&str; 3] = ["staff", "owners", "chiefs"];
const PRODUCTS: [&str; 4] = ["vpn", "sap", "laptop", "wiki"];
const DAY: i64 = 86_400;

/// The engine on its store (in a directory removed with it), on a simulated clock.
struct World {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    e: Engine,
}

/// ann manages bob and cid, frank manages ann, carol and dave; cid manages the sales unit
/// (ann, bob); bob, carol and dave own the products (managed by frank, falling back to
/// staff); erin is the chief approval team; root is the administrator.
fn world() -> World {
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let (dir, clock) = (
        tempfile::tempdir().unwrap(),
        Arc::new(ManualClock::new(start)),
    );
    let e = Engine::init(&dir.path().join("store"), clock.clone(), "root", &[]).unwrap();
    // login, manager (- for none), groups.
    let people = [
        "ann frank staff",
        "bob ann staff,owners",
        "cid ann staff",
        "carol frank owners",
        "dave frank owners,staff",
        "erin - chiefs",
        "frank - staff",
    ];
    let users = (2..)
        .zip(people)
        .map(|(line, p)| {
            let f: Vec<&str> = p.split(' ').collect();
            let manager = (f[1] != "-").then(|| f[1].to_string());
            let groups = f[2].split(',').map(String::from).collect();
            let (login, name, email) = (f[0].into(), f[0].to_uppercase(), String::new());
            UserRecord {
                line,
                login,
                name,
                email,
                manager,
                groups,
                calendar: None,
            }
        })
        .collect();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let unit = |id: &str, manager: &str, members: &[&str]| OrgUnit {
        id: id.into(),
        name: id.to_uppercase(),
        parent: None,
        manager: Some(manager.into()),
        members: members.iter().map(|m| m.to_string()).collect(),
    };
    let owners = GroupSettings {
        calendar: None,
        name: "owners".into(),
        manager: Some("frank".into()),
        fallback: Some("staff".into()),
    };
    let orgs = OrgImport {
        units: vec![unit("sales", "cid", &["ann", "bob"])],
        groups: vec![owners],
        chief_approvers: Some("chiefs".into()),
    };
    e.execute("root", Command::ImportOrgs(orgs)).unwrap();
    let (products, policies) = catalogue();
    e.execute("root", Command::ImportProducts { products, policies })
        .unwrap();
    World {
        _dir: dir,
        clock,
        e,
    }
}

#[allow(clippy::too_many_arguments)]
fn step(
    approvers: Approvers,
    count: u32,
    reminder_days: Option<i64>,
    timeout_days: Option<i64>,
    on_timeout: OnTimeout,
    no_approver: NoApprover,
    self_approval: SelfApproval,
) -> Step {
    Step {
        name: approvers.name(),
        approvers,
        count,
        reminder: (reminder_days.map(|d| d * DAY)).map(Span::Wall),
        timeout: (timeout_days.map(|d| d * DAY)).map(Span::Wall),
        on_timeout,
        no_approver,
        self_approval,
    }
}

fn policy(name: &str, chief: Option<&str>, levels: Vec<Vec<Step>>) -> ApprovalPolicy {
    ApprovalPolicy {
        calendar: None,
        name: name.into(),
        chief: chief.map(String::from),
        levels: levels.into_iter().map(|steps| Level { steps }).collect(),
    }
}

/// vpn: the manager, approved on timeout. sap: the manager (auto-approved for oneself,
/// escalated to managers) in parallel with two owners (escalated to the chief team), then
/// the org manager. laptop (multi-request): two of staff, aborted on timeout. wiki (its own
/// chief team, the owners): dave, then the chief team.
fn catalogue() -> (Vec<Product>, Vec<ApprovalPolicy>) {
    use Approvers as A;
    use NoApprover as N;
    use OnTimeout as T;
    use SelfApproval as S;
    let vpn = step(
        A::Manager,
        1,
        Some(1),
        Some(2),
        T::Approve,
        N::Chief,
        S::Skipped,
    );
    let sap_m = step(
        A::Manager,
        1,
        Some(1),
        Some(3),
        T::EscalateManagers,
        N::Approve,
        S::AutoApproved,
    );
    let sap_o = step(
        A::ProductOwners,
        2,
        None,
        Some(2),
        T::EscalateChief,
        N::Abort,
        S::Allowed,
    );
    let sap_u = step(A::OrgManager, 1, None, None, T::Abort, N::Chief, S::Skipped);
    let staff = A::Group("staff".into());
    let laptop = step(staff, 2, Some(2), Some(4), T::Abort, N::Abort, S::Allowed);
    let dave = A::User("dave".into());
    let wiki_d = step(
        dave,
        1,
        None,
        Some(1),
        T::EscalateChief,
        N::Chief,
        S::Skipped,
    );
    let wiki_c = step(
        A::Chief,
        1,
        None,
        Some(2),
        T::Approve,
        N::Abort,
        S::AutoApproved,
    );
    let policies = vec![
        policy("vpn-p", None, vec![vec![vpn]]),
        policy("sap-p", None, vec![vec![sap_m, sap_o], vec![sap_u]]),
        policy("laptop-p", None, vec![vec![laptop]]),
        policy("wiki-p", Some("owners"), vec![vec![wiki_d], vec![wiki_c]]),
    ];
    let products = PRODUCTS
        .iter()
        .map(|id| {
            let mut p = Product::plain(id);
            p.owners = Some("owners".into());
            p.policy = Some(format!("{id}-p"));
            p.multi_request = *id == "laptop";
            p
        })
        .collect();
    (products, policies)
}

/// Who acts (`holder`: someone who holds an open step of the request, else `ACTORS[by]`),
/// on which request (`open`: among those in approval, if any; `req` indexes them), and which
/// work item of its approval case (an index into the case's items; none = the engine picks).
#[derive(Debug, Clone)]
struct On {
    by: usize,
    holder: bool,
    req: usize,
    open: bool,
    item: Option<usize>,
}

#[derive(Debug, Clone)]
enum Op {
    Request {
        by: usize,
        to: usize,
        product: usize,
    },
    Decide(On, bool),
    Delegate(On, usize, bool),
    Reassign(On, usize),
    Escalate(On, Option<usize>),
    Claim(On),
    Complete(On, bool),
    Cancel(On),
    /// Hours to advance the clock before a sweep.
    Wait(i64),
    /// A dry-run sweep this many hours ahead.
    DryRun(i64),
}

fn on() -> impl Strategy<Value = On> {
    (
        0..ACTORS.len(),
        prop::bool::weighted(0.6),
        0usize..8,
        prop::bool::weighted(0.8),
        prop::option::of(0usize..4),
    )
        .prop_map(|(by, holder, req, open, item)| On {
            by,
            holder,
            req,
            open,
            item,
        })
}

/// Which operations a run draws from: every one (`ALL`), or one leaving out what an open
/// engine bug breaks, so that the rest stays checked.
#[derive(Clone, Copy)]
struct Mix {
    /// `case claim` on a step's work item.
    claims: bool,
    /// Moving a step's work item to a user (else to groups only).
    to_users: bool,
}

const ALL: Mix = Mix {
    claims: true,
    to_users: true,
};

impl Mix {
    fn allows(self, op: &Op) -> bool {
        let user = |t: usize| t < ACTORS.len();
        match op {
            Op::Claim(_) => self.claims,
            Op::Reassign(..) | Op::Escalate(_, None) => self.to_users,
            Op::Delegate(_, t, _) | Op::Escalate(_, Some(t)) => self.to_users || !user(*t),
            _ => true,
        }
    }
}

fn op(mix: Mix) -> impl Strategy<Value = Op> {
    let targets = ACTORS.len() + GROUPS.len();
    prop_oneof![
        5 => (0..ACTORS.len(), 0..ACTORS.len(), 0..PRODUCTS.len())
            .prop_map(|(by, to, product)| Op::Request { by, to, product }),
        6 => (on(), prop::bool::weighted(0.8)).prop_map(|(o, a)| Op::Decide(o, a)),
        2 => (on(), 0..targets, any::<bool>()).prop_map(|(o, t, add)| Op::Delegate(o, t, add)),
        1 => (on(), 0..ACTORS.len()).prop_map(|(o, u)| Op::Reassign(o, u)),
        1 => (on(), prop::option::of(0..targets)).prop_map(|(o, t)| Op::Escalate(o, t)),
        2 => on().prop_map(Op::Claim),
        1 => (on(), any::<bool>()).prop_map(|(o, a)| Op::Complete(o, a)),
        1 => on().prop_map(Op::Cancel),
        3 => (1i64..60).prop_map(Op::Wait),
        1 => (1i64..120).prop_map(Op::DryRun),
    ]
    .prop_filter("an operation the mix leaves out", move |o| mix.allows(o))
}

fn target(i: usize) -> Target {
    match ACTORS.get(i) {
        Some(u) => Target::User(u.to_string()),
        None => Target::Group(GROUPS[(i - ACTORS.len()) % GROUPS.len()].into()),
    }
}

fn all_requests(s: &dyn Storage) -> Vec<Request> {
    let mut rs = s.requests(None, usize::MAX).unwrap();
    rs.sort_by_key(|r| r.id);
    rs
}

/// The actor, the request, its approval case and the work item `on` names (numbers that
/// exist in no store when there is nothing to name, so the command is refused).
fn resolve(s: &dyn Storage, on: &On) -> (String, RequestId, CaseId, Option<WorkItemId>) {
    let mut rs = all_requests(s);
    if on.open && rs.iter().any(|r| r.in_approval()) {
        rs.retain(|r| r.in_approval());
    }
    let mut actor = ACTORS[on.by].to_string();
    let Some(r) = rs.get(on.req % rs.len().max(1)) else {
        return (
            actor,
            RequestId(99),
            CaseId(99),
            on.item.map(|_| WorkItemId(99)),
        );
    };
    let a = r.approval.as_ref();
    if let (true, Some(a)) = (on.holder, a) {
        let open: Vec<_> = a.open_steps().filter_map(|st| st.work_item).collect();
        if let Some(id) = open.get(on.by % open.len().max(1)) {
            let item = s.work_item(*id).unwrap().unwrap();
            let mut who = item.assignees.clone();
            for g in &item.candidates {
                who.extend(s.group_members(g).unwrap());
            }
            if let Some(u) = who.get(on.req % who.len().max(1)) {
                actor = u.clone();
            }
        }
    }
    let case = a.map_or(CaseId(99), |a| a.case);
    let items = s
        .case(case)
        .unwrap()
        .map(|c| c.work_items)
        .unwrap_or_default();
    let item = on.item.map(|k| {
        items
            .get(k % items.len().max(1))
            .copied()
            .unwrap_or(WorkItemId(99))
    });
    (actor, r.id, case, item)
}

fn command(s: &dyn Storage, op: &Op) -> (String, Command) {
    if let Op::Request { by, to, product } = op {
        let c = Command::RequestAccess {
            product: PRODUCTS[*product].into(),
            recipient: Some(ACTORS[*to].into()),
            valid_from: None,
            valid_until: None,
            notice_secs: None,
            reason: Some("needed".into()),
        };
        return (ACTORS[*by].to_string(), c);
    }
    let o = match op {
        Op::Decide(o, _)
        | Op::Delegate(o, _, _)
        | Op::Reassign(o, _)
        | Op::Escalate(o, _)
        | Op::Claim(o)
        | Op::Complete(o, _)
        | Op::Cancel(o) => o,
        Op::Request { .. } | Op::Wait(_) | Op::DryRun(_) => unreachable!("not a command"),
    };
    let (actor, request, case, work_item) = resolve(s, o);
    let c = match op {
        Op::Decide(_, approve) => Command::Decide {
            request,
            work_item,
            approve: *approve,
            comment: None,
        },
        Op::Delegate(_, t, add) => Command::Delegate {
            case,
            work_item,
            to: target(*t),
            method: if *add {
                DelegationMethod::Add
            } else {
                DelegationMethod::Replace
            },
            comment: Some("over to you".into()),
        },
        Op::Reassign(_, u) => Command::Assign {
            case,
            work_item,
            to: ACTORS[*u].into(),
            comment: None,
        },
        Op::Escalate(_, t) => Command::Escalate {
            case,
            work_item,
            to: t.map(target),
            comment: None,
        },
        Op::Claim(_) => Command::Claim { case, work_item },
        Op::Complete(_, approve) => Command::Complete {
            case,
            work_item,
            outcome: if *approve {
                Outcome::Approved
            } else {
                Outcome::Rejected
            },
            comment: None,
        },
        _ => Command::Cancel {
            case,
            comment: Some("not needed".into()),
        },
    };
    (actor, c)
}

type Snapshot = (Vec<Request>, Vec<Case>, Vec<WorkItem>, usize, usize, usize);

/// Everything observable, to prove a refused command or a dry run changed nothing.
fn snapshot(s: &dyn Storage) -> Snapshot {
    (
        all_requests(s),
        s.all_cases().unwrap(),
        s.all_work_items().unwrap(),
        s.event_count(),
        s.due_count(),
        s.notifications(false, usize::MAX).unwrap().len(),
    )
}

/// What a sweep fired, comparable between a dry run and the real one.
fn fired(r: &SweepReport) -> Vec<(String, Option<RequestId>, String)> {
    r.fired
        .iter()
        .map(|f| (f.timer.clone(), f.request, f.action.clone()))
        .collect()
}

/// Applies one operation, checking what a refusal or a dry run must not change.
fn apply(w: &World, op: &Op) -> Result<(), TestCaseError> {
    let s = w.e.inspect();
    let before = snapshot(s);
    match op {
        Op::Wait(h) => {
            w.clock.advance(Duration::hours(*h));
            let now = w.clock.now();
            let before = snapshot(s);
            let preview = w.e.sweep("root", SweepArgs::preview(now, now)).unwrap();
            prop_assert_eq!(&snapshot(s), &before, "a dry run changed the store");
            let real = w.e.sweep("root", SweepArgs::at(now)).unwrap();
            prop_assert!(real.failed.is_empty(), "timers failed: {:?}", real.failed);
            prop_assert_eq!(
                fired(&preview),
                fired(&real),
                "the dry run foretells the sweep"
            );
        }
        Op::DryRun(h) => {
            let now = w.clock.now();
            let until = now + Duration::hours(*h);
            let preview = w.e.sweep("root", SweepArgs::preview(now, until)).unwrap();
            prop_assert!(preview.failed.is_empty(), "{:?}", preview.failed);
            prop_assert_eq!(snapshot(s), before, "a dry run changed the store");
        }
        _ => {
            let (actor, command) = command(s, op);
            match w.e.execute(&actor, command.clone()) {
                Ok(applied) => {
                    prop_assert!(
                        !applied.events.is_empty(),
                        "{:?} recorded no event",
                        command
                    );
                    prop_assert_eq!(s.event_count(), before.3 + applied.events.len());
                }
                Err(e) => prop_assert_eq!(
                    snapshot(s),
                    before,
                    "refused {:?} ({}) changed the store",
                    command,
                    e
                ),
            }
        }
    }
    Ok(())
}

/// A step approved only with its count, or decided whole.
fn step_counts(r: &Request) -> Result<(), TestCaseError> {
    let a = r.approval.as_ref().unwrap();
    for s in &a.steps {
        let count = a.def(s.level, s.step).unwrap().count as usize;
        let whole = s
            .decisions
            .iter()
            .any(|d| matches!(d.how, How::Chief | How::Timeout | How::NoApprover));
        let (at, n) = (format!("{} step {}", r.id, s.name), s.approvals());
        let approved = s.state == StepState::Approved;
        prop_assert!(
            !approved || whole || n >= count,
            "{at}: approved by {n} of {count}"
        );
        let mut by: Vec<&str> = s
            .decisions
            .iter()
            .filter(|d| d.approve && d.how != How::Chief)
            .map(|d| d.by.as_str())
            .collect();
        let n = by.len();
        by.sort();
        by.dedup();
        prop_assert_eq!(by.len(), n, "{}: approvals from distinct approvers", at);
    }
    Ok(())
}

/// A request in approval: open steps at its level only, each with an open work item held
/// as the step, the case active, its only open items those of open steps, timers of open
/// steps only.
fn in_approval(s: &dyn Storage, r: &Request, case: &Case) -> Result<(), TestCaseError> {
    let a = r.approval.as_ref().unwrap();
    let id = r.id;
    prop_assert!(case.state.is_active(), "{id} in approval, {}", case.state);
    prop_assert!(
        a.open_steps().next().is_some(),
        "{id} in approval, no open step"
    );
    let mut open_items = vec![];
    for st in &a.steps {
        let want = match st.level.cmp(&a.level) {
            std::cmp::Ordering::Less => Some(StepState::Approved),
            std::cmp::Ordering::Greater => Some(StepState::Waiting),
            std::cmp::Ordering::Equal => None,
        };
        let at = format!("{id} level {} step {}", st.level, st.name);
        prop_assert!(
            want.is_none_or(|w| w == st.state),
            "{at} is {}",
            st.state.name()
        );
        if !st.is_open() {
            continue;
        }
        prop_assert!(st.work_item.is_some(), "{at} is open with no work item");
        let item = s.work_item(st.work_item.unwrap()).unwrap().unwrap();
        prop_assert!(
            item.is_open(),
            "{at} is open, {} is {}",
            item.id,
            item.state
        );
        let w = item.id;
        // Held as the step is, or claimed by one of those who may decide it (a claim takes
        // the item without changing who may decide the step).
        let claimer = match (item.assignees.as_slice(), item.candidates.is_empty()) {
            ([one], true) => s.user(one).unwrap(),
            _ => None,
        };
        let claimed = claimer.is_some_and(|u| {
            st.approvers.contains(&u.login) || st.groups.iter().any(|g| u.in_group(g))
        });
        prop_assert!(
            item.holders() == st.holders() || claimed,
            "{}: {} is held by {:?}, the step by {:?}",
            at,
            w,
            item.holders(),
            st.holders()
        );
        open_items.push(item.id);
    }
    for t in &a.timers {
        let st = a.run(t.level, t.step);
        prop_assert!(
            st.is_some_and(|st| st.is_open()),
            "{id} timer {t:?}, step not open"
        );
    }
    for id in &case.work_items {
        let item = s.work_item(*id).unwrap().unwrap();
        let open = !item.is_open() || open_items.contains(&item.id);
        prop_assert!(open, "{id}: {} is open for no open step", item.id);
    }
    Ok(())
}

/// A request out of approval: nothing open, no timers, the case ended as the request.
fn decided(s: &dyn Storage, r: &Request, case: &Case) -> Result<(), TestCaseError> {
    let a = r.approval.as_ref().unwrap();
    let at = format!("{} is {}", r.id, r.state);
    prop_assert!(a.open_steps().next().is_none(), "{at} with an open step");
    prop_assert!(a.timers.is_empty(), "{at} with approval timers");
    for id in &case.work_items {
        let item = s.work_item(*id).unwrap().unwrap();
        prop_assert!(!item.is_open(), "{at}: {id} is open");
    }
    let all_approved = a.steps.iter().all(|st| st.state == StepState::Approved);
    let (state, outcome) = (case.state, case.outcome);
    match r.state {
        RequestState::Approved
        | RequestState::Unsubscribed
        | RequestState::Pending
        | RequestState::Assigned => {
            prop_assert!(all_approved, "{at} with a step not approved");
            prop_assert!(a.level >= a.levels(), "{at} at level {}", a.level);
            let closed = (CaseState::Closed, Some(Outcome::Approved));
            prop_assert_eq!((state, outcome), closed, "{}", at);
        }
        RequestState::Denied => {
            let denied = a.steps.iter().any(|st| st.state == StepState::Denied);
            prop_assert!(denied, "{at} without a denied step");
            let closed = (CaseState::Closed, Some(Outcome::Rejected));
            prop_assert_eq!((state, outcome), closed, "{}", at);
        }
        RequestState::Aborted => prop_assert_eq!(state, CaseState::Cancelled, "{}", r.id),
        other => prop_assert!(false, "{} is {}, which nothing here leads to", r.id, other),
    }
    Ok(())
}

fn invariants(w: &World) -> Result<(), TestCaseError> {
    let s = w.e.inspect();
    let mut live: BTreeMap<(String, String), Vec<RequestId>> = BTreeMap::new();
    for r in all_requests(s) {
        prop_assert!(r.approval.is_some(), "{} has no approval", r.id);
        let a = r.approval.as_ref().unwrap();
        let case = s.case(a.case).unwrap();
        prop_assert!(case.is_some(), "{} names the missing {}", r.id, a.case);
        let case = case.unwrap();
        prop_assert_eq!(case.request, Some(r.id));
        step_counts(&r)?;
        if r.in_approval() {
            in_approval(s, &r, &case)?;
        } else {
            decided(s, &r, &case)?;
        }
        if r.is_live() && r.product != "laptop" {
            live.entry((r.recipient.clone(), r.product.clone()))
                .or_default()
                .push(r.id);
        }
    }
    for (key, ids) in live {
        prop_assert!(ids.len() <= 1, "live duplicates for {:?}: {:?}", key, ids);
    }
    let found = ServiceExt::check(&w.e, "root").unwrap();
    prop_assert!(found.is_empty(), "check: {:?}", found);
    Ok(())
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let w = world();
    invariants(&w)?;
    for op in ops {
        apply(&w, op)?;
        invariants(&w)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every operation. Fails on both engine bugs below (seeds in the regressions file).
    #[test]
    fn approval_workflows_keep_their_invariants(ops in prop::collection::vec(op(ALL), 1..40)) {
        run(&ops)?;
    }

    /// Engine bug 1: `case claim` on an approval step's work item gives the item to the
    /// claimer alone but leaves the step's approvers and groups as they were
    /// (`Engine::claim` does not call `follow_item`, as reassign, delegate and escalate do):
    /// `[Request { by: root, to: root, product: laptop }, Claim(root, R-1)]` leaves W-1 held
    /// by `root` and its step by `@staff`. Bug 2 (below) fails this one too.
    #[test]
    fn approval_workflows_without_claims_keep_their_invariants(
        ops in prop::collection::vec(op(Mix { claims: false, ..ALL }), 1..40)
    ) {
        run(&ops)?;
    }

    /// Engine bug 2: an approval short of a step's count offers the work item to the
    /// approvers who have not decided (`Engine::record`), but the step's `approvers` keep
    /// the one who did, so the item is not held as the step: a step of count 2 moved to
    /// one user who then approves has its item held by nobody and its step by that user.
    /// Without users as targets of hand-moves, steps of count 2 have only groups.
    #[test]
    fn approval_workflows_moved_to_groups_keep_their_invariants(
        ops in prop::collection::vec(op(Mix { claims: false, to_users: false }), 1..40)
    ) {
        run(&ops)?;
    }
}

/// Bug 2 exactly: root asks for a laptop for bob (two of @staff), delegates the step to
/// frank as well, and frank approves: W-1 is offered to @staff only, its step still names
/// frank, who may not approve again.
#[test]
fn a_partial_approval_leaves_the_item_held_as_the_step() {
    let on = |by| On {
        by,
        holder: false,
        req: 0,
        open: true,
        item: None,
    };
    let frank = ACTORS.iter().position(|a| *a == "frank").unwrap();
    let ops = [
        Op::Request {
            by: 0,
            to: 2,
            product: 2,
        },
        Op::Delegate(on(0), frank, true),
        Op::Decide(on(frank), true),
    ];
    run(&ops).unwrap();
}
