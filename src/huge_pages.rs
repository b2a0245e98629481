//! Transparent huge pages, turned off for the server process.
//!
//! mimalloc asks the kernel for transparent huge pages, and it hands freed
//! memory back; each page it takes again is then a fresh 2 MiB that the
//! kernel zeroes. Under SubmitStream that was a third of the writer
//! thread's CPU (perf, issue 15); without huge pages SubmitStream ran 19%
//! faster in alternating loadgen runs, with 12% less peak memory. The
//! binary and the ingest benchmark call [`turn_off`] first thing.

/// Turns transparent huge pages off for the whole process, mappings made
/// before the call included. Failing (an old kernel, a sandbox that
/// forbids `prctl`) only costs the speed above, so it is not an error.
pub fn turn_off() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
