//! The `wirecopy` binary: the server and its command-line client. All the
//! work is in the library; see [`wirecopy::cli`].

// The ingest path allocates many small, short-lived vectors on several
// threads at once; glibc's allocator spent about a fifth of the server's
// CPU on them under load (perf, issue 4), mimalloc a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // mimalloc asks for transparent huge pages, and it hands freed memory
    // back to the kernel; each page it takes again is then a fresh 2 MiB
    // that the kernel zeroes. That was a third of the writer thread's CPU
    // (perf, issue 15); without huge pages SubmitStream ran 19% faster in
    // alternating loadgen runs, with 12% less peak memory. The flag holds
    // for the whole process, mappings made before it included. Failing to
    // set it (an old kernel, a sandbox) only costs that speed.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    wirecopy::cli::main()
}
