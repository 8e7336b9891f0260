use std::io::IsTerminal;

use casebench::api::{ApiError, ServiceExt};
use casebench::cli::{self, Run, Workbench};
use casebench::tui;

fn main() -> color_eyre::Result<()> {
    // Like other Unix tools: `casebench case list | head` ends quietly when head is done.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    color_eyre::install()?;
    // The process ends soon after its store closes: sled's handle is flushed, not taken apart.
    casebench::store::close_at_exit();
    let code = match cli::main_with_args(std::env::args_os()) {
        Run::Exit(code) => code,
        Run::Workbench(w) => cli::exit_code(workbench(w)),
        Run::Bench(ctx, args) => cli::exit_code(casebench::bench::run(&ctx, args)),
    };
    casebench::bench::peak::record();
    std::process::exit(code);
}

/// Opens the TUI on the store the CLI chose, or prints its inbox when there is no terminal.
fn workbench(w: Workbench) -> Result<(), ApiError> {
    let terminal = std::io::stdout().is_terminal();
    // Settings first: a broken keymap or config fails at start, terminal or not.
    let settings = if w.ctx.json || (w.demo && !terminal) {
        None
    } else {
        Some(tui::settings()?)
    };
    let Workbench { ctx, demo, open } = w;
    let cli::Opened { service, message } = open(&ctx)?;
    match settings {
        Some((config, keymap)) if terminal => {
            // An unknown user would see nothing but errors: say so before the screen is taken.
            service.org(&ctx.actor)?;
            tui::run(tui::Options {
                service,
                clock: ctx.clock.clone(),
                actor: ctx.actor.clone(),
                store: tui::short_path(&ctx.db),
                config,
                keymap,
                message,
            })
        }
        _ => cli::print_inbox(&ctx, demo, &*service),
    }
}
