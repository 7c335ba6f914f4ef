//! Shell completions and the manual page, generated from the clap definitions
//! so they can never disagree with `--help`.

use clap::CommandFactory;
use std::io::Write;

/// Writes the completion script for `shell` for the program described by `C`.
/// The script is built in memory first: clap_complete panics when its
/// writer fails (`natterd completions bash | true`), this returns the error.
pub fn completions<C: CommandFactory>(
    shell: clap_complete::Shell,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut command = C::command();
    let name = command.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    out.write_all(&script)?;
    out.flush()
}

/// Writes the roff manual page (section 1) for the program described by `C`.
pub fn man<C: CommandFactory>(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(C::command()).render(out)
}
