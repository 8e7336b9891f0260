//! A private Request Tracker 5 on 127.0.0.1 for tests (`mod rt;` in a test target).
//!
//! ```ignore
//! let Some(rt) = rt::Rt::start() else { return }; // NOTICE printed: RT is not installed
//! let target = rt.target("rt");                     // an [itsm.rt] target, token in a 0600 file
//! rt.set_status("1", "resolved");
//! ```
//!
//! Each instance runs `rt-server --server Standalone` on a free loopback port with its own
//! temp directory: site config (`RT_SITE_CONFIG`, an empty `RT_SITE_CONFIG_DIR` so nothing
//! under /etc is read), a SQLite database, logs, `$MailCommand = 'mbox'` (no mail, no DNS),
//! `$BcryptCost = 4`. The database is initialised once per test process (with the
//! `CasebenchCase` ticket field applied to the queue `General`, and a REST token for root),
//! kept in memory, and copied for each instance. Drop stops the server (SIGTERM, then kill).
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const RT_SERVER: &str = "/usr/share/request-tracker5/libexec/rt-server";
const RT_LIB: &str = "/usr/share/request-tracker5/lib";
const SETUP_DB: &str = "rt-setup-database-5";
/// The queue the tests use (RT's own default queue).
pub const QUEUE: &str = "General";

/// A running RT instance.
pub struct Rt {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    /// A REST 2.0 token of root (`Authorization: token …`).
    pub token: String,
    pub queue: String,
    /// A file holding the token, mode 0600 (what a target's `token_file` names).
    pub token_file: PathBuf,
    dir: tempfile::TempDir,
    child: Child,
    agent: ureq::Agent,
}

/// The initialised database and its token, made once per test process.
struct Template {
    db: Vec<u8>,
    token: String,
}

static TEMPLATE: OnceLock<Result<Template, String>> = OnceLock::new();

/// Whether RT's packages are installed.
pub fn installed() -> bool {
    Path::new(RT_SERVER).exists()
        && Command::new(SETUP_DB)
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
}

fn site_config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        r#"Set($rtname, 'casebench-test');
Set($Organization, 'casebench-test');
Set($WebPort, {port});
Set($WebPath, '');
Set($WebBaseURL, 'http://127.0.0.1:{port}');
Set($WebDomain, '127.0.0.1');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{d}/rt.sqlite');
Set($DatabaseHost, '');
Set($DatabaseUser, '');
Set($DatabasePassword, '');
Set($LogToFile, 'warning');
Set($LogDir, '{d}');
Set($LogToFileNamed, 'rt.log');
Set($LogToSTDERR, 'error');
Set($LogToSyslog, undef);
Set(%GnuPG, Enable => 0);
Set(%SMIME, Enable => 0);
Set($MailCommand, 'mbox');
Set($BcryptCost, 4);
$RT::VarPath = '{d}/var';
$RT::MasonDataDir = '{d}/var/mason';
$RT::MasonSessionDir = '{d}/var/session';
1;
"#
    )
}

/// Makes `dir` an instance directory: config, empty config dir, var dirs.
fn lay_out(dir: &Path, port: u16) -> Result<(), String> {
    for sub in ["confdir", "var/mason", "var/session"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("mkdir {sub}: {e}"))?;
    }
    std::fs::write(dir.join("site.pm"), site_config(dir, port))
        .map_err(|e| format!("site config: {e}"))
}

fn rt_command(program: &str, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.env("RT_SITE_CONFIG", dir.join("site.pm"))
        .env("RT_SITE_CONFIG_DIR", dir.join("confdir"))
        .current_dir(dir)
        .stdin(Stdio::null());
    c
}

/// Makes the CasebenchCase field (applied to the queue) and prints a token for root.
const SETUP_PL: &str = r#"
use strict; use warnings;
use RT -init;
my $root = RT::User->new(RT->SystemUser);
$root->Load('root') or die "no root user\n";
my $queue = RT::Queue->new(RT->SystemUser);
$queue->Load($ARGV[0]) or die "no queue $ARGV[0]\n";
my $cf = RT::CustomField->new(RT->SystemUser);
my ($ok, $msg) = $cf->Create(Name => 'CasebenchCase', Type => 'FreeformSingle',
    LookupType => 'RT::Queue-RT::Ticket');
die "custom field: $msg\n" unless $ok;
($ok, $msg) = $cf->AddToObject($queue);
die "apply custom field: $msg\n" unless $ok;
my $token = RT::AuthToken->new(RT::CurrentUser->new($root));
my ($id, $m, $auth) = $token->Create(Owner => $root->id, Description => 'casebench tests');
die "token: $m\n" unless $id;
print "$auth\n";
"#;

fn make_template() -> Result<Template, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    lay_out(dir.path(), 9)?;
    let init = rt_command(SETUP_DB, dir.path())
        .args(["--action", "init", "--skip-create"])
        .output()
        .map_err(|e| format!("{SETUP_DB}: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "{SETUP_DB} --action init failed: {}{}",
            String::from_utf8_lossy(&init.stdout),
            String::from_utf8_lossy(&init.stderr)
        ));
    }
    let setup = rt_command("perl", dir.path())
        .args(["-I", RT_LIB, "-e", SETUP_PL, QUEUE])
        .output()
        .map_err(|e| format!("perl: {e}"))?;
    let token = String::from_utf8_lossy(&setup.stdout).trim().to_string();
    if !setup.status.success() || token.is_empty() {
        return Err(format!(
            "RT set-up script failed: {}",
            String::from_utf8_lossy(&setup.stderr)
        ));
    }
    let db = std::fs::read(dir.path().join("rt.sqlite")).map_err(|e| e.to_string())?;
    Ok(Template { db, token })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// The last lines of the instance's logs, for a panic message.
fn log_tail(dir: &Path) -> String {
    let mut out = String::new();
    for name in ["server.log", "rt.log"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(15);
        out.push_str(&format!("--- {name}\n{}\n", lines[from..].join("\n")));
    }
    out
}

impl Rt {
    /// A fresh RT on a free loopback port, ready; None (with a NOTICE) when RT is not
    /// installed. Panics with RT's log tail when it is installed but does not come up.
    pub fn start() -> Option<Rt> {
        if !installed() {
            eprintln!("NOTICE: Request Tracker 5 is not installed; skipping the RT tests");
            return None;
        }
        let template = match TEMPLATE.get_or_init(|| {
            let t = Instant::now();
            let made = make_template();
            eprintln!("RT database initialised in {:?}", t.elapsed());
            made
        }) {
            Ok(t) => t,
            Err(e) => panic!("could not initialise an RT database: {e}"),
        };
        let dir = tempfile::tempdir().expect("a temp dir");
        let port = free_port();
        lay_out(dir.path(), port).expect("an RT instance directory");
        std::fs::write(dir.path().join("rt.sqlite"), &template.db).expect("the RT database");
        let token_file = dir.path().join("token");
        write_private(&token_file, &template.token);
        let log = std::fs::File::create(dir.path().join("server.log")).expect("server.log");
        let child = rt_command(RT_SERVER, dir.path())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--server", "Standalone"])
            .stdout(log.try_clone().expect("server.log"))
            .stderr(log)
            .spawn()
            .expect("rt-server starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(20)))
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        let mut rt = Rt {
            url: format!("http://127.0.0.1:{port}"),
            token: template.token.clone(),
            queue: QUEUE.to_string(),
            token_file,
            dir,
            child,
            agent,
        };
        rt.wait_ready(Duration::from_secs(60));
        Some(rt)
    }

    fn wait_ready(&mut self, limit: Duration) {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "rt-server exited ({status}) before it was ready\n{}",
                    log_tail(self.dir.path())
                );
            }
            if self
                .try_call("GET", "/rt", None)
                .is_ok_and(|(s, _)| s == 200)
            {
                return;
            }
            if start.elapsed() > limit {
                panic!(
                    "rt-server was not ready within {limit:?}\n{}",
                    log_tail(self.dir.path())
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The instance's directory (logs: server.log, rt.log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// An `[itsm.NAME]` target for this RT: queue General, the token from [`Rt::token_file`].
    pub fn target(&self, name: &str) -> casebench::itsm::Target {
        use casebench::itsm::{Auth, Kind, SecretSource, Target};
        Target {
            name: name.to_string(),
            kind: Kind::Rt {
                url: self.url.clone(),
                queue: self.queue.clone(),
                auth: Auth::Token(SecretSource::File(self.token_file.clone())),
            },
            kinds: vec![],
            comments: true,
            timeout: Duration::from_secs(10),
        }
    }

    fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), ureq::Error> {
        let url = format!("{}/REST/2.0{path}", self.url);
        let auth = format!("token {}", self.token);
        let mut resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call()?,
            ("PUT", Some(b)) => self
                .agent
                .put(&url)
                .header("Authorization", &auth)
                .send_json(b)?,
            ("POST", Some(b)) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .send_json(b)?,
            _ => panic!("unsupported call {method} {path}"),
        };
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string()?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// A REST 2.0 call (`path` after `/REST/2.0`) that must answer 2xx: its JSON body.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, reply) = self
            .try_call(method, path, body)
            .unwrap_or_else(|e| panic!("RT {method} {path}: {e}"));
        assert!(
            (200..300).contains(&status),
            "RT {method} {path}: HTTP {status}: {reply}"
        );
        reply
    }

    /// Sets ticket `id`'s status (`new`, `open`, `stalled`, `resolved`, `rejected`,
    /// `deleted`) as an RT user would.
    pub fn set_status(&self, id: &str, status: &str) {
        let reply = self.call(
            "PUT",
            &format!("/ticket/{id}"),
            Some(&json!({ "Status": status })),
        );
        let text = reply.to_string();
        assert!(
            text.contains(status) || self.ticket(id)["Status"] == status,
            "ticket {id} did not become {status}: {text}"
        );
    }

    /// Adds a comment to ticket `id` as an RT user would.
    pub fn comment(&self, id: &str, text: &str) {
        self.call(
            "POST",
            &format!("/ticket/{id}/comment"),
            Some(&json!({ "Content": text, "ContentType": "text/plain" })),
        );
    }

    /// Ticket `id` as RT's REST answers it.
    pub fn ticket(&self, id: &str) -> Value {
        self.call("GET", &format!("/ticket/{id}"), None)
    }

    /// Ticket `id`'s history transactions, oldest first (fields Type, Created, Creator).
    pub fn history(&self, id: &str) -> Vec<Value> {
        let reply = self.call(
            "GET",
            &format!("/ticket/{id}/history?fields=Type,Created,Creator&per_page=100"),
            None,
        );
        reply["items"].as_array().cloned().unwrap_or_default()
    }

    /// How many tickets match the TicketSQL `query` (any status).
    pub fn count(&self, query: &str) -> usize {
        let reply = self.call(
            "GET",
            &format!("/tickets?query={}&per_page=1", encode(query)),
            None,
        );
        reply["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no total in {reply}")) as usize
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        // SIGTERM first (RT's clean stop), then kill after 5 s.
        let pid = self.child.id() as libc::pid_t;
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .expect("the token file");
    f.write_all(text.as_bytes()).expect("the token file");
}

/// Percent-encoding for a query string.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
