//! The `:` prompt. Case verbs go through the verb catalogue's clap definitions and builders
//! ([`crate::verbs`]), so `:delegate @db-admins --add` means exactly what
//! `casebench case delegate C-12 @db-admins --add` means; the case is the selected one (or the
//! marked ones) unless the line names one. A few verbs of the TUI itself come on top.

use chrono::{DateTime, Utc};
use clap::Parser;

use crate::api::{Command, Queue};
use crate::domain::CaseId;
use crate::tui::input::TextInput;
use crate::tui::panes::complete::{complete_args, Known};
use crate::tui::panes::inbox::{Sort, QUEUES};
use crate::verbs::{self, CaseCmd, Cases, Naming, Role, VERBS};

/// `:VERB ARGS…`, parsed by clap as the CLI parses `casebench case VERB ARGS…`.
#[derive(Debug, Parser)]
#[command(
    name = ":",
    no_binary_name = true,
    disable_help_subcommand = true,
    disable_version_flag = true
)]
struct Line {
    #[command(subcommand)]
    verb: CaseCmd,
}

/// Verbs of the TUI itself, with what they do (for help and completion).
pub const TUI_VERBS: &[(&str, &str)] = &[
    ("open", "open a case: open C-12"),
    ("queue", "show a queue: queue claimable"),
    ("filter", "filter the inbox: filter oracle"),
    (
        "sort",
        "sort the inbox: sort deadline|updated|created|escalation|kind|title",
    ),
    (
        "renew",
        "renew the request of the case shown: renew now+90d (its approval policy decides)",
    ),
    (
        "unsubscribe",
        "end the request of the case shown: unsubscribe [TIME] (now, or at TIME)",
    ),
    (
        "asof",
        "the inbox and case as they stood at TIME, read-only: asof 2026-11-20T14:00 (asof: now)",
    ),
    ("refresh", "reload and run due timers"),
    ("help", "show the keys"),
    ("quit", "leave casebench (also q)"),
];

fn all_verbs() -> Vec<String> {
    let mut v: Vec<String> = VERBS.iter().map(|v| v.name.to_string()).collect();
    v.extend(TUI_VERBS.iter().map(|(n, _)| n.to_string()));
    v.push("q".into());
    v
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub input: TextInput,
    /// Position in the history while browsing it with up/down.
    pub history_pos: Option<usize>,
}

impl Default for Prompt {
    fn default() -> Self {
        Prompt {
            input: TextInput::single_line(),
            history_pos: None,
        }
    }
}

impl Prompt {
    /// Completes the verb being typed, or its argument (people, flags, values, case ids:
    /// [`complete_args`]); returns the candidates when there are several.
    pub fn complete(&mut self, known: &Known) -> Vec<String> {
        let text = self.input.text();
        if text.contains(' ') {
            let (line, found) = complete_args(&text, known);
            if let Some(line) = line {
                self.input.set_text(&line);
            }
            return found;
        }
        let found: Vec<String> = all_verbs()
            .into_iter()
            .filter(|v| v.starts_with(text.trim()))
            .collect();
        if found.len() == 1 {
            self.input.set_text(&format!("{} ", found[0]));
            return vec![];
        }
        found
    }
}

/// What a prompt line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptAction {
    Run {
        commands: Vec<Command>,
        what: String,
        confirm: Option<String>,
    },
    Open(CaseId),
    Queue(usize, Option<String>),
    Filter(String),
    Sort(Sort),
    Refresh,
    Help,
    Quit,
    Nothing,
    /// `:asof [TIME]`: the past time to show (empty or `now`: the present).
    AsOf(String),
}

/// Splits a line into words: spaces separate, quotes group, a backslash escapes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = vec![];
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') | (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("unclosed quote".into());
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

fn looks_like_case(word: &str) -> Option<CaseId> {
    let w = word.trim();
    if w.len() > 2 && w[..2].eq_ignore_ascii_case("C-") {
        return w.parse().ok();
    }
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
        return w.parse().ok();
    }
    None
}

fn first_line(err: clap::Error) -> String {
    let text = err.render().to_string();
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.trim_start_matches("error: ").trim().to_string()
}

/// Parses a prompt line. `targets` are the cases a verb applies to when the line names none.
pub fn parse(line: &str, targets: &[CaseId], now: DateTime<Utc>) -> Result<PromptAction, String> {
    parse_naming(line, targets, now, &|_| None)
}

/// The requests cases decide, as questions name them (`R-1, R-2`), when known.
pub type RequestNames<'a> = &'a dyn Fn(&[CaseId]) -> Option<String>;

/// [`parse`], `requests` naming what `:approve` and `:deny` decide in their question.
pub fn parse_naming(
    line: &str,
    targets: &[CaseId],
    now: DateTime<Utc>,
    requests: RequestNames,
) -> Result<PromptAction, String> {
    let line = line.trim().trim_start_matches(':').trim();
    if line.is_empty() {
        return Ok(PromptAction::Nothing);
    }
    let (verb, rest) = match line.split_once(char::is_whitespace) {
        Some((v, r)) => (v, r.trim()),
        None => (line, ""),
    };
    match verb {
        "q" | "quit" | "exit" => return Ok(PromptAction::Quit),
        "help" | "h" | "?" => return Ok(PromptAction::Help),
        "refresh" => return Ok(PromptAction::Refresh),
        "asof" => return Ok(PromptAction::AsOf(rest.to_string())),
        "filter" => return Ok(PromptAction::Filter(unquote(rest))),
        "open" | "o" => return open(rest, targets),
        "queue" => {
            let q: Queue = rest.parse()?;
            let i = QUEUES
                .iter()
                .chain([&Queue::Outsourced])
                .position(|x| *x == q)
                .ok_or(
                    "the inbox shows mine, claimable, delegated, open, overdue, closed, outsourced",
                )?;
            return Ok(PromptAction::Queue(i, None));
        }
        "renew" | "unsubscribe" => return request_change(verb, rest, targets, now, requests),
        "sort" => {
            return Sort::from_name(rest)
                .map(PromptAction::Sort)
                .ok_or_else(|| {
                    "sort by deadline, updated, created, escalation, kind or title".into()
                })
        }
        _ => {}
    }
    let Some(def) = verbs::find(verb) else {
        return Err(format!(
            "unknown command {verb:?}: try {}",
            all_verbs().join(", ")
        ));
    };
    match def.shape.role {
        Role::ShowCase => return open(rest, targets),
        Role::ListQueue | Role::Write => {}
    }
    let shape = def.shape;
    // A comment is the rest of the line as typed; other verbs split like a shell.
    let mut words = if shape.text {
        vec![]
    } else {
        split_words(rest)?
    };
    // The case: named first on the line, else the targets.
    let explicit = if shape.on_cases && !shape.text {
        words.first().and_then(|w| looks_like_case(w))
    } else {
        None
    };
    if explicit.is_some() {
        words.remove(0);
    }
    if let Some(w) = words.first() {
        if w.len() > 2 && w[..2].eq_ignore_ascii_case("W-") {
            return Err("name the case (C-…), not the work item".into());
        }
    }
    let cases: Vec<CaseId> = match explicit {
        Some(c) => vec![c],
        None => targets.to_vec(),
    };
    // `:complete success` for `--outcome success`.
    if let Some(flag) = shape.bare {
        if words.first().is_some_and(|w| !w.starts_with('-')) {
            words.insert(0, flag.into());
        }
    }
    if shape.on_cases && cases.is_empty() {
        return Err(format!("{verb}: no case selected"));
    }
    let placeholder = cases.first().map(|c| c.to_string()).unwrap_or_default();
    let mut args: Vec<String> = vec![def.name.to_string()];
    if shape.on_cases {
        args.push(placeholder);
    }
    if shape.text {
        args.push(unquote(rest).replace("\\n", "\n"));
    } else {
        args.extend(words);
    }
    let parsed = Line::try_parse_from(&args).map_err(first_line)?;
    to_action(parsed.verb, &cases, now, requests)
}

/// `:renew TIME` / `:unsubscribe [TIME]` on the request the (one) target case decides.
fn request_change(
    verb: &str,
    rest: &str,
    targets: &[CaseId],
    now: DateTime<Utc>,
    requests: RequestNames,
) -> Result<PromptAction, String> {
    let [case] = targets else {
        return Err(format!("{verb}: open the one case whose request to {verb}"));
    };
    let request: crate::domain::RequestId = requests(targets)
        .ok_or_else(|| format!("{case} decides no access request"))?
        .parse()
        .map_err(|e| format!("{e}"))?;
    // `--until` / `--from` may be given as on the CLI; the time is the rest.
    let given = rest
        .strip_prefix("--until")
        .or_else(|| rest.strip_prefix("--from"))
        .unwrap_or(rest)
        .trim();
    let time = |t: &str| crate::verbs::timearg::parse_time(t, now);
    let (command, what) = if verb == "renew" {
        if given.is_empty() {
            return Err("renew until when? :renew now+90d".into());
        }
        let until = time(given)?;
        (
            Command::Renew { request, until },
            format!("renewal of {request} asked"),
        )
    } else {
        let from = if given.is_empty() {
            None
        } else {
            Some(time(given)?)
        };
        (
            Command::CancelRequest { request, from },
            format!("unsubscription of {request} asked"),
        )
    };
    Ok(PromptAction::Run {
        commands: vec![command],
        what,
        confirm: Some(format!(
            "{} {request}?",
            if verb == "renew" {
                "Renew"
            } else {
                "Unsubscribe"
            }
        )),
    })
}

/// `:open C-12`, `:show`: the named case, else the first target.
fn open(rest: &str, targets: &[CaseId]) -> Result<PromptAction, String> {
    let id = if rest.is_empty() {
        targets.first().copied().ok_or("no case selected")?
    } else {
        looks_like_case(rest).ok_or_else(|| format!("not a case id: {rest:?}"))?
    };
    Ok(PromptAction::Open(id))
}

/// The engine commands a parsed verb stands for, one per case.
fn to_action(
    verb: CaseCmd,
    cases: &[CaseId],
    now: DateTime<Utc>,
    requests: RequestNames,
) -> Result<PromptAction, String> {
    match &verb {
        CaseCmd::Show(_) | CaseCmd::History(_) => {
            return open("", cases);
        }
        CaseCmd::List(list) => {
            let i = QUEUES
                .iter()
                .chain([&Queue::Outsourced])
                .position(|x| *x == list.queue)
                .ok_or(
                    "the inbox shows mine, claimable, delegated, open, overdue, closed, outsourced",
                )?;
            return Ok(PromptAction::Queue(i, list.filter.clone()));
        }
        CaseCmd::Comment(c) if c.args.text.trim().is_empty() => {
            return Err("empty comment: :comment TEXT".into());
        }
        _ => {}
    }
    let on = Cases::of(cases, Naming::Brief);
    let built = match verb {
        CaseCmd::Approve(a) => Some(verbs::case::approve::build(
            &on,
            a.args.comment,
            requests(cases).as_deref(),
        )),
        CaseCmd::Deny(d) => Some(
            verbs::case::deny::build(&on, d.args.reason(), requests(cases).as_deref())
                .map_err(|_| "a denial says why: :deny WHY")?,
        ),
        verb => verbs::build(verb, &on, None, || Ok(now)).map_err(|e| e.to_string())?,
    };
    Ok(match built {
        Some(b) => PromptAction::Run {
            commands: b.commands,
            what: b.what,
            confirm: b.confirm,
        },
        None => PromptAction::Nothing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renew_and_unsubscribe_act_on_the_request_of_the_case_shown() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, 9, 0, 0).unwrap();
        let r2 = |_: &[CaseId]| Some("R-2".to_string());
        let none = |_: &[CaseId]| None;
        let c5 = [CaseId(5)];
        match parse_naming(":renew now+30d", &c5, now, &r2).unwrap() {
            PromptAction::Run {
                commands, confirm, ..
            } => {
                assert_eq!(
                    commands,
                    vec![Command::Renew {
                        request: crate::domain::RequestId(2),
                        until: now + chrono::Duration::days(30),
                    }]
                );
                assert_eq!(confirm.as_deref(), Some("Renew R-2?"));
            }
            other => panic!("{other:?}"),
        }
        match parse_naming(":unsubscribe", &c5, now, &r2).unwrap() {
            PromptAction::Run { commands, .. } => assert_eq!(
                commands,
                vec![Command::CancelRequest {
                    request: crate::domain::RequestId(2),
                    from: None,
                }]
            ),
            other => panic!("{other:?}"),
        }
        assert!(parse_naming(":renew", &c5, now, &r2).is_err());
        assert!(parse_naming(":renew now+30d", &c5, now, &none)
            .unwrap_err()
            .contains("decides no access request"));
        assert!(parse_naming(":renew now+30d", &[CaseId(5), CaseId(6)], now, &r2).is_err());
    }
    use crate::domain::{DelegationMethod, Outcome, Target};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
    }

    fn run(line: &str) -> Vec<Command> {
        match parse(line, &[CaseId(12)], now()) {
            Ok(PromptAction::Run { commands, .. }) => commands,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn case_verbs_become_the_cli_commands() {
        assert_eq!(
            run("delegate @db-admins"),
            vec![Command::Delegate {
                case: CaseId(12),
                work_item: None,
                to: Target::Group("db-admins".into()),
                method: DelegationMethod::Replace,
                comment: None,
            }]
        );
        assert_eq!(
            run("delegate bob --add --comment \"over to you\""),
            vec![Command::Delegate {
                case: CaseId(12),
                work_item: None,
                to: Target::User("bob".into()),
                method: DelegationMethod::Add,
                comment: Some("over to you".into()),
            }]
        );
        assert_eq!(
            run("comment it's done, see ticket 42"),
            vec![Command::Comment {
                case: CaseId(12),
                text: "it's done, see ticket 42".into()
            }]
        );
        assert_eq!(
            run(":complete success"),
            vec![Command::Complete {
                case: CaseId(12),
                work_item: None,
                outcome: Outcome::Success,
                comment: None
            }]
        );
        assert_eq!(
            run("claim C-7"),
            vec![Command::Claim {
                case: CaseId(7),
                work_item: None
            }]
        );
        assert_eq!(run("claim").len(), 1);
    }

    #[test]
    fn errors_are_one_line() {
        for line in [
            "frobnicate",
            "delegate",
            "complete maybe",
            "comment",
            "delegate 'x",
        ] {
            let e = parse(line, &[CaseId(1)], now()).unwrap_err();
            assert!(!e.contains('\n') && !e.is_empty(), "{line}: {e:?}");
        }
        assert!(parse("claim", &[], now()).is_err());
    }

    #[test]
    fn tui_verbs() {
        assert_eq!(parse("q", &[], now()), Ok(PromptAction::Quit));
        assert_eq!(
            parse("open 12", &[], now()),
            Ok(PromptAction::Open(CaseId(12)))
        );
        assert_eq!(
            parse("queue overdue", &[], now()),
            Ok(PromptAction::Queue(4, None))
        );
        assert_eq!(
            parse("sort title", &[], now()),
            Ok(PromptAction::Sort(Sort::Title))
        );
        assert_eq!(
            parse("list --queue claimable --filter ora", &[], now()),
            Ok(PromptAction::Queue(1, Some("ora".into())))
        );
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            split_words(r#"a "b c" 'd e' f\ g"#).unwrap(),
            vec!["a", "b c", "d e", "f g"]
        );
        assert!(split_words("\"open").is_err());
    }
}
