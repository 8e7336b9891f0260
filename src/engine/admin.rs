//! Administration commands: importing users, groups and policies.

use std::collections::{BTreeMap, BTreeSet};

use super::{authz, Engine, Tx};
use crate::api::{ApiError, UserRecord};
use crate::domain::org::valid_name;
use crate::domain::{EventKind, Group, User};

impl Engine {
    pub(super) fn import_policies(
        &self,
        tx: &mut Tx,
        user: &User,
        policies: Vec<crate::domain::Policy>,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "import policies")?;
        // A policy may name only users and groups the store knows (else escalation and
        // notices would go nowhere when the timer fires).
        for target in policies
            .iter()
            .flat_map(|p| &p.rules)
            .flat_map(|r| r.action.names())
        {
            self.must_exist(&target)?;
        }
        // A working duration needs a calendar wherever the policy's work is held: without
        // a default calendar some holder would have none.
        if self.store.default_calendar()?.is_none() {
            for p in &policies {
                if let Some(s) = p.spans().into_iter().find(|s| s.is_work()) {
                    let why = crate::import::needs_calendar(&s);
                    return Err(ApiError::BadInput(format!("policy {:?}: {why}", p.name)));
                }
            }
        }
        let names: Vec<String> = policies.iter().map(|p| p.name.clone()).collect();
        for p in &policies {
            tx.ws.put_policy(p);
            tx.event(
                None,
                EventKind::PolicyImported {
                    name: p.name.clone(),
                },
                None,
            );
        }
        Ok(format!(
            "imported {} policies: {}",
            names.len(),
            names.join(", ")
        ))
    }

    /// `no user "x"` / `no group @x` (bad input) unless the store knows it.
    pub(super) fn must_exist(&self, target: &crate::domain::Target) -> Result<(), ApiError> {
        use crate::domain::Target;
        let (known, what) = match target {
            Target::User(u) => (self.store.user(u)?.is_some(), format!("no user {u:?}")),
            Target::Group(g) => (self.store.group(g)?.is_some(), format!("no group @{g}")),
        };
        if known {
            Ok(())
        } else {
            Err(ApiError::BadInput(what))
        }
    }

    pub(super) fn import_users(
        &self,
        tx: &mut Tx,
        user: &User,
        records: Vec<UserRecord>,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "import users")?;
        let at = |line: u64, msg: String| ApiError::BadInput(format!("line {line}: {msg}"));
        let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &records {
            if !valid_name(&r.login) {
                return Err(at(r.line, format!("invalid login {:?}", r.login)));
            }
            if let Some(first) = seen.insert(&r.login, r.line) {
                return Err(at(
                    r.line,
                    format!("duplicate login {:?} (first on line {first})", r.login),
                ));
            }
            if r.name.trim().is_empty() {
                return Err(at(r.line, format!("user {:?} has no name", r.login)));
            }
            if !r.email.is_empty() && !r.email.contains('@') {
                return Err(at(r.line, format!("invalid email {:?}", r.email)));
            }
            if let Some(c) = &r.calendar {
                if self.store.calendar(c)?.is_none() {
                    return Err(at(r.line, format!("no calendar {c:?}")));
                }
            }
            for g in &r.groups {
                if !valid_name(g) {
                    return Err(at(r.line, format!("invalid group name {g:?}")));
                }
            }
        }
        for r in &records {
            if let Some(m) = &r.manager {
                if m == &r.login {
                    return Err(at(
                        r.line,
                        format!("{} cannot be their own manager", r.login),
                    ));
                }
                if !seen.contains_key(m.as_str()) && self.store.user(m)?.is_none() {
                    return Err(at(r.line, format!("unknown manager {m:?} of {}", r.login)));
                }
            }
        }
        self.refuse_manager_cycles(&records)?;
        let mut new_groups = BTreeSet::new();
        let (mut created, mut updated) = (0, 0);
        for r in records {
            for g in &r.groups {
                if self.store.group(g)?.is_none() && new_groups.insert(g.clone()) {
                    tx.ws.put_group(&Group::new(g));
                    tx.event(None, EventKind::GroupCreated { name: g.clone() }, None);
                }
            }
            let prev = self.store.user(&r.login)?;
            let user = User {
                login: r.login.clone(),
                name: r.name.trim().to_string(),
                email: r.email.trim().to_string(),
                manager: r.manager,
                groups: r.groups,
                admin: prev.as_ref().is_some_and(|p| p.admin),
                calendar: r.calendar,
            };
            if prev.as_ref() == Some(&user) {
                continue;
            }
            tx.ws.put_user(prev.as_ref(), &user);
            let what = if prev.is_some() {
                updated += 1;
                EventKind::UserUpdated { login: r.login }
            } else {
                created += 1;
                EventKind::UserCreated { login: r.login }
            };
            tx.event(None, what, None);
        }
        Ok(format!(
            "imported users: {created} created, {updated} updated, {} new groups",
            new_groups.len()
        ))
    }

    /// Managers as they would be after the import; a chain that comes back to its start
    /// (a → b → a) is refused at the line of its first user, as escalation would loop.
    fn refuse_manager_cycles(&self, records: &[UserRecord]) -> Result<(), ApiError> {
        let mut manager: BTreeMap<String, Option<String>> = self
            .store
            .users()?
            .into_iter()
            .map(|u| (u.login, u.manager))
            .collect();
        for r in records {
            manager.insert(r.login.clone(), r.manager.clone());
        }
        for r in records {
            let mut chain = vec![r.login.as_str()];
            let mut at = r.login.as_str();
            while let Some(Some(m)) = manager.get(at) {
                chain.push(m);
                if m == &r.login {
                    return Err(ApiError::BadInput(format!(
                        "line {}: manager cycle {}",
                        r.line,
                        chain.join(" → ")
                    )));
                }
                if chain.len() > manager.len() + 1 {
                    break; // a cycle further up, refused at its own user's line
                }
                at = m;
            }
        }
        Ok(())
    }
}
