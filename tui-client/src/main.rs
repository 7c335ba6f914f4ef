//! natter: the terminal chat client. See `natter --help`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use natter::app::picker::Choice;
use natter::cli::{self, Cli};
use natter::{config, discovery};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(command) = &cli.command {
        return match command.run(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            // The reader went away (`natter man | head`): stop quietly, as a
            // program killed by SIGPIPE would.
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("natter: {error}");
                ExitCode::FAILURE
            }
        };
    }
    match run(cli) {
        Ok(()) => {
            tracing::info!("natter exits");
            ExitCode::SUCCESS
        }
        // `natter --print-keys | head`: the reader has what it wanted.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("natter: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints `text` on stdout; unlike `print!`, a closed stdout is an error
/// to return, not a panic.
fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Whether `error` comes from writing to a pipe nobody reads any more.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Starts the log when `--log-file` asked for one.
fn start_log(cli: &Cli) -> anyhow::Result<()> {
    let Some(path) = &cli.log_file else {
        return Ok(());
    };
    let path = if path.as_os_str().is_empty() {
        natter::logging::default_path().ok_or_else(|| {
            anyhow::anyhow!("no state directory on this system: pass --log-file FILE")
        })?
    } else {
        path.clone()
    };
    natter::logging::init(&path)
}

/// natter draws the whole screen: without a terminal it cannot run.
fn require_terminal() -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "natter is a full-screen program and needs a terminal: run it in one (not through a pipe)"
        );
    }
    Ok(())
}

/// `natter --discover`: what answers on the LAN, one server a line.
fn list_servers() -> anyhow::Result<()> {
    eprintln!(
        "natter: looking for servers on the LAN for {} s…",
        discovery::WINDOW.as_secs()
    );
    let found = discovery::discover(discovery::WINDOW).map_err(anyhow::Error::msg)?;
    if found.is_empty() {
        anyhow::bail!("{}", nothing_found());
    }
    for server in &found {
        print_out(&format!("{}\n", server.describe()))?;
    }
    Ok(())
}

/// What looking on the LAN gave: one server to connect to, or several for
/// the on-screen picker (with the first as a stand-in until one is picked).
enum Discovered {
    One(cli::Target),
    Several(cli::Target, Vec<Choice>),
}

/// No server named: the one server on the LAN, several to pick from, or advice.
fn find_server() -> anyhow::Result<Discovered> {
    eprintln!(
        "natter: no server given; looking for one on the LAN for {} s…",
        discovery::WINDOW.as_secs()
    );
    let found = discovery::discover(discovery::WINDOW).map_err(anyhow::Error::msg)?;
    match found.as_slice() {
        [] => anyhow::bail!("{}", nothing_found()),
        [one] => {
            eprintln!("natter: found {}", one.describe());
            one.target()
                .map(Discovered::One)
                .ok_or_else(|| anyhow::anyhow!("{} announced no usable port", one.instance))
        }
        several => {
            let usable: Vec<&discovery::Found> = several
                .iter()
                .filter(|found| found.target().is_some())
                .collect();
            let choices: Vec<Choice> = usable
                .iter()
                .filter_map(|f| Choice::from_found(f))
                .collect();
            match (usable.first().and_then(|f| f.target()), choices.len()) {
                (None, _) => anyhow::bail!("the servers found announced no usable port"),
                (Some(target), 1) => Ok(Discovered::One(target)),
                (Some(target), _) => {
                    eprintln!(
                        "natter: {} servers answered; pick one on screen",
                        choices.len()
                    );
                    Ok(Discovered::Several(target, choices))
                }
            }
        }
    }
}

fn nothing_found() -> String {
    format!(
        "no natter server answered on the LAN within {} s. Start one with `natterd` \
         (it announces itself unless --no-discovery), or give an address: \
         natter HOST[:PORT], natter ircs://HOST, or `server` in config.toml",
        discovery::WINDOW.as_secs()
    )
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let default_path = config::default_path();
    if cli.print_config_path {
        return match (&cli.config, &default_path) {
            (Some(path), _) | (None, Some(path)) => print_out(&format!("{}\n", path.display())),
            (None, None) => print_out("(no config directory on this system)\n"),
        };
    }
    let config = match (&cli.config, &default_path) {
        (Some(path), _) => config::load(path, true)?,
        (None, Some(path)) => config::load(path, false)?,
        (None, None) => config::ConfigFile::default(),
    };
    if cli.print_keys {
        let keys = natter::view::keymap::KeyMap::with_overrides(&config.key_overrides())
            .map_err(anyhow::Error::msg)?;
        return print_out(&keys.print());
    }
    if cli.discover {
        return list_servers();
    }
    start_log(&cli)?;
    let (found, pick) = if cli::names_a_server(&cli, &config) {
        (None, Vec::new())
    } else {
        // No point looking for a server that natter could not show.
        require_terminal()?;
        match find_server()? {
            Discovered::One(target) => (Some(target), Vec::new()),
            Discovered::Several(stand_in, choices) => (Some(stand_in), choices),
        }
    };
    let (mut settings, net) =
        cli::resolve(&cli, &config, found.as_ref()).map_err(anyhow::Error::msg)?;
    if let Some(path) = cli.config.as_ref().or(default_path.as_ref()) {
        let ignore_file = config::ignore_path(path);
        settings.ignores = config::load_ignores(&ignore_file)?;
        settings.ignore_file = Some(ignore_file);
    }
    tracing::info!(server = %net.address(), nick = %settings.nick, "resolved settings");
    settings.zone = natter::settings::Zone::Local;
    require_terminal()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(natter::terminal::run(settings, net, pick))
}
