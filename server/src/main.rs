fn main() -> std::process::ExitCode {
    selpos_server::cli::main()
}
