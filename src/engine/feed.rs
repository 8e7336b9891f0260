//! Semi-manual read-back: an export confirms operations, reveals divergence after the grace
//! period, and finds accounts nobody owns (correlation).

use std::collections::BTreeSet;

use super::lifecycle::with_item;
use super::{authz, Engine, Tx};
use crate::api::{ApiError, FeedAttributes, FeedRows, NewCase};
use crate::domain::duration::add_secs;
use crate::domain::resource::rank_candidates;
use crate::domain::{
    CaseId, CaseKind, Correlation, EventKind, Execution, OpKind, OpResult, Outcome,
    PendingOperation, Resource, ResourceKind, Shadow, ShadowState, Target, User, WorkItem,
};

/// At most this many correlation cases open from one export; the accounts beyond are kept as
/// shadows without an owner (as midPoint keeps shadows of unmatched accounts) and named in
/// one summary case, so a 100,000-row export of strangers opens 101 cases, not 100,000.
pub const MAX_CORRELATION_CASES: u64 = 100;

/// How many accounts a read commits at a time.
const PART: usize = 5_000;

/// How many of the accounts beyond the bound the summary case names.
const SUMMARY_NAMES: usize = 20;

/// An export being read: what it shows, and what reading it did so far.
struct FeedRead<'a> {
    resource: &'a Resource,
    compared: BTreeSet<&'a String>,
    export: &'a Export,
    label: &'a str,
    confirmed: u64,
    remediations: u64,
    correlations: u64,
    next_grace: Option<chrono::DateTime<chrono::Utc>>,
    closing_cases: BTreeSet<CaseId>,
    /// How many unknown accounts beyond [`MAX_CORRELATION_CASES`] were kept as shadows
    /// without a case, and the first [`SUMMARY_NAMES`] of them.
    uncorrelated: usize,
    named: Vec<String>,
}

/// An export's rows by account (of two rows of one account, the later counts): looked up
/// by binary search in an index of row numbers, without a map of every account; a row's
/// columns are made only when its account is looked at.
struct Export {
    rows: FeedRows,
    /// Row numbers, sorted by account, one per account.
    order: Vec<u32>,
}

impl Export {
    fn new(mut rows: FeedRows) -> Export {
        rows.index_by_key();
        let mut order = rows.take_index().unwrap_or_default();
        // Of one account's rows (in their order), the last one stays.
        order.reverse();
        order.dedup_by(|a, b| rows.key(*a as usize) == rows.key(*b as usize));
        order.reverse();
        Export { rows, order }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.order
            .binary_search_by(|r| self.rows.key(*r as usize).cmp(key))
            .ok()
    }

    /// The row at `position` in the order by account.
    fn row(&self, position: usize) -> usize {
        self.order.get(position).map_or(usize::MAX, |r| *r as usize)
    }

    fn get(&self, key: &str) -> Option<FeedAttributes> {
        self.position(key)
            .map(|i| self.rows.attributes(self.row(i)))
    }

    fn len(&self) -> usize {
        self.order.len()
    }
}

impl Engine {
    /// Reads a semi-manual export: confirms operations, declares divergence after the grace
    /// period, opens remediation and correlation cases. Committed in parts of [`PART`]
    /// accounts; the fingerprint with the last.
    pub(crate) fn read_feed(
        &self,
        tx: &mut Tx,
        resource_id: &str,
        label: &str,
        fingerprint: &str,
        rows: FeedRows,
    ) -> Result<String, ApiError> {
        let resource = self.load_resource(resource_id)?;
        let ResourceKind::SemiManual { attributes, .. } = &resource.kind else {
            return Err(ApiError::IllegalState(format!(
                "{} is a manual resource: it has no export to read",
                resource.id
            )));
        };
        let compared: BTreeSet<&String> = attributes.iter().collect();
        let export = Export::new(rows);
        let mut known = vec![false; export.len()];
        let mut r = FeedRead {
            resource: &resource,
            compared,
            export: &export,
            label,
            confirmed: 0,
            remediations: 0,
            correlations: 0,
            next_grace: None,
            closing_cases: BTreeSet::new(),
            uncorrelated: 0,
            named: vec![],
        };
        let mut in_part = 0;
        // The shadows a part at a time: a large resource's are never all in memory.
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .shadows_after(&resource.id, after.as_deref(), PART)?;
            let Some(last) = page.last() else { break };
            after = Some(last.key.clone());
            for prev in page {
                if let Some(i) = export.position(&prev.key) {
                    known[i] = true;
                }
                self.check_shadow(tx, &mut r, prev)?;
                self.commit_part(tx, &mut in_part)?;
            }
        }
        // Accounts nobody asked for.
        let users = self.store.users()?;
        let unknown = known.iter().enumerate().filter(|(_, k)| !**k);
        for (position, _) in unknown {
            let row = export.row(position);
            let key = export.rows.key(row).to_string();
            let attributes = export.rows.attributes(row);
            self.unknown_account(tx, &mut r, &users, &key, &attributes)?;
            self.commit_part(tx, &mut in_part)?;
        }
        let summary = self.summarise_uncorrelated(tx, &r)?;
        // Cases whose every operation the export confirmed are done.
        for case_id in std::mem::take(&mut r.closing_cases) {
            self.finish_confirmed_case(tx, case_id, label)?;
        }
        let r_next_grace = r.next_grace;
        let (confirmed, remediations, correlations) = (r.confirmed, r.remediations, r.correlations);
        let mut r = resource.clone();
        r.feed_fingerprint = Some(fingerprint.to_string());
        r.grace_due = r_next_grace;
        tx.ws.put_resource(Some(&resource), &r);
        tx.event(
            None,
            EventKind::FeedRead {
                resource: resource.id.clone(),
                accounts: export.len() as u64,
                confirmed,
                remediations,
                correlations,
            },
            Some(label.to_string()),
        );
        Ok(format!(
            "{}: {} accounts read, {confirmed} operations confirmed, {remediations} remediation and {correlations} correlation cases opened{summary}",
            resource.id,
            export.len()
        ))
    }

    /// Every [`PART`] accounts, commits what the read did so far (with the id counters it
    /// advanced), so that a huge export is no huge transaction. The fingerprint is written
    /// only with the last part: a read cut short is done again, and what the parts saved is
    /// found as known accounts, unchanged.
    fn commit_part(&self, tx: &mut Tx, in_part: &mut usize) -> Result<(), ApiError> {
        *in_part += 1;
        if *in_part < PART {
            return Ok(());
        }
        *in_part = 0;
        // What the read applied so far is told by its last part.
        let applied = self.commit_so_far(tx)?;
        tx.applied = applied;
        Ok(())
    }

    /// One case for the unknown accounts beyond [`MAX_CORRELATION_CASES`]; what the read's
    /// message adds about it (nothing when there were none).
    fn summarise_uncorrelated(&self, tx: &mut Tx, r: &FeedRead) -> Result<String, ApiError> {
        let n = r.uncorrelated;
        if n == 0 {
            return Ok(String::new());
        }
        let resource = r.resource;
        let mut names = r.named.join(", ");
        if n > SUMMARY_NAMES {
            names.push_str(&format!(" and {} more", n - SUMMARY_NAMES));
        }
        let (case, _) = self.open_resource_case(
            tx,
            resource,
            CaseKind::Remediation,
            format!("{n} unknown accounts in export {} on {}", r.label, resource.name),
            Some(format!(
                "The export shows {} accounts no case asked for; {MAX_CORRELATION_CASES} got a correlation case, these {n} are kept as accounts without an owner: {names}.\nFind their owners (casebench shadow list {}: owner ?), then complete this case.",
                n as u64 + MAX_CORRELATION_CASES,
                resource.id
            )),
            vec![],
        )?;
        Ok(format!(
            "; {n} more unknown accounts without a case, summarised in {}",
            case.id
        ))
    }

    /// One known account: its operations confirmed, waiting or diverged, and a remediation
    /// case when it diverged.
    fn check_shadow(&self, tx: &mut Tx, r: &mut FeedRead, prev: Shadow) -> Result<(), ApiError> {
        let (resource, compared, export) = (r.resource, &r.compared, r.export);
        let label = r.label;
        let mut s = prev.clone();
        let seen = export.get(&s.key);
        let seen = seen.as_ref();
        if seen.is_some() {
            s.last_seen = Some(tx.now);
        }
        let shows = |op: &PendingOperation, attrs: &FeedAttributes| match op.kind {
            OpKind::Delete => false,
            _ => op
                .changes
                .iter()
                .filter(|c| compared.contains(&c.name))
                .all(|c| attrs.get(&c.name) == c.new.as_ref()),
        };
        let confirms = |op: &PendingOperation| match (op.kind, seen) {
            (OpKind::Delete, None) => true,
            (OpKind::Delete, Some(_)) => false,
            (_, Some(a)) => shows(op, a),
            (_, None) => false,
        };
        let mut diverged = vec![];
        // An export may lag behind a completed operation for the grace period.
        let mut waiting = false;
        for i in 0..s.pending.len() {
            let op = s.pending[i].clone();
            if op.result == OpResult::InProgress
                && op.execution == Execution::Executing
                && confirms(&op)
            {
                // Done behind the case's back: the export proves it.
                s.apply(&op);
                let o = &mut s.pending[i];
                o.result = OpResult::Success;
                o.execution = Execution::Completed;
                o.completed = Some(tx.now);
                o.confirmed = true;
                r.confirmed += 1;
                self.request_op_confirmed(tx, &op, label)?;
                if let Some(c) = op.case {
                    r.closing_cases.insert(c);
                }
                tx.event(
                    op.case,
                    EventKind::OperationCompleted {
                        resource: resource.id.clone(),
                        account: s.key.clone(),
                        op: op.id,
                        result: OpResult::Success,
                    },
                    Some(format!("confirmed by the export {label}")),
                );
            } else if op.result == OpResult::Success && !op.confirmed {
                if confirms(&op) {
                    s.pending[i].confirmed = true;
                    r.confirmed += 1;
                    self.request_op_confirmed(tx, &op, label)?;
                } else {
                    let deadline = add_secs(
                        op.completed.unwrap_or(tx.now),
                        resource.grace_secs,
                        &format!("the export grace of resource {}", resource.id),
                    )?;
                    if tx.now >= deadline {
                        s.pending[i].confirmed = true; // handled: a divergence now
                        let when = op
                            .completed
                            .map(|c| c.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                            .unwrap_or_default();
                        let shown = what_the_export_shows(&op, seen, compared);
                        diverged.push(format!(
                            "op {} ({}) was completed at {when}, but {shown}",
                            op.id,
                            op.describe(),
                        ));
                    } else {
                        waiting = true;
                        r.next_grace = Some(r.next_grace.map_or(deadline, |g| g.min(deadline)));
                    }
                }
            }
        }
        let settled = s.pending.iter().all(|o| !o.is_open());
        if diverged.is_empty() && !waiting && settled && s.state == ShadowState::Exists && !s.orphan
        {
            diverged = drift(&s, seen, compared);
        }
        let open_remediation = match s.remediation {
            Some(c) => self.store.case(c)?.is_some_and(|c| c.state.is_active()),
            None => false,
        };
        if !diverged.is_empty() && !open_remediation {
            let title = format!("Divergence: account {} on {}", s.key, resource.name);
            let (case, _) = self.open_resource_case(
                tx,
                resource,
                CaseKind::Remediation,
                title,
                Some(format!(
                    "{}\nFix the account or the record, then complete this case.",
                    diverged.join("\n")
                )),
                vec![],
            )?;
            s.remediation = Some(case.id);
            r.remediations += 1;
        }
        tx.ws.put_shadow(Some(&prev), &s);
        Ok(())
    }

    /// An account nobody asked for: its owner when one user matches well, else a
    /// correlation case.
    fn unknown_account(
        &self,
        tx: &mut Tx,
        r: &mut FeedRead,
        users: &[User],
        key: &String,
        attrs: &FeedAttributes,
    ) -> Result<(), ApiError> {
        let (resource, compared) = (r.resource, &r.compared);
        let candidates = rank_candidates(
            key,
            &attrs.to_map(),
            users
                .iter()
                .map(|u| (u.login.as_str(), u.name.as_str(), u.email.as_str())),
        );
        let mut s = Shadow::new(&resource.id, key, None);
        s.state = ShadowState::Exists;
        s.attributes = attrs
            .iter()
            .filter(|(k, _)| compared.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        s.last_seen = Some(tx.now);
        let unique = candidates.len() == 1
            || candidates.first().is_some_and(|c| c.score == 100)
                && candidates.get(1).is_none_or(|c| c.score < 100);
        if unique && candidates[0].score >= 80 {
            s.owner = Some(candidates[0].login.clone());
            tx.event(
                None,
                EventKind::Correlated {
                    resource: resource.id.clone(),
                    account: key.clone(),
                    owner: s.owner.clone(),
                },
                Some(candidates[0].why.clone()),
            );
        } else if r.correlations >= MAX_CORRELATION_CASES {
            r.uncorrelated += 1;
            if r.named.len() < SUMMARY_NAMES {
                r.named.push(key.clone());
            }
        } else {
            let title = format!("Who owns account {key} on {}?", resource.name);
            let listing = match candidates.len() {
                0 => "The export shows an account no user matches: name its owner, or mark it an orphan.".to_string(),
                1 => "The export shows an account one user might own: confirm the owner, name another, or mark it an orphan.".to_string(),
                n => format!("The export shows an account {n} users might own: pick the owner, or mark it an orphan."),
            };
            let (case, _) = self.open_case(
                tx,
                NewCase {
                    kind: CaseKind::Correlation,
                    title,
                    description: Some(listing),
                    resource: Some(resource.id.clone()),
                    object: Some(key.clone()),
                    target: Target::Group(resource.owners.clone()),
                    deadline: None,
                    deadline_in: None,
                    policy: resource.policy.clone(),
                },
                vec![],
                Some(Correlation {
                    resource: resource.id.clone(),
                    account: key.clone(),
                    attributes: attrs.to_map(),
                    candidates,
                }),
            )?;
            s.remediation = Some(case.id);
            r.correlations += 1;
        }
        tx.ws.put_shadow(None, &s);
        Ok(())
    }

    /// Completes the open work items of a case whose operations the export all confirmed.
    fn finish_confirmed_case(
        &self,
        tx: &mut Tx,
        case_id: CaseId,
        label: &str,
    ) -> Result<(), ApiError> {
        let Some(case) = self.store.case(case_id)? else {
            return Ok(());
        };
        if !case.state.is_active() {
            return Ok(());
        }
        // Every operation of the case settled (this read's changes are in the write set,
        // so look at the shadows as this read leaves them: they were all confirmed here or
        // before).
        let comment = format!("confirmed by the export {label}");
        let mut items = vec![];
        for w in &case.work_items {
            if let Some(mut item) = self.store.work_item(*w)? {
                if item.is_open() {
                    let prev = item.clone();
                    let by = super::SYSTEM_ACTOR;
                    tx.complete_item(&mut item, by, Outcome::Success, Some(comment.clone()))?;
                    tx.ws.put_work_item(Some(&prev), &item);
                }
                items.push(item);
            }
        }
        tx.close_if_done(&case, &items)?;
        Ok(())
    }

    pub(crate) fn correlate(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        owner: Option<String>,
    ) -> Result<String, ApiError> {
        let Some(case) = self.store.case(case_id)? else {
            return Err(self.missing_case(case_id));
        };
        let Some(corr) = case.correlation.clone() else {
            return Err(ApiError::IllegalState(format!(
                "{case_id} is not a correlation case"
            )));
        };
        if !case.state.is_active() {
            return Err(ApiError::IllegalState(format!(
                "cannot correlate {case_id}: the case is {}",
                case.state
            )));
        }
        let items: Vec<WorkItem> = case
            .work_items
            .iter()
            .filter_map(|w| self.store.work_item(*w).transpose())
            .collect::<Result<_, _>>()?;
        let open =
            items.iter().find(|i| i.is_open()).cloned().ok_or_else(|| {
                ApiError::IllegalState(format!("{case_id} has no open work item"))
            })?;
        let member = open.candidates.iter().any(|g| user.in_group(g));
        if !member {
            authz::may_work_on(user, &open, "correlate")?;
        }
        if let Some(o) = &owner {
            if self.store.user(o)?.is_none() {
                return Err(ApiError::NotFound(format!("no user {o:?}")));
            }
        }
        let prev = self.store.shadow(&corr.resource, &corr.account)?;
        let mut s = prev.clone().unwrap_or_else(|| {
            let mut s = Shadow::new(&corr.resource, &corr.account, None);
            s.state = ShadowState::Exists;
            s
        });
        s.owner = owner.clone();
        s.orphan = owner.is_none();
        s.remediation = None;
        tx.ws.put_shadow(prev.as_ref(), &s);
        tx.event(
            Some(case.id),
            EventKind::Correlated {
                resource: corr.resource.clone(),
                account: corr.account.clone(),
                owner: owner.clone(),
            },
            None,
        );
        let comment = match &owner {
            Some(o) => format!("owner: {o}"),
            None => "marked as an orphan".to_string(),
        };
        let mut item = open.clone();
        tx.complete_item(
            &mut item,
            &user.login,
            Outcome::Success,
            Some(comment.clone()),
        )?;
        tx.ws.put_work_item(Some(&open), &item);
        tx.close_if_done(&case, &with_item(items, &item))?;
        tx.applied.case = Some(case.id);
        Ok(format!(
            "{}@{}: {comment}; {} closed",
            corr.account, corr.resource, case.id
        ))
    }
}

/// Why a completed operation is not in the export: the attributes it shows instead, or that
/// the account is (still, or not) there.
fn what_the_export_shows(
    op: &PendingOperation,
    seen: Option<&FeedAttributes>,
    compared: &BTreeSet<&String>,
) -> String {
    match (op.kind, seen) {
        (OpKind::Delete, Some(_)) => "the account is still in the export".to_string(),
        (_, None) => "the export does not show the account".to_string(),
        (_, Some(a)) => op
            .changes
            .iter()
            .filter(|c| compared.contains(&c.name))
            .filter(|c| a.get(&c.name) != c.new.as_ref())
            .map(|c| {
                format!(
                    "{} is {} in the export, not {}",
                    c.name,
                    a.get(&c.name).map(String::as_str).unwrap_or("(none)"),
                    c.new.as_deref().unwrap_or("(none)")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// How a settled account differs from the export: missing from it, or attribute by attribute.
fn drift(s: &Shadow, seen: Option<&FeedAttributes>, compared: &BTreeSet<&String>) -> Vec<String> {
    let Some(a) = seen else {
        return vec![format!("{} is missing from the export", s.key)];
    };
    compared
        .iter()
        .filter_map(|name| {
            let (mine, theirs) = (s.attributes.get(*name), a.get(name));
            (mine != theirs).then(|| {
                format!(
                    "{name}: {} in casebench, {} in the export",
                    mine.map(String::as_str).unwrap_or("(none)"),
                    theirs.map(String::as_str).unwrap_or("(none)")
                )
            })
        })
        .collect()
}
