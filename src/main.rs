fn main() -> color_eyre::Result<()> {
    // Like other Unix tools: `casebench case list | head` ends quietly when head is done.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    color_eyre::install()?;
    std::process::exit(casebench::cli::main_with_args(std::env::args_os()));
}
