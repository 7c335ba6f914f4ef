//! natterd: the headless natter chat server.
//!
//! The binary's edge: parse flags, load the config, bind the listeners, open
//! history, run the server (SIGHUP reloads) until SIGINT/SIGTERM, then close
//! every connection and commit history. The subcommands (backup, export,
//! channel, completions, man, hash-password) run instead of the server.

use anyhow::Context as _;
use clap::Parser;
use natterd::Config;
use natterd::cli::{ChannelAction, Cli, Command, ExportFormat, LogFormat};
use natterd::config::locate;
use natterd::discovery::{Announcement, Announcer};
use natterd::history::{History, offline};
use natterd::reload::{ConfigSource, Reloader};
use natterd::service::{Signals, notify};
use natterd::tls::{CertificateSource, ServingCertificate};
use natterd::tools;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

mod allocator;

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
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let printed = tools::docs::completions::<Cli>(*shell, &mut std::io::stdout());
            return exit(printed.map_err(Into::into));
        }
        Some(Command::Man) => {
            return exit(tools::docs::man::<Cli>(&mut std::io::stdout()).map_err(Into::into));
        }
        Some(Command::HashPassword) => return exit(tools::hash_password::run()),
        _ => {}
    }
    init_logging(cli.log.as_deref(), cli.log_format);
    let source = config_source(&cli);
    let config = match source.load() {
        Ok(config) => config,
        Err(error) => {
            report!("{error:#}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match &cli.command {
        Some(Command::Backup { file }) => return exit(backup(&config, file)),
        Some(Command::Fingerprint) => return print_fingerprint(&config),
        Some(Command::Export {
            channel,
            since,
            format,
        }) => return exit(export(&config, channel, since.as_deref(), *format)),
        Some(Command::Channel { action }) => return exit(channel(&config, action)),
        _ => {}
    }
    if cli.print_config {
        return exit(print_config(&config));
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

/// Exit status of a subcommand: its error on stderr and 1 (a reader that
/// closed the pipe early is no error).
fn exit(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`natterd export ... | head`): it has what it
        // wanted, so stop quietly, as a program killed by SIGPIPE would.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            report!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `error` comes from writing to a pipe nobody reads any more.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(filter: Option<&str>, format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = match filter {
        Some(filter) => EnvFilter::new(filter),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    // A closed stderr (say `natterd | tee log` after Ctrl-C killed tee) must not
    // stop natterd: tracing would otherwise report the failed write with a
    // panicking eprintln! and take the shutdown down with it.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .log_internal_errors(false)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}

/// The config file (`--config`, else the first of the search path) with the
/// flags on top; a reload reads the same again. Logs which file it is.
fn config_source(cli: &Cli) -> ConfigSource {
    let path = cli.config.clone().or_else(locate::find);
    match &path {
        Some(path) => tracing::info!(file = %path.display(), "using config file"),
        None => {
            let looked: Vec<String> = locate::search_path()
                .iter()
                .map(|path| path.display().to_string())
                .collect();
            tracing::info!(
                looked_at = looked.join(", "),
                "no config file: using the defaults and flags"
            );
        }
    }
    let flags = cli.clone();
    ConfigSource::new(path, move |config| flags.apply(config))
}

fn print_config(config: &Config) -> anyhow::Result<()> {
    let text = locate::masked_toml(config).context("cannot print the config")?;
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("cannot print the config")
}

fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let data_dir = config.data_dir()?;
    let messages = offline::backup(&data_dir, file)?;
    report!(
        "backup of {messages} messages written to {}",
        file.display()
    );
    Ok(())
}

fn export(
    config: &Config,
    channel: &str,
    since: Option<&str>,
    format: ExportFormat,
) -> anyhow::Result<()> {
    let name = natter_protocol::ChannelName::parse(channel, config.limits.channel_length)
        .map_err(|error| anyhow::anyhow!("--channel {channel:?}: {error}"))?;
    let since = since
        .map(|text| tools::export::parse_since(text, chrono::Utc::now()))
        .transpose()
        .map_err(|error| anyhow::anyhow!(error))?;
    let data_dir = config.data_dir()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    offline::export(&data_dir, &name.folded(), since, |message| {
        tools::export::write(&message, format, &mut out)
    })?;
    out.flush().context("cannot write to standard output")
}

/// `natterd channel list|forget`.
fn channel(config: &Config, action: &ChannelAction) -> anyhow::Result<()> {
    let data_dir = config.data_dir()?;
    match action {
        ChannelAction::List => {
            let stdout = std::io::stdout();
            let count = tools::channel::list(&data_dir, &mut stdout.lock())?;
            report!("{count} stored channels");
            Ok(())
        }
        ChannelAction::Forget {
            channel,
            keep_history,
        } => {
            let name = natter_protocol::ChannelName::parse(channel, config.limits.channel_length)
                .map_err(|error| anyhow::anyhow!("{channel:?}: {error}"))?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let forgotten = runtime.block_on(tools::channel::forget(
                &data_dir,
                &config.history,
                &name.folded(),
                *keep_history,
            ))?;
            let state = match &forgotten.record {
                Some(record) => format!(
                    "forgot its stored state ({})",
                    tools::channel::describe(record).replace('\t', " ")
                ),
                None => "it had no stored state".to_string(),
            };
            let history = match forgotten.deleted {
                Some(count) => format!("deleted {count} messages of its history"),
                None => "kept its history".to_string(),
            };
            report!("{channel}: {state}; {history}");
            Ok(())
        }
    }
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
    // The port before anything else: a busy port is the error, and nothing is created.
    let listener = match natterd::Server::listen(&config).await {
        Ok(listener) => listener,
        Err(error) => {
            report!("{error}");
            return if error.is_config_error() {
                ExitCode::from(EXIT_CONFIG)
            } else {
                ExitCode::FAILURE
            };
        }
    };
    let metrics = match natterd::metrics::http::listen(&config).await {
        Ok(listener) => listener,
        Err(error) => {
            report!("{error}");
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
    let lan = lan_announcement(&config);
    let server = natterd::Server::with_listener(listener, config, motd, history.clone());
    let address = server.local_addr();
    report!("listening on {address} (Ctrl-C to stop)");
    announce_tls(&server);
    let announcer = lan.and_then(|lan| announce_on_lan(lan, &server));
    let shutdown = CancellationToken::new();
    if let Some(listener) = metrics {
        match serve_metrics(listener, server.context(), shutdown.clone()) {
            Ok(address) => report!("metrics on http://{address}/metrics"),
            Err(error) => {
                report!("{error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let reloader = Reloader::new(server.context(), source);
    tokio::spawn(signals.run(reloader, shutdown.clone()));
    notify::ready(&format!("listening on {address}"));
    server.run(shutdown).await;
    if let Some(announcer) = announcer {
        // Goodbye packets, so clients forget this server at once.
        let _ = tokio::task::spawn_blocking(move || announcer.stop()).await;
    }
    if let Some(history) = history {
        // natterd was asked to stop and it stopped: a disk that fails at the
        // end is reported (with what was lost), not turned into a failed stop.
        match history.shutdown().await {
            Ok(()) => tracing::info!("history committed"),
            Err(error) => report!("history: {error}"),
        }
    }
    ExitCode::SUCCESS
}

/// Installs the Prometheus recorder and serves it on `listener`; returns its address.
fn serve_metrics(
    listener: tokio::net::TcpListener,
    context: std::sync::Arc<natterd::context::Context>,
    shutdown: CancellationToken,
) -> anyhow::Result<std::net::SocketAddr> {
    let address = listener.local_addr()?;
    let handle = natterd::metrics::install()?;
    tokio::spawn(natterd::metrics::http::serve(
        listener, handle, context, shutdown,
    ));
    Ok(address)
}

fn open_resources(config: &Config) -> anyhow::Result<(Option<History>, Option<String>)> {
    let motd = config.read_motd()?;
    if !config.history.enabled {
        return Ok((None, motd));
    }
    let data_dir = config.data_dir()?;
    let history = History::open(&data_dir, &config.history)
        .with_context(|| format!("history is enabled but cannot be used (data dir {}); fix it, pass --data-dir DIR, or --no-history", data_dir.display()))?;
    Ok((Some(history), motd))
}

/// Says where TLS listens and the certificate's fingerprint: on stdout, for
/// the operator to read out to users, and in the log.
fn announce_tls(server: &natterd::Server) {
    let (Some(address), Some(tls)) = (server.tls_addr(), server.context().tls.clone()) else {
        return;
    };
    let serving = tls.serving();
    if serving.created {
        tracing::info!(path = %serving.cert_path.display(), "created a self-signed TLS certificate");
    }
    tracing::info!(%address, fingerprint = %serving.fingerprint, certificate = %serving.cert_path.display(), "TLS certificate");
    let _ = writeln!(
        std::io::stdout(),
        "natterd: TLS on {address}, certificate SHA-256 fingerprint {}",
        serving.fingerprint
    );
}

/// What to announce on the LAN, before the listeners' addresses are
/// known; `None` when `[discovery]` is off.
fn lan_announcement(config: &Config) -> Option<Announcement> {
    // Plaintext only from loopback is nothing to offer the LAN.
    let plaintext_for_lan = matches!(config.tls.plaintext, natterd::tls::PlaintextPolicy::On);
    config.discovery.enabled.then(|| Announcement {
        server: config.server.name.clone(),
        network: config.server.network.clone(),
        host: natterd::discovery::local_host_name(),
        plain: plaintext_for_lan.then_some(config.server.bind),
        tls: None,
    })
}

/// Announces the server on the LAN (DNS-SD over mDNS) with its bound ports.
/// A failure is reported and natterd serves on without it: users can still
/// type the address.
fn announce_on_lan(mut announcement: Announcement, server: &natterd::Server) -> Option<Announcer> {
    announcement.plain = announcement.plain.map(|_| server.local_addr());
    announcement.tls = server
        .tls_addr()
        .zip(server.context().tls.as_ref().map(|tls| tls.fingerprint()));
    match Announcer::start(&announcement) {
        Ok(announcer) => {
            tracing::info!(names = ?announcer.fullnames(), "announced on the LAN (mDNS)");
            Some(announcer)
        }
        Err(error) => {
            report!("{error}; clients must be given the address (--no-discovery hides this)");
            None
        }
    }
}

/// `natterd fingerprint`: the certificate's fingerprint on stdout.
fn print_fingerprint(config: &Config) -> ExitCode {
    let data_dir = match config.data_dir() {
        Ok(dir) => dir,
        Err(error) => {
            report!("{error}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let source = CertificateSource::from_config(&config.tls, &data_dir, &config.server.name);
    match ServingCertificate::load(&source) {
        Ok(serving) => {
            let _ = writeln!(std::io::stdout(), "{}", serving.fingerprint);
            ExitCode::SUCCESS
        }
        Err(error) => {
            report!("{error}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}
