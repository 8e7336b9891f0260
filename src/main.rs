fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    std::process::exit(casebench::cli::main_with_args(std::env::args_os()));
}
