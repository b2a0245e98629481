//! The `wirecopy` binary: the server and its command-line client. All the
//! work is in the library; see [`wirecopy::cli`].

fn main() -> std::process::ExitCode {
    wirecopy::cli::main()
}
