//! Command plugins through `casebench::itsm::adapter`: the example bridge
//! (assets/itsm/file-tickets.py) end to end, and small sh scripts that are slow, crash, print
//! garbage, print too much, or report an error. Scripts are run as `/bin/sh SCRIPT` (the
//! file is read, not executed: no "text file busy" while other tests fork).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use casebench::domain::CaseId;
use casebench::itsm::{adapter, Adapter, Draft, ItsmError, Kind, Poll, Target, TicketState};
use serde_json::Value;

fn target(program: &Path, args: Vec<String>, timeout: Duration) -> Target {
    Target {
        name: "bridge".into(),
        kind: Kind::Command {
            program: program.to_path_buf(),
            args,
        },
        kinds: vec![],
        comments: true,
        timeout,
    }
}

/// A plugin running `body` with /bin/sh, from a file in `dir`.
fn sh(dir: &Path, name: &str, body: &str, timeout: Duration) -> Box<dyn Adapter> {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    let args = vec![path.display().to_string()];
    adapter(&target(Path::new("/bin/sh"), args, timeout)).unwrap()
}

/// A plugin that reads its request and answers `reply`.
fn answering(dir: &Path, name: &str, reply: &str) -> Box<dyn Adapter> {
    let body = format!("cat >/dev/null\ncat <<'EOF'\n{reply}\nEOF\n");
    sh(dir, name, &body, Duration::from_secs(10))
}

fn draft(case: u64) -> Draft {
    Draft::new(
        CaseId(case),
        "Grant ana VPN access",
        "Create the account ana on vpn.".into(),
    )
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/itsm/file-tickets.py")
}

fn has_python() -> bool {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("NOTICE: python3 is missing; the example plugin's tests are skipped");
    }
    ok
}

fn now(poll: Poll) -> casebench::itsm::Status {
    match poll {
        Poll::Now(s) => s,
        Poll::Unchanged => panic!("a plugin has no validators"),
    }
}

#[test]
fn the_example_bridge_creates_finds_reads_and_comments() {
    if !has_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tickets = dir.path().join("tickets");
    let args = vec!["--dir".to_string(), tickets.display().to_string()];
    let plugin = adapter(&target(&example(), args, Duration::from_secs(20))).unwrap();

    assert_eq!(plugin.find(&draft(12)).unwrap(), None);
    let r = plugin.create(&draft(12)).unwrap();
    assert_eq!(r, "T-1");
    assert_eq!(plugin.create(&draft(13)).unwrap(), "T-2");
    assert_eq!(plugin.find(&draft(12)).unwrap(), Some("T-1".into()));
    assert_eq!(plugin.find(&draft(14)).unwrap(), None);

    let file = tickets.join("T-1.json");
    let mut ticket: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(ticket["subject"], "Grant ana VPN access [casebench C-12]");
    assert_eq!(ticket["label"], "casebench-C-12");
    assert_eq!(ticket["body"], "Create the account ana on vpn.");

    let s = now(plugin.status(&r, None).unwrap());
    assert_eq!((s.state, s.raw.as_str()), (TicketState::Open, "new"));
    assert!(s.changed.is_some());

    plugin
        .comment(&r, "Please hurry, the start date is Monday.")
        .unwrap();
    ticket = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        ticket["comments"][0]["text"],
        "Please hurry, the start date is Monday."
    );

    // An administrator closes the ticket by editing its file.
    ticket["state"] = "done".into();
    ticket["outcome"] = "success".into();
    ticket["status"] = "resolved".into();
    ticket["changed"] = "2026-12-01T10:03:00+01:00".into();
    ticket["comments"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"text": "ana can log in now"}));
    std::fs::write(&file, ticket.to_string()).unwrap();
    let s = now(plugin.status(&r, None).unwrap());
    assert_eq!(s.state, TicketState::Succeeded);
    assert_eq!(s.raw, "resolved");
    assert_eq!(s.last_comment.as_deref(), Some("ana can log in now"));
    assert_eq!(s.changed.unwrap().to_rfc3339(), "2026-12-01T09:03:00+00:00");

    // Or with --set; a failure carries its reason.
    let set = std::process::Command::new(example())
        .arg("--dir")
        .arg(&tickets)
        .args(["--set", "T-2", "done", "failure", "no such department"])
        .status()
        .unwrap();
    assert!(set.success());
    let s = now(plugin.status("T-2", None).unwrap());
    assert_eq!(s.state, TicketState::Failed);
    assert_eq!(s.last_comment.as_deref(), Some("no such department"));

    // What it refuses comes back as the plugin's error.
    let e = plugin.status("../T-1", None).unwrap_err();
    assert!(
        e.to_string().contains("reported an error: no such ticket"),
        "{e}"
    );
}

#[test]
fn every_request_carries_the_version_the_target_and_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests");
    let body = format!(
        "cat >> {}\necho >> {}\necho '{{\"ref\":\"SN-1\"}}'\n",
        log.display(),
        log.display()
    );
    let p = sh(dir.path(), "log.sh", &body, Duration::from_secs(10));
    let d = draft(12);
    p.create(&d).unwrap();
    p.find(&d).unwrap();
    p.comment("SN-1", "a note").unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let got: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want = [
        serde_json::json!({"version": 1, "target": "bridge", "op": "create", "case": "C-12",
            "subject": d.subject, "body": d.body, "marker": "[casebench C-12]",
            "label": "casebench-C-12"}),
        serde_json::json!({"version": 1, "target": "bridge", "op": "find", "case": "C-12",
            "marker": "[casebench C-12]", "label": "casebench-C-12"}),
        serde_json::json!({"version": 1, "target": "bridge", "op": "comment", "ref": "SN-1",
            "text": "a note"}),
    ];
    assert_eq!(got, want);
}

#[test]
fn arguments_reach_the_program_as_they_are_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("args.sh");
    let out = dir.path().join("args");
    std::fs::write(
        &script,
        format!(
            "cat >/dev/null\nprintf '%s|' \"$@\" > {}\necho '{{}}'\n",
            out.display()
        ),
    )
    .unwrap();
    let args = vec![
        script.display().to_string(),
        "$(touch pwned)".into(),
        "a b;c".into(),
    ];
    let p = adapter(&target(Path::new("/bin/sh"), args, Duration::from_secs(10))).unwrap();
    p.comment("X-1", "hi").unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "$(touch pwned)|a b;c|"
    );
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn status_replies_map_to_ticket_states() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"state":"open","status":"In Progress"}"#,
            TicketState::Open,
            "In Progress",
        ),
        (
            r#"{"state":"done","outcome":"success"}"#,
            TicketState::Succeeded,
            "done-success",
        ),
        (
            r#"{"state":"done","outcome":"failure","status":"Closed Incomplete","comment":"no budget"}"#,
            TicketState::Failed,
            "Closed Incomplete",
        ),
        (
            r#"{"state":"rejected","status":"Cancelled"}"#,
            TicketState::Rejected,
            "Cancelled",
        ),
    ];
    for (i, (reply, state, raw)) in cases.into_iter().enumerate() {
        let p = answering(dir.path(), &format!("s{i}.sh"), reply);
        let s = now(p.status("INC001", None).unwrap());
        assert_eq!((s.state, s.raw.as_str()), (state, raw), "{reply}");
        assert_eq!(s.etag, None);
    }
    let p = answering(
        dir.path(),
        "open-comment.sh",
        r#"{"state":"open","comment":"looking","changed":"2026-12-01T10:00:00Z"}"#,
    );
    let s = now(p.status("INC001", None).unwrap());
    assert_eq!(s.last_comment, None, "an open ticket gives no reason");
    assert_eq!(s.changed.unwrap().to_rfc3339(), "2026-12-01T10:00:00+00:00");
}

#[test]
fn malformed_replies_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!(r#"{{"ref":"{}"}}"#, "x".repeat(201));
    let cases: Vec<(&str, &str, String)> = vec![
        ("create", "not one JSON value", "hello {".into()),
        (
            "create",
            "not one JSON value",
            r#"{"ref":"a"} {"ref":"b"}"#.into(),
        ),
        ("create", "not a JSON object", r#"["SN-1"]"#.into()),
        ("create", "no `ref`", "{}".into()),
        ("create", "`ref` is empty", r#"{"ref":""}"#.into()),
        ("create", "`ref` is not a string", r#"{"ref":12}"#.into()),
        ("create", "longer than 200", long),
        (
            "create",
            "control characters",
            r#"{"ref":"SN\u001b[2J1"}"#.into(),
        ),
        ("find", "null when there is no ticket", "{}".into()),
        (
            "status",
            "unknown state \"closed\"",
            r#"{"state":"closed"}"#.into(),
        ),
        (
            "status",
            "`done` without an `outcome`",
            r#"{"state":"done"}"#.into(),
        ),
        (
            "status",
            "unknown outcome",
            r#"{"state":"done","outcome":"maybe"}"#.into(),
        ),
        ("status", "no `state`", r#"{"status":"x"}"#.into()),
        (
            "status",
            "not an RFC 3339 time",
            r#"{"state":"open","changed":"Tuesday"}"#.into(),
        ),
    ];
    for (i, (op, want, reply)) in cases.iter().enumerate() {
        let p = answering(dir.path(), &format!("m{i}.sh"), reply);
        let e = match *op {
            "create" => p.create(&draft(1)).unwrap_err(),
            "find" => p.find(&draft(1)).unwrap_err(),
            _ => p.status("INC1", None).unwrap_err(),
        };
        assert!(matches!(e, ItsmError::Reply { .. }), "{reply}: {e:?}");
        let shown = e.to_string();
        assert!(shown.contains(want), "{reply}: {shown}");
        assert!(shown.contains(op), "{shown}");
        assert!(!shown.contains('\n'), "{shown}");
    }
}

#[test]
fn a_crashing_plugin_names_its_exit_status_and_first_stderr_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = sh(
        dir.path(),
        "crash.sh",
        "cat >/dev/null\necho '{\"ref\":\"SN-1\"}'\necho >&2\necho 'cannot reach ServiceNow: 503' >&2\necho 'second line' >&2\nexit 3\n",
        Duration::from_secs(10),
    );
    let e = p.create(&draft(1)).unwrap_err();
    assert!(matches!(e, ItsmError::Plugin { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "bridge: plugin exited with status 3: cannot reach ServiceNow: 503"
    );
}

#[test]
fn a_plugin_that_cannot_start_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-plugin");
    let p = adapter(&target(&missing, vec![], Duration::from_secs(5))).unwrap();
    let e = p.status("X", None).unwrap_err();
    assert!(matches!(e, ItsmError::Plugin { .. }), "{e:?}");
    assert!(e.to_string().contains("could not start"), "{e}");
}

#[test]
fn an_error_reply_is_the_plugins_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = answering(
        dir.path(),
        "err.sh",
        r#"{"error":"queue Access is closed\nmore"}"#,
    );
    let e = p.comment("INC1", "x").unwrap_err();
    assert!(matches!(e, ItsmError::Plugin { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "bridge: plugin reported an error: queue Access is closed"
    );
}

/// Whether process `pid` still exists as anything but a zombie.
fn alive(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z')
        }
    }
}

#[test]
fn a_slow_plugin_times_out_and_leaves_no_process() {
    let dir = tempfile::tempdir().unwrap();
    let (me, kid) = (dir.path().join("me"), dir.path().join("kid"));
    let body = format!(
        "echo $$ > {}\nsleep 30 &\necho $! > {}\nwait\n",
        me.display(),
        kid.display()
    );
    let p = sh(dir.path(), "slow.sh", &body, Duration::from_secs(1));
    let start = Instant::now();
    let e = p.status("INC1", None).unwrap_err();
    let took = start.elapsed();
    assert!(matches!(e, ItsmError::Timeout { secs: 1, .. }), "{e:?}");
    assert_eq!(e.to_string(), "bridge: no answer within 1 s");
    assert!(took < Duration::from_secs(5), "{took:?}");
    let me = std::fs::read_to_string(&me).unwrap().trim().to_string();
    let kid = std::fs::read_to_string(&kid).unwrap().trim().to_string();
    // The plugin itself is reaped (not even a zombie is left)...
    assert!(
        !Path::new(&format!("/proc/{me}")).exists(),
        "the plugin {me} is still there"
    );
    // ...and what it started was killed with its group (its reaper is init's, not ours).
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(&kid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(&kid), "its child {kid} still runs");
}

#[test]
fn a_huge_output_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let p = sh(
        dir.path(),
        "huge.sh",
        "cat >/dev/null\nexec yes '{\"ref\":\"SN-1\"}'\n",
        Duration::from_secs(20),
    );
    let start = Instant::now();
    let e = p.create(&draft(1)).unwrap_err();
    assert!(matches!(e, ItsmError::Reply { .. }), "{e:?}");
    assert!(e.to_string().contains("more than 1048576 bytes"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_plugin_that_never_reads_its_request_still_answers() {
    // A request bigger than a pipe's buffer, to a plugin that does not read it.
    let dir = tempfile::tempdir().unwrap();
    let p = sh(
        dir.path(),
        "deaf.sh",
        "echo '{\"ref\":\"SN-9\"}'\n",
        Duration::from_secs(10),
    );
    let big = Draft::new(CaseId(1), "t", "b".repeat(300_000));
    assert_eq!(p.create(&big).unwrap(), "SN-9");
}
