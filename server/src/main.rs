//! natterd: the headless natter chat server.
//!
//! The binary's edge: parse flags, load the config, open history, run the
//! server (SIGHUP reloads) until SIGINT/SIGTERM, then close every connection
//! and commit history.

use anyhow::Context as _;
use clap::Parser;
use natterd::Config;
use natterd::cli::Cli;
use natterd::history::History;
use natterd::reload::{ConfigSource, Reloader};
use natterd::service::{Signals, notify};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// Exit code for a bad config, bad flags or an unusable data directory.
const EXIT_CONFIG: u8 = 2;

/// Tells the operator something on stderr, ignoring a closed stderr (unlike `eprintln!`).
macro_rules! report {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), "natterd: {}", format_args!($($arg)*));
    }};
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log.as_deref());
    let source = config_source(&cli);
    let config = match source.load() {
        Ok(config) => config,
        Err(error) => {
            report!("{error:#}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if cli.print_config {
        return match toml::to_string_pretty(&config) {
            Ok(text) => {
                let _ = std::io::stdout().write_all(text.as_bytes());
                ExitCode::SUCCESS
            }
            Err(error) => {
                report!("cannot print the config: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report!("cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(config, source))
}

fn init_logging(filter: Option<&str>) {
    use tracing_subscriber::EnvFilter;
    let filter = match filter {
        Some(filter) => EnvFilter::new(filter),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    // A closed stderr (say `natterd | tee log` after Ctrl-C killed tee) must not
    // stop natterd: tracing would otherwise report the failed write with a
    // panicking eprintln! and take the shutdown down with it.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .log_internal_errors(false)
        .with_writer(std::io::stderr)
        .init();
}

/// The config file with the flags on top; a reload reads the same again.
fn config_source(cli: &Cli) -> ConfigSource {
    let flags = cli.clone();
    ConfigSource::new(cli.config.clone(), move |config| flags.apply(config))
}

async fn serve(config: Config, source: ConfigSource) -> ExitCode {
    // First, so that a SIGHUP during start-up is queued instead of killing us.
    let signals = match Signals::install() {
        Ok(signals) => signals,
        Err(error) => {
            report!("cannot install signal handlers: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (history, motd) = match open_resources(&config) {
        Ok(resources) => resources,
        Err(error) => {
            report!("{error:#}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let server = match natterd::Server::bind(config, motd, history.clone()).await {
        Ok(server) => server,
        Err(error) => {
            report!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let address = server.local_addr();
    report!("listening on {address} (Ctrl-C to stop)");
    let shutdown = CancellationToken::new();
    let reloader = Reloader::new(server.context(), source);
    tokio::spawn(signals.run(reloader, shutdown.clone()));
    notify::ready(&format!("listening on {address}"));
    server.run(shutdown).await;
    if let Some(history) = history {
        if let Err(error) = history.shutdown().await {
            tracing::error!(%error, "history could not be flushed");
            return ExitCode::FAILURE;
        }
        tracing::info!("history committed");
    }
    ExitCode::SUCCESS
}

fn open_resources(config: &Config) -> anyhow::Result<(Option<History>, Option<String>)> {
    let motd = config.read_motd()?;
    if !config.history.enabled {
        return Ok((None, motd));
    }
    let data_dir = config.data_dir()?;
    let history = History::open(&data_dir, &config.history)
        .with_context(|| format!("history is enabled but cannot be used (data dir {}); fix it, pass --data-dir DIR, or --no-history", data_dir.display()))?;
    tracing::info!(path = %data_dir.join("history.db").display(), "history open");
    Ok((Some(history), motd))
}
