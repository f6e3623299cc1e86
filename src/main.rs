//! capsim's binary: parse the command line, run, print the error chain, set the exit status
//! (2 for bad input, 1 for other failures).
//!
//! Data flow: scenario file → validated scenario → experiment plan → replications in parallel
//! → results → CSV tables and charts in the output folder.

fn main() {
    // Printing into a closed pipe (`capsim trace ... | head`) ends the process quietly, as Unix
    // tools do, instead of panicking; every file is complete before anything is printed.
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(error) = capsim::cli::run() {
        eprintln!("error: {error:#}");
        std::process::exit(capsim::cli::exit_status(&error));
    }
}
