//! The `wirecopy` binary: the server and its command-line client. All the
//! work is in the library; see [`wirecopy::cli`].

// The ingest path allocates many small, short-lived vectors on several
// threads at once; glibc's allocator spent about a fifth of the server's
// CPU on them under load (perf, issue 4), mimalloc a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    wirecopy::huge_pages::turn_off();
    wirecopy::cli::main()
}
