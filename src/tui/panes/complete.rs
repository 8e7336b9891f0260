//! Tab completion for the `:` prompt past the verb: logins and `@groups` where a verb takes
//! a person (`:delegate`, `:assign`, `:escalate --to`, `--owner`), the verb's flags from its
//! clap definition (`--add`), a flag's values (`--outcome success`), and case ids.

use clap::{Arg, Command, Subcommand};

use crate::domain::{Outcome, Target};
use crate::tui::panes::picker::PickEntry;
use crate::verbs::{self, CaseCmd};

/// What completion can offer besides the verbs' own words.
#[derive(Debug, Default, Clone, Copy)]
pub struct Known<'a> {
    /// The people and groups of the org (as the picker has them).
    pub people: &'a [PickEntry],
    /// Case ids of the inbox, as shown (`C-12`).
    pub cases: &'a [String],
}

/// The outcomes a person gives (`unknown` is the engine's).
const OUTCOMES: [Outcome; 4] = [
    Outcome::Success,
    Outcome::Failure,
    Outcome::Approved,
    Outcome::Rejected,
];

/// The clap definition of a case verb, by its name or an alias.
fn verb_command(name: &str) -> Option<Command> {
    let def = verbs::find(name)?;
    let root = CaseCmd::augment_subcommands(Command::new(":"));
    root.find_subcommand(def.name).cloned()
}

/// Whether an argument names a person or a group.
fn takes_person(arg: &Arg) -> bool {
    matches!(
        arg.get_id().as_str(),
        "user" | "target" | "to" | "owner" | "assignee"
    )
}

fn people(known: &Known) -> Vec<String> {
    known
        .people
        .iter()
        .map(|p| match &p.target {
            Target::Group(g) => format!("@{g}"),
            Target::User(u) => u.clone(),
        })
        .collect()
}

/// The words that may stand at the end of `words` (the last one being typed, maybe empty).
fn candidates(words: &[&str], known: &Known) -> Vec<String> {
    let Some(cmd) = words.first().and_then(|v| verb_command(v)) else {
        return vec![];
    };
    let word = words.last().copied().unwrap_or("");
    let prev = words.len().checked_sub(2).map(|i| words[i]).unwrap_or("");
    let flag = |long: &str| {
        cmd.get_arguments()
            .find(|a| a.get_long() == Some(long) && a.get_action().takes_values())
    };
    if let Some(arg) = prev.strip_prefix("--").and_then(flag) {
        return values(arg, known);
    }
    if word.starts_with('-') {
        return cmd
            .get_arguments()
            .filter_map(|a| a.get_long())
            .map(|l| format!("--{l}"))
            .collect();
    }
    let case_like = word.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("c-"))
        || word.starts_with(|c: char| c.is_ascii_digit());
    if case_like {
        return known.cases.to_vec();
    }
    // `:complete success` stands for `--outcome success`.
    let def = verbs::find(words[0]);
    if let Some(bare) = def.and_then(|d| d.shape.bare) {
        return flag(bare.trim_start_matches("--"))
            .map(|a| values(a, known))
            .unwrap_or_default();
    }
    let positional_person = cmd.get_positionals().any(takes_person);
    if positional_person {
        return people(known);
    }
    vec![]
}

/// The values a flag takes: people, outcomes, or what clap lists.
fn values(arg: &Arg, known: &Known) -> Vec<String> {
    if takes_person(arg) {
        return people(known);
    }
    if arg.get_id() == "outcome" {
        return OUTCOMES.iter().map(|o| o.name().to_string()).collect();
    }
    arg.get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect()
}

/// Completes the last word of `line` (a verb's argument); the new line when one candidate
/// (or a longer common prefix) is found, and the candidates when several remain.
pub fn complete_args(line: &str, known: &Known) -> (Option<String>, Vec<String>) {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    if line.ends_with(char::is_whitespace) {
        words.push("");
    }
    let word = words.last().copied().unwrap_or("");
    let lower = word.to_lowercase();
    let mut found: Vec<String> = candidates(&words, known)
        .into_iter()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .collect();
    found.sort();
    found.dedup();
    let head = &line[..line.len() - word.len()];
    match found.as_slice() {
        [] => (None, vec![]),
        [one] => (Some(format!("{head}{one} ")), vec![]),
        many => {
            let common = common_prefix(many);
            let longer = (common.len() > word.len()).then(|| format!("{head}{common}"));
            (longer, found)
        }
    }
}

fn common_prefix(words: &[String]) -> String {
    let first = &words[0];
    let mut end = first.len();
    for w in &words[1..] {
        end = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(end);
    }
    first[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Org;
    use crate::domain::User;

    fn org() -> Vec<PickEntry> {
        let user = |login: &str, groups: &[&str]| User {
            login: login.into(),
            name: login.into(),
            email: format!("{login}@example.org"),
            manager: None,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            admin: false,
            calendar: None,
        };
        crate::tui::panes::picker::entries(&Org {
            users: vec![user("alice", &["db-admins"]), user("albert", &["ops"])],
            groups: vec![
                crate::api::GroupView {
                    name: "db-admins".into(),
                    manager: None,
                    members: vec!["alice".into()],
                },
                crate::api::GroupView {
                    name: "ops".into(),
                    manager: None,
                    members: vec!["albert".into()],
                },
            ],
        })
    }

    fn complete(line: &str) -> (Option<String>, Vec<String>) {
        let people = org();
        let cases = ["C-12".to_string(), "C-120".to_string(), "C-7".to_string()];
        complete_args(
            line,
            &Known {
                people: &people,
                cases: &cases,
            },
        )
    }

    #[test]
    fn completes_people_groups_flags_values_and_cases() {
        assert_eq!(
            complete("delegate @d").0.as_deref(),
            Some("delegate @db-admins ")
        );
        assert_eq!(complete("assign ali").0.as_deref(), Some("assign alice "));
        // Several: listed, the line unchanged (no longer common prefix).
        assert_eq!(
            complete("delegate al"),
            (None, vec!["albert".to_string(), "alice".to_string()])
        );
        assert_eq!(
            complete("delegate @ops --a").0.as_deref(),
            Some("delegate @ops --add ")
        );
        assert_eq!(
            complete("escalate --to @o").0.as_deref(),
            Some("escalate --to @ops ")
        );
        assert_eq!(
            complete("complete --outcome su").0.as_deref(),
            Some("complete --outcome success ")
        );
        assert_eq!(
            complete("complete fa").0.as_deref(),
            Some("complete failure ")
        );
        assert_eq!(complete("claim C-7").0.as_deref(), Some("claim C-7 "));
        let (line, some) = complete("claim C-1");
        assert_eq!(line.as_deref(), Some("claim C-12"));
        assert_eq!(some, ["C-12", "C-120"]);
        assert_eq!(complete("comment hello w"), (None, vec![]));
    }
}
