//! The command line: clap definitions, dispatch, and one mapping from errors to exit codes.
//! Contract: docs/cli.md.

pub mod commands;
pub mod config;
pub mod exit;
pub mod output;
pub mod timearg;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::api::{ApiError, Service};
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::engine::Engine;

/// A store to talk to: the engine in this process, or `casebench serve` through its socket.
pub type Backend = Arc<dyn Service + Send + Sync>;

#[derive(Debug, Parser)]
#[command(
    name = "casebench",
    version,
    about = "A terminal workbench for the manual side of identity management",
    propagate_version = true
)]
pub struct Cli {
    /// The store to use (default: the data dir, e.g. ~/.local/share/casebench/store).
    #[arg(long, global = true, env = "CASEBENCH_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Act as this user instead of the OS login.
    #[arg(
        long = "as",
        global = true,
        env = "CASEBENCH_USER",
        value_name = "USER"
    )]
    pub actor: Option<String>,
    /// Print one JSON document on stdout instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Create an empty store and register yourself as its first administrator.
    Init {
        /// Make the administrator a member of this group too (created; repeatable).
        #[arg(long = "group", value_name = "NAME")]
        groups: Vec<String>,
    },
    /// Import users (CSV), escalation policies, resources, org structure, products,
    /// campaigns or calendars (TOML); all-or-nothing.
    Import {
        #[command(subcommand)]
        what: commands::import::ImportCmd,
    },
    /// Work with cases.
    Case {
        #[command(subcommand)]
        cmd: commands::case::CaseCmd,
    },
    /// Manual and semi-manual resources.
    Resource {
        #[command(subcommand)]
        cmd: commands::resource::ResourceCmd,
    },
    /// Accounts (shadows) on a resource.
    Shadow {
        #[command(subcommand)]
        cmd: commands::resource::ShadowCmd,
    },
    /// Ask for an account to be created, changed or deleted by hand.
    Provision {
        #[command(subcommand)]
        cmd: commands::resource::ProvisionCmd,
    },
    /// Access requests and their validity.
    Request {
        #[command(subcommand)]
        cmd: commands::request::RequestCmd,
    },
    /// Reports over a period: `report kpi`.
    Report {
        #[command(subcommand)]
        cmd: commands::report::ReportCmd,
    },
    /// Ticket systems (Request Tracker, Jira, command plugins) cases are outsourced to.
    Itsm {
        #[command(subcommand)]
        cmd: commands::itsm::ItsmCmd,
    },
    /// Working-time calendars; when a duration is due in one.
    Calendar {
        #[command(subcommand)]
        cmd: commands::calendar::CalendarCmd,
    },
    /// The product catalogue.
    Product {
        #[command(subcommand)]
        cmd: commands::product::ProductCmd,
    },
    /// Certification campaigns: runs, decisions, reports.
    Campaign {
        #[command(subcommand)]
        cmd: commands::campaign::CampaignCmd,
    },
    /// The org structure: org units, workgroups, the chief approval team.
    Org {
        #[command(subcommand)]
        cmd: commands::org::OrgCmd,
    },
    /// Fire due timers (escalations, timeouts, reminders) headless, for cron.
    Sweep(commands::sweep::SweepArgs),
    /// Measure every performance figure on a generated store and print them.
    Bench(commands::bench::BenchArgs),
    /// Generate a synthetic store (benchmarks, trials) at --db.
    Gen(commands::gen::GenArgs),
    /// The notification outbox.
    Notify {
        #[command(subcommand)]
        cmd: commands::notify::NotifyCmd,
    },
    /// Own the store and serve every administrator's CLI and workbench on `<store>.sock`;
    /// runs the timers.
    Serve(commands::serve::ServeArgs),
    /// Verify every invariant of the store (read-only): exit 0, or the list of findings.
    Check,
    /// Move closed and cancelled cases closed before a time to the archive beside the store.
    Archive(commands::archive::ArchiveArgs),
    /// Write a consistent copy of the store to DEST (a new directory), also while in use.
    Backup {
        #[arg(value_name = "DEST")]
        dest: PathBuf,
    },
    /// Put the backup at SRC in place of the store (refused while the store is in use).
    Restore {
        #[arg(value_name = "SRC")]
        src: PathBuf,
    },
    /// Rewrite the hot store into fresh files, giving back the space archived cases left
    /// behind (administrators; refused while the store is in use).
    Compact,
    /// Build the demo store from the bundled assets and open it.
    Demo {
        /// Rebuild the demo store even if it exists.
        #[arg(long)]
        fresh: bool,
        /// Build it and exit.
        #[arg(long)]
        build_only: bool,
    },
}

/// How long a client waits for a server that has a socket but does not answer yet.
pub const SERVER_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Everything a subcommand needs: where the store is, who acts, how to print, what time it is.
pub struct Ctx {
    pub db: PathBuf,
    pub actor: String,
    pub json: bool,
    pub clock: Arc<dyn Clock>,
}

impl Ctx {
    /// The store in this process (fails with "busy" while a server or a workbench holds it).
    pub fn open(&self) -> Result<Engine, ApiError> {
        let targets = config::itsm_targets()?;
        let mut engine = Engine::open(&self.db, self.clock.clone())?;
        engine.set_itsm_targets(targets);
        Ok(engine)
    }

    /// The store's server, when one answers on `<store>.sock`. A socket that does not answer
    /// may be a server starting (after a crash, it waits for the store): that one is given
    /// [`SERVER_WAIT`] to answer before the store is opened here.
    pub fn server(&self) -> Option<crate::remote::client::Client> {
        let socket = crate::remote::socket_path(&self.db);
        let deadline = std::time::Instant::now() + SERVER_WAIT;
        while socket.exists() {
            if let Some(client) = crate::remote::client::Client::connect(&socket) {
                return Some(client);
            }
            if std::time::Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }

    /// The store through its server when one answers on `<store>.sock`, else in this process.
    pub fn backend(&self) -> Result<Backend, ApiError> {
        match self.server() {
            Some(client) => Ok(Arc::new(client)),
            None => Ok(Arc::new(self.open()?)),
        }
    }
}

/// The default store location: `$XDG_DATA_HOME/casebench/<name>`.
pub fn data_path(name: &str) -> Result<PathBuf, ApiError> {
    directories::ProjectDirs::from("", "", "casebench")
        .map(|d| d.data_dir().join(name))
        .ok_or_else(|| {
            ApiError::BadInput("cannot find a home directory for the store: pass --db PATH".into())
        })
}

/// The OS login: `$USER`/`$LOGNAME`, else what `id -un` says.
fn os_login() -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .or_else(|| {
            let out = std::process::Command::new("id").arg("-un").output().ok()?;
            let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
            (out.status.success() && !name.is_empty()).then_some(name)
        })
}

/// The clock: the system's, unless `CASEBENCH_NOW` pins it (tests, reproducible demos).
fn clock() -> Result<Arc<dyn Clock>, ApiError> {
    match std::env::var("CASEBENCH_NOW") {
        Ok(v) if !v.trim().is_empty() => {
            let t = timearg::parse_time(&v, chrono::Utc::now())
                .map_err(|e| ApiError::BadInput(format!("CASEBENCH_NOW: {e}")))?;
            Ok(Arc::new(ManualClock::new(t)))
        }
        _ => Ok(Arc::new(SystemClock)),
    }
}

/// What is left to do once the CLI has run: exit with a code, or open the workbench (which
/// the binary does: the CLI does not know the TUI).
pub enum Run {
    Exit(i32),
    Workbench(Workbench),
    /// `casebench bench` (it measures the TUI too).
    Bench(Ctx, commands::bench::BenchArgs),
}

/// How the workbench gets its store.
pub type OpenStore = Box<dyn FnOnce(&Ctx) -> Result<Opened, ApiError>>;

/// The store the workbench shows, and what to say first (`demo store built in 344 ms`).
pub struct Opened {
    pub service: Backend,
    pub message: Option<String>,
}

/// The workbench asked for, on the store of `ctx`. `open` gives the store to show (the
/// store's server or the store itself; for the demo, builds it first) and runs only after
/// the workbench's own settings were read, so a broken keymap fails before anything is built.
pub struct Workbench {
    pub ctx: Ctx,
    /// `casebench demo`: without a terminal, no settings are read.
    pub demo: bool,
    pub open: OpenStore,
}

/// What the workbench shows when stdout is not a terminal, or with `--json`: the inbox.
pub fn print_inbox(ctx: &Ctx, demo: bool, service: &dyn Service) -> Result<(), ApiError> {
    commands::inbox::show(ctx, service)?;
    if demo && !ctx.json {
        let db = ctx.db.display();
        println!(
            "demo store: {db} · try: casebench --db {db} --as alice case list --queue claimable"
        );
    }
    Ok(())
}

/// Prints an error as one line and gives its exit code.
pub fn exit_code(result: Result<(), ApiError>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("casebench: {}", crate::domain::neutralise(&e.to_string()));
            exit::code(&e)
        }
    }
}

/// Parses the arguments, runs the command, prints errors as one line.
pub fn main_with_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Run {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = e.print();
            return Run::Exit(0);
        }
        Err(e) => {
            // One line, like every other error: clap's first line without its "error: ".
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!(
                "casebench: {} (see --help)",
                crate::domain::neutralise(first)
            );
            return Run::Exit(exit::USAGE);
        }
    };
    match run(cli) {
        Ok(Some(next)) => next,
        Ok(None) => Run::Exit(0),
        Err(e) => Run::Exit(exit_code(Err(e))),
    }
}

/// Runs a command; the workbench and the benchmark, when asked for, are left to the caller.
pub fn run(cli: Cli) -> Result<Option<Run>, ApiError> {
    let is_demo = matches!(cli.command, Some(Cmd::Demo { .. }));
    // Headless jobs act as the system; asking the OS who we are costs a process. A sweep
    // acts as its administrator.
    let needs_actor = !matches!(
        cli.command,
        Some(Cmd::Gen(_) | Cmd::Bench(_) | Cmd::Serve(_))
    );
    let known = cli
        .actor
        .clone()
        .or_else(|| needs_actor.then(os_login).flatten());
    let actor = match known {
        Some(a) => a,
        None if is_demo || !needs_actor => crate::demo::ADMIN.to_string(),
        None => {
            return Err(ApiError::BadInput(
                "cannot tell who you are: set USER or pass --as USER".into(),
            ))
        }
    };
    // sled's page cache: small for a one-shot command, larger where pages are read again.
    let long = matches!(
        cli.command,
        None | Some(
            Cmd::Serve(_) | Cmd::Bench(_) | Cmd::Demo { .. } | Cmd::Sweep(_) | Cmd::Archive(_)
        )
    );
    if long {
        crate::store::set_cache_mb(crate::store::LONG_CACHE_MB);
    }
    if matches!(cli.command, Some(Cmd::Gen(_))) {
        crate::store::set_cache_mb(crate::store::BUILD_CACHE_MB);
    }
    let db = match cli.db.clone() {
        Some(p) => p,
        None => data_path(if is_demo { "demo" } else { "store" })?,
    };
    let ctx = Ctx {
        db,
        actor,
        json: cli.json,
        clock: clock()?,
    };
    let done = match cli.command {
        None => {
            return Ok(Some(Run::Workbench(Workbench {
                ctx,
                demo: false,
                open: Box::new(|ctx| {
                    Ok(Opened {
                        service: ctx.backend()?,
                        message: None,
                    })
                }),
            })))
        }
        Some(Cmd::Init { groups }) => commands::init::run(&ctx, &groups),
        Some(Cmd::Import { what }) => commands::import::run(&ctx, what),
        Some(Cmd::Case { cmd }) => commands::case::run(&ctx, cmd),
        Some(Cmd::Sweep(args)) => commands::sweep::run(&ctx, args),
        Some(Cmd::Request { cmd }) => commands::request::run(&ctx, cmd),
        Some(Cmd::Product { cmd }) => commands::product::run(&ctx, cmd),
        Some(Cmd::Calendar { cmd }) => commands::calendar::run(&ctx, cmd),
        Some(Cmd::Itsm { cmd }) => commands::itsm::run(&ctx, cmd),
        Some(Cmd::Report { cmd }) => commands::report::run(&ctx, cmd),
        Some(Cmd::Org { cmd }) => commands::org::run(&ctx, cmd),
        Some(Cmd::Campaign { cmd }) => commands::campaign::run(&ctx, cmd),
        Some(Cmd::Resource { cmd }) => commands::resource::resource(&ctx, cmd),
        Some(Cmd::Shadow { cmd }) => commands::resource::shadow(&ctx, cmd),
        Some(Cmd::Provision { cmd }) => commands::resource::provision(&ctx, cmd),
        Some(Cmd::Gen(args)) => commands::gen::run(&ctx, args),
        Some(Cmd::Serve(args)) => commands::serve::run(&ctx, args),
        Some(Cmd::Bench(args)) => return Ok(Some(Run::Bench(ctx, args))),
        Some(Cmd::Notify { cmd }) => commands::notify::run(&ctx, cmd),
        Some(Cmd::Check) => commands::check::run(&ctx),
        Some(Cmd::Archive(args)) => commands::archive::run(&ctx, args),
        Some(Cmd::Backup { dest }) => commands::backup::run(&ctx, &dest),
        Some(Cmd::Restore { src }) => commands::check::restore(&ctx, &src),
        Some(Cmd::Compact) => commands::check::compact(&ctx),
        Some(Cmd::Demo { fresh, build_only }) => {
            let w = commands::demo::run(ctx, cli.actor.is_some(), fresh, build_only)?;
            return Ok(w.map(Run::Workbench));
        }
    };
    done.map(|()| None)
}
