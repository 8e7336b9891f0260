//! The Jira adapter against a checking server on 127.0.0.1: every request's method, path,
//! query, Authorization header and JSON body is what Jira's REST v2 expects, and every reply
//! (good, malformed, an error status, none) is mapped as documented in docs/itsm.md.

mod itsm_server;

use std::time::{Duration, Instant};

use casebench::domain::CaseId;
use casebench::itsm::{
    adapter, Adapter, Auth, Draft, ItsmError, Kind, Poll, SecretSource, Target, TicketState,
};
use itsm_server::{Expect, Server};
use serde_json::{json, Value};

const TOKEN: &str = "pat-Zq81xK";
const BEARER: &str = "Bearer pat-Zq81xK";
const SEARCH: &str = "/rest/api/2/search?jql=labels%3D%22casebench-C-12%22%20ORDER%20BY%20created%20ASC&fields=key&maxResults=2";
const ISSUE: &str = "/rest/api/2/issue/OPS-7?fields=status,resolution,updated,comment";

fn target(url: &str, auth: Auth, timeout: Duration) -> Target {
    Target {
        name: "jira".into(),
        kind: Kind::Jira {
            url: url.into(),
            project: "OPS".into(),
            issue_type: "Task".into(),
            auth,
        },
        kinds: vec![],
        comments: true,
        timeout,
    }
}

/// An adapter for `url`: its secret is read from an owner-only file as it is built (a file,
/// not a variable: tests run in parallel threads).
fn with_secret(
    url: &str,
    secret: &str,
    auth: impl Fn(SecretSource) -> Auth,
    t: u64,
) -> Box<dyn Adapter> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    adapter(&target(
        url,
        auth(SecretSource::File(path)),
        Duration::from_secs(t),
    ))
    .unwrap()
}

/// An adapter for `server` with the bearer token.
fn jira(server: &Server) -> Box<dyn Adapter> {
    with_secret(&server.url, TOKEN, Auth::Token, 5)
}

fn draft() -> Draft {
    Draft::new(
        CaseId(12),
        "Grant ana VPN access",
        "Create the account ana on vpn.".into(),
    )
}

fn issue(category: &str, status: &str, resolution: Value, comments: Value) -> Value {
    json!({"key": "OPS-7", "fields": {
        "status": {"name": status, "statusCategory": {"key": category}},
        "resolution": resolution,
        "updated": "2026-12-01T10:03:00.000+0100",
        "comment": {"comments": comments},
    }})
}

fn status_of(reply: Value) -> casebench::itsm::Status {
    let server = Server::start(vec![Expect::new("GET", ISSUE, BEARER).answer(200, reply)]);
    let poll = jira(&server).status("OPS-7", None).unwrap();
    server.finish();
    match poll {
        Poll::Now(s) => s,
        Poll::Unchanged => panic!("a 200 is not unchanged"),
    }
}

#[test]
fn create_posts_the_issue_with_its_label_and_answers_its_key() {
    let d = draft();
    let server = Server::start(vec![Expect::new("POST", "/rest/api/2/issue", BEARER)
        .json(json!({"fields": {
            "project": {"key": "OPS"},
            "summary": "Grant ana VPN access [casebench C-12]",
            "description": "Create the account ana on vpn.",
            "issuetype": {"name": "Task"},
            "labels": ["casebench-C-12"],
        }}))
        .answer(201, json!({"id": "10007", "key": "OPS-7", "self": "x"}))]);
    assert_eq!(jira(&server).create(&d).unwrap(), "OPS-7");
    server.finish();
}

#[test]
fn a_created_key_that_is_not_a_key_is_refused() {
    for reply in [
        json!({"key": "../../admin"}),
        json!({"id": "1"}),
        json!([1]),
    ] {
        let server = Server::start(vec![Expect::new("POST", "/rest/api/2/issue", BEARER)
            .check(|_| Ok(()))
            .answer(201, &reply)]);
        let e = jira(&server).create(&draft()).unwrap_err();
        server.finish();
        assert!(matches!(e, ItsmError::Reply { .. }), "{reply}: {e:?}");
        assert!(e.to_string().contains("create"), "{e}");
    }
}

#[test]
fn find_searches_the_label_by_jql() {
    let server = Server::start(vec![
        Expect::new("GET", SEARCH, BEARER).answer(200, json!({"total": 0, "issues": []})),
        Expect::new("GET", SEARCH, BEARER).answer(
            200,
            json!({"total": 1, "issues": [{"id": "1", "key": "OPS-7"}]}),
        ),
        Expect::new("GET", SEARCH, BEARER).answer(
            200,
            json!({"total": 2, "issues": [{"key": "OPS-3"}, {"key": "OPS-9"}]}),
        ),
        Expect::new("GET", SEARCH, BEARER).answer(200, json!({"issues": [{"key": "x/../1"}]})),
        Expect::new("GET", SEARCH, BEARER).answer(200, json!({"errorMessages": []})),
    ]);
    let j = jira(&server);
    assert_eq!(j.find(&draft()).unwrap(), None);
    assert_eq!(j.find(&draft()).unwrap(), Some("OPS-7".into()));
    // Two issues for one case (made before casebench knew): the oldest is the case's.
    assert_eq!(j.find(&draft()).unwrap(), Some("OPS-3".into()));
    let e = j.find(&draft()).unwrap_err();
    assert!(e.to_string().contains("is not an issue key"), "{e}");
    let e = j.find(&draft()).unwrap_err();
    assert!(e.to_string().contains("no `issues` list"), "{e}");
    server.finish();
}

#[test]
fn open_categories_are_open() {
    for (category, name) in [("new", "To Do"), ("indeterminate", "In Progress")] {
        let s = status_of(issue(
            category,
            name,
            Value::Null,
            json!([{"body": "working on it"}]),
        ));
        assert_eq!(s.state, TicketState::Open, "{category}");
        assert_eq!(s.raw, name);
        assert_eq!(s.last_comment, None, "an open issue gives no reason");
        assert_eq!(s.changed.unwrap().to_rfc3339(), "2026-12-01T09:03:00+00:00");
    }
}

#[test]
fn done_issues_are_decided_by_their_resolution() {
    let cases = [
        (Value::Null, TicketState::Succeeded, "Done"),
        (
            json!({"name": "Done"}),
            TicketState::Succeeded,
            "Done (Done)",
        ),
        (
            json!({"name": "fixed"}),
            TicketState::Succeeded,
            "Done (fixed)",
        ),
        (
            json!({"name": "Resolved"}),
            TicketState::Succeeded,
            "Done (Resolved)",
        ),
        (
            json!({"name": "Won't Do"}),
            TicketState::Failed,
            "Done (Won't Do)",
        ),
        (
            json!({"name": "WON'T FIX"}),
            TicketState::Failed,
            "Done (WON'T FIX)",
        ),
        (
            json!({"name": "Rejected"}),
            TicketState::Failed,
            "Done (Rejected)",
        ),
        (
            json!({"name": "Declined"}),
            TicketState::Failed,
            "Done (Declined)",
        ),
        (
            json!({"name": "Cannot Reproduce"}),
            TicketState::Failed,
            "Done (Cannot Reproduce)",
        ),
        (
            json!({"name": "Duplicate"}),
            TicketState::Failed,
            "Done (Duplicate)",
        ),
        (
            json!({"name": "Incomplete"}),
            TicketState::Failed,
            "Done (Incomplete)",
        ),
        (
            json!({"name": "Something new"}),
            TicketState::Failed,
            "Done (Something new)",
        ),
    ];
    for (resolution, want, raw) in cases {
        let comments = json!([
            {"body": "first", "created": "2026-12-01T09:00:00.000+0100"},
            {"body": "the account already exists", "author": {"displayName": "Bo"}},
        ]);
        let s = status_of(issue("done", "Done", resolution.clone(), comments));
        assert_eq!(s.state, want, "{resolution}");
        assert_eq!(s.raw, raw);
        assert_eq!(
            s.last_comment.as_deref(),
            Some("the account already exists")
        );
    }
}

#[test]
fn a_missing_issue_is_rejected() {
    let server = Server::start(vec![Expect::new("GET", ISSUE, BEARER).answer(
        404,
        json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."]}),
    )]);
    let poll = jira(&server).status("OPS-7", None).unwrap();
    server.finish();
    let Poll::Now(s) = poll else {
        panic!("a 404 is news")
    };
    assert_eq!(s.state, TicketState::Rejected);
    assert!(s.last_comment.unwrap().contains("OPS-7"));
}

#[test]
fn a_validator_is_sent_and_a_304_is_unchanged() {
    let server = Server::start(vec![
        Expect::new("GET", ISSUE, BEARER)
            .header("ETag", "\"v1\"")
            .answer(200, issue("new", "To Do", Value::Null, json!([]))),
        Expect::new("GET", ISSUE, BEARER)
            .require("If-None-Match", "\"v1\"")
            .answer(304, ""),
    ]);
    let j = jira(&server);
    let Poll::Now(s) = j.status("OPS-7", None).unwrap() else {
        panic!("first read")
    };
    assert_eq!(s.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        j.status("OPS-7", s.etag.as_deref()).unwrap(),
        Poll::Unchanged
    );
    server.finish();
}

#[test]
fn malformed_status_replies_say_what_is_wrong() {
    let cases = [
        ("not json at all", "expected"),
        ("{\"key\":\"OPS-7\"}", "no `fields` object"),
        ("{\"fields\":{\"status\":{\"name\":\"X\"}}}", "statusCategory"),
        (
            "{\"fields\":{\"status\":{\"name\":\"X\",\"statusCategory\":{\"key\":\"odd\"}}}}",
            "unknown status category \"odd\"",
        ),
        (
            "{\"fields\":{\"status\":{\"name\":\"X\",\"statusCategory\":{\"key\":\"new\"}},\"updated\":\"soon\"}}",
            "`fields.updated` is not a time",
        ),
        (
            "{\"fields\":{\"status\":{\"name\":\"X\",\"statusCategory\":{\"key\":\"done\"}},\"comment\":{\"comments\":[{\"nobody\":1}]}}}",
            "a comment without a `body`",
        ),
    ];
    for (reply, want) in cases {
        let server = Server::start(vec![Expect::new("GET", ISSUE, BEARER).answer(200, reply)]);
        let e = jira(&server).status("OPS-7", None).unwrap_err();
        server.finish();
        assert!(matches!(e, ItsmError::Reply { .. }), "{reply}: {e:?}");
        let shown = e.to_string();
        assert!(shown.contains(want), "{reply}: {shown}");
        assert!(!shown.contains('\n'), "one line: {shown}");
    }
}

#[test]
fn an_error_status_is_bounded_and_never_shows_the_token() {
    let echo = format!(
        "{{\"message\":\"bad token {TOKEN}? {}\"}}",
        "x".repeat(5000)
    );
    let server = Server::start(vec![Expect::new("GET", ISSUE, BEARER).answer(401, &echo)]);
    let e = jira(&server).status("OPS-7", None).unwrap_err();
    server.finish();
    let ItsmError::Http { status, body, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*status, 401);
    assert!(body.chars().count() <= 201, "{}", body.len());
    // The reply echoed the token: the error keeps the system's words, bounded, without it.
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(shown.contains("bad token [redacted]?"), "{shown}");
    }
    let server = Server::start(vec![Expect::new("POST", "/rest/api/2/issue", BEARER)
        .check(|_| Ok(()))
        .answer(500, "{\"message\":\"boom\"}")]);
    let e = jira(&server).create(&draft()).unwrap_err();
    server.finish();
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(
            shown.contains("HTTP 500") || shown.contains("500"),
            "{shown}"
        );
    }
}

#[test]
fn comment_posts_the_text() {
    let server = Server::start(vec![Expect::new(
        "POST",
        "/rest/api/2/issue/OPS-7/comment",
        BEARER,
    )
    .json(json!({"body": "Please also add ana to vpn-users."}))
    .answer(201, json!({"id": "100"}))]);
    jira(&server)
        .comment("OPS-7", "Please also add ana to vpn-users.")
        .unwrap();
    server.finish();
}

#[test]
fn comments_since_reads_the_newest_after_a_time_oldest_first() {
    let path = "/rest/api/2/issue/OPS-7/comment?orderBy=-created&maxResults=100";
    let page = json!({"comments": [
        {"body": "third", "created": "2026-12-01T12:00:00.000+0000", "author": {"displayName": "Bo"}},
        {"body": "second", "created": "2026-12-01T11:00:00.000+0000", "author": {"name": "cy"}},
        {"body": "first", "created": "2026-12-01T10:00:00.000+0000"},
    ]});
    let server = Server::start(vec![Expect::new("GET", path, BEARER).answer(200, page)]);
    let since = "2026-12-01T10:30:00Z".parse().unwrap();
    let got = jira(&server).comments_since("OPS-7", Some(since)).unwrap();
    server.finish();
    let texts: Vec<_> = got
        .iter()
        .map(|c| (c.text.as_str(), c.author.as_str()))
        .collect();
    assert_eq!(texts, [("second", "cy"), ("third", "Bo")]);
}

#[test]
fn references_that_are_not_keys_never_reach_a_url() {
    let server = Server::start(vec![]);
    let j = jira(&server);
    for bad in [
        "../../secure/admin",
        "OPS-7?x=1",
        "ops-7",
        "OPS-7/comment",
        "",
    ] {
        let e = j.status(bad, None).unwrap_err();
        assert!(e.to_string().contains("not a Jira issue key"), "{e}");
        assert!(j.comment(bad, "x").is_err());
    }
    server.finish();
}

#[test]
fn basic_auth_sends_the_e_mail_and_api_token() {
    let server = Server::start(vec![Expect::new(
        "POST",
        "/rest/api/2/issue/OPS-7/comment",
        "Basic YW5hQGV4YW1wbGUuY29tOmFwaS10b2stMg==",
    )
    .json(json!({"body": "hi"}))
    .answer(201, "{}")]);
    let basic = |password| Auth::Basic {
        user: "ana@example.com".into(),
        password,
    };
    let j = with_secret(&server.url, "api-tok-2", basic, 5);
    j.comment("OPS-7", "hi").unwrap();
    server.finish();
}

#[test]
fn a_missing_secret_is_a_config_error() {
    let auth = Auth::Token(SecretSource::Env("CASEBENCH_TEST_JIRA_UNSET".into()));
    let Err(e) = adapter(&target("http://127.0.0.1:9", auth, Duration::from_secs(1))) else {
        panic!("no secret, no adapter")
    };
    assert!(matches!(e, ItsmError::Config { .. }), "{e:?}");
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = Server::silent();
    let j = with_secret(&server.url, TOKEN, Auth::Token, 1);
    let start = Instant::now();
    let e = j.status("OPS-7", None).unwrap_err();
    assert!(matches!(e, ItsmError::Timeout { secs: 1, .. }), "{e:?}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    server.finish();
}

#[test]
fn a_server_that_answers_garbage_is_an_error_not_a_panic() {
    let server = Server::garbage();
    let e = jira(&server).status("OPS-7", None).unwrap_err();
    assert!(
        matches!(e, ItsmError::Transport { .. } | ItsmError::Reply { .. }),
        "{e:?}"
    );
    assert!(!e.to_string().contains('\n'), "{e}");
    server.finish();
}

#[test]
fn the_checking_server_fails_what_it_does_not_expect() {
    // A wrong body, then a request past the script's end: both answered 500 and reported.
    let server = Server::start(vec![Expect::new(
        "POST",
        "/rest/api/2/issue/OPS-7/comment",
        BEARER,
    )
    .json(json!({"body": "something else"}))
    .answer(201, "{}")]);
    let j = jira(&server);
    assert!(j.comment("OPS-7", "hi").is_err());
    assert!(j.status("OPS-7", None).is_err());
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.finish()));
    let message = *failed.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("expected the body"), "{message}");
    assert!(
        message.contains("unexpected request: GET /rest/api/2/issue/OPS-7"),
        "{message}"
    );
    // An expectation that never came is reported too.
    let server = Server::start(vec![Expect::new("GET", ISSUE, BEARER)]);
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.finish()));
    let message = *failed.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("it never came"), "{message}");
}

#[test]
fn the_adapter_shows_no_secret_in_debug() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, TOKEN).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let t = target(
        "http://127.0.0.1:9",
        Auth::Token(SecretSource::File(path)),
        Duration::from_secs(1),
    );
    let j = casebench::itsm::jira::Jira::new(&t).unwrap();
    let shown = format!("{j:?}");
    assert!(shown.contains("OPS") && !shown.contains(TOKEN), "{shown}");
}
