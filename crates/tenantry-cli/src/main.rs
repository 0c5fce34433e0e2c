//! `tenantry`: the command-line client of the tenantry SDKs (see the
//! `tenantry_cli` library for its parts).

fn main() -> std::process::ExitCode {
    tenantry_cli::main()
}
