//! `galaxy-lab`: the command-line tool (see `galaxy-lab --help`).

fn main() {
    std::process::exit(galaxy_lab::cli::run(std::env::args_os()));
}
