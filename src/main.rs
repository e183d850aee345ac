//! `galaxy-lab`: the command-line tool (see `galaxy-lab --help`).

fn main() {
    // Training reuses large blocks every step: keep them in the heap (src/malloc.rs).
    galaxy_lab::malloc::keep_freed_memory();
    std::process::exit(galaxy_lab::cli::run(std::env::args_os()));
}
