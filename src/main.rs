//! capsim's binary: parse the command line, run, print the error chain, set the exit status
//! (2 for bad input, 1 for other failures).
//!
//! Data flow: scenario file → validated scenario → experiment plan → replications in parallel
//! → results → CSV tables and charts in the output folder.

fn main() {
    if let Err(error) = capsim::cli::run() {
        eprintln!("error: {error:#}");
        std::process::exit(capsim::cli::exit_status(&error));
    }
}
