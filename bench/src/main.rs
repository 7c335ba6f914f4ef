//! `natter-bench`: point it at any IRC server and measure fan-out, whispers
//! or idle connections; `natter-bench table` compares saved runs.

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use natter_bench::comparison::comparison_table;
use natter_bench::idle::{self, IdleOptions};
use natter_bench::report::Report;
use natter_bench::traffic::{self, Amount, Shape, TrafficOptions};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Load generator for IRC servers (natterd, ngIRCd, InspIRCd, ergo, ...).
///
/// It registers with NICK/USER, so the server must let it connect without a
/// password, accept as many connections from one address as asked, and not
/// throttle the senders (flood control off) for unlimited runs.
#[derive(Debug, Parser)]
#[command(version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  natter-bench fanout --receivers 100 --senders 10 --messages 100000
  natter-bench fanout --receivers 100 --senders 10 --rate 14600 --duration 10 --server-pid $(pidof natterd)
  natter-bench rooms --rooms 64 --members 10 --senders 1 --messages 200000
  natter-bench whisper --pairs 100 --messages 1000000 --json whisper.json
  natter-bench fanout --receivers 100 --senders 10 --server 127.0.0.1:6667 --server 127.0.0.1:6668
  natter-bench idle --connections 10000 --server-pid $(pidof natterd)
  natter-bench table results/*.json --baseline ngircd";

#[derive(Debug, Subcommand)]
enum Command {
    /// N members in one channel, M of them sending: every message goes to N-1.
    Fanout {
        /// Members of the channel (receivers; the senders are among them).
        #[arg(long, default_value_t = 100)]
        receivers: usize,
        /// How many of the members send.
        #[arg(long, default_value_t = 1)]
        senders: usize,
        /// The channel.
        #[arg(long, default_value = "#bench")]
        channel: String,
        #[command(flatten)]
        traffic: TrafficArgs,
    },
    /// Many channels at once, M members each, S of each channel's members
    /// sending into their own channel: every message goes to M-1. Unrelated
    /// channels are what a server can spread over several cores.
    Rooms {
        /// How many channels.
        #[arg(long, default_value_t = 16)]
        rooms: usize,
        /// Members of each channel.
        #[arg(long, default_value_t = 10)]
        members: usize,
        /// How many of each channel's members send.
        #[arg(long, default_value_t = 1)]
        senders: usize,
        /// The channels are named PREFIX-0, PREFIX-1, ...
        #[arg(long, default_value = "#room")]
        prefix: String,
        #[command(flatten)]
        traffic: TrafficArgs,
    },
    /// Pairs of connections; in each, one whispers (PRIVMSG to a nick) the other.
    Whisper {
        /// Number of pairs.
        #[arg(long, default_value_t = 100)]
        pairs: usize,
        #[command(flatten)]
        traffic: TrafficArgs,
    },
    /// Register N connections that stay idle; with --server-pid, the server's memory per connection.
    Idle {
        /// Connections to open (raise `ulimit -n` above this).
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Seconds to hold them before measuring.
        #[arg(long, default_value_t = 2.0)]
        hold: f64,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Compare saved --json reports: medians per server label, ratios to a baseline.
    Table {
        /// JSON reports written with --json.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The label the others are compared with.
        #[arg(long, default_value = "ngircd")]
        baseline: String,
    },
}

#[derive(Debug, Args)]
struct CommonArgs {
    /// The server, HOST:PORT. Give it several times for the nodes of one
    /// natterd cluster: connections are spread over them in turn, and a
    /// fan-out starts once every member's NAMES lists everyone.
    #[arg(long = "server", default_value = "127.0.0.1:6667")]
    servers: Vec<String>,
    /// The server's process id: report its CPU time and memory (Linux /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// The server's name in reports and comparisons.
    #[arg(long, default_value = "server")]
    label: String,
    /// Also write the report as JSON to this file ("-" for stdout only).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Connections registering at the same time.
    #[arg(long, default_value_t = 64)]
    parallel_connects: usize,
}

#[derive(Debug, Args)]
struct TrafficArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Messages in all, shared by the senders.
    #[arg(long, default_value_t = 100_000, conflicts_with = "duration")]
    messages: u64,
    /// Send for this many seconds instead of a number of messages.
    #[arg(long)]
    duration: Option<f64>,
    /// Messages per second from all senders together (default: as fast as possible).
    #[arg(long)]
    rate: Option<f64>,
    /// Bytes of text per message.
    #[arg(long, default_value_t = 100)]
    size: usize,
    /// Seconds to wait for missing deliveries after the senders finish.
    #[arg(long, default_value_t = 5.0)]
    drain_timeout: f64,
    /// Seconds with no new delivery, while senders are still writing, after
    /// which the run gives up: it reports what arrived, marks the run as
    /// stalled and exits with status 3.
    #[arg(long, default_value_t = 30.0)]
    stall_limit: f64,
    /// Seconds a run may take beyond its --duration (or in all, when it
    /// sends a number of messages) even while deliveries keep coming: a
    /// server that crawls is cut short like a stalled one (exit status 3).
    #[arg(long, default_value_t = 600.0)]
    time_limit: f64,
}

/// The exit status of a run cut short by the stall or time limit.
const STALLED: u8 = 3;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Fanout {
            receivers,
            senders,
            channel,
            traffic,
        } => {
            let shape = Shape::Fanout {
                members: receivers,
                senders,
                channel,
            };
            let name = format!("fanout {receivers}x{senders}");
            run_traffic(shape, name, traffic).await
        }
        Command::Rooms {
            rooms,
            members,
            senders,
            prefix,
            traffic,
        } => {
            let shape = Shape::Rooms {
                rooms,
                members,
                senders,
                prefix,
            };
            let name = format!("rooms {rooms}x{members}x{senders}");
            run_traffic(shape, name, traffic).await
        }
        Command::Whisper { pairs, traffic } => {
            run_traffic(
                Shape::Whisper { pairs },
                format!("whisper {pairs}"),
                traffic,
            )
            .await
        }
        Command::Idle {
            connections,
            hold,
            common,
        } => {
            let options = IdleOptions {
                addr: resolve(only_one(&common.servers)?)?,
                connections,
                hold: seconds(hold, "--hold")?,
                server_pid: common.server_pid,
                parallel_connects: common.parallel_connects,
            };
            let (summary, usage) = idle::run(&options).await?;
            let report = Report {
                scenario: format!("idle {connections}"),
                idle: Some(summary),
                server_usage: usage,
                ..empty_report(&common)
            };
            emit(&report, common.json.as_ref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Table { files, baseline } => {
            let mut reports = Vec::new();
            for file in &files {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let report: Report = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a natter-bench report", file.display()))?;
                reports.push(report);
            }
            print!("{}", comparison_table(&reports, &baseline));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs a traffic scenario and prints (and saves) its report; a stalled run
/// is reported like any other, then exits with [`STALLED`].
async fn run_traffic(shape: Shape, name: String, args: TrafficArgs) -> anyhow::Result<ExitCode> {
    let amount = match args.duration {
        Some(duration) => Amount::Duration(seconds(duration, "--duration")?),
        None => Amount::Messages(args.messages),
    };
    if let Some(rate) = args.rate
        && !(rate.is_finite() && rate > 0.0)
    {
        bail!("--rate must be a positive number of messages per second, got {rate}");
    }
    let options = TrafficOptions {
        servers: args
            .common
            .servers
            .iter()
            .map(|server| resolve(server))
            .collect::<anyhow::Result<_>>()?,
        shape,
        amount,
        rate: args.rate,
        size: args.size,
        drain_timeout: seconds(args.drain_timeout, "--drain-timeout")?,
        stall_limit: seconds(args.stall_limit, "--stall-limit")?,
        time_limit: seconds(args.time_limit, "--time-limit")?,
        server_pid: args.common.server_pid,
        parallel_connects: args.common.parallel_connects,
    };
    let pace = match args.rate {
        Some(rate) => format!("paced {rate:.0}/s"),
        None => "unlimited".to_string(),
    };
    let result = traffic::run(&options).await?;
    let report = Report {
        scenario: format!("{name} {pace}"),
        traffic: Some(result.summary),
        server_usage: result.server,
        disconnected: result.disconnected,
        ..empty_report(&args.common)
    };
    emit(&report, args.common.json.as_ref())?;
    match report.traffic.and_then(|traffic| traffic.stall) {
        Some(stall) => {
            eprintln!("natter-bench: the run stalled ({stall}): its numbers are partial");
            Ok(ExitCode::from(STALLED))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

fn empty_report(common: &CommonArgs) -> Report {
    Report {
        tool: "natter-bench".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        label: common.label.clone(),
        server: common.servers.join(","),
        scenario: String::new(),
        traffic: None,
        idle: None,
        server_usage: None,
        disconnected: Vec::new(),
    }
}

fn emit(report: &Report, json: Option<&PathBuf>) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(report)?;
    match json {
        Some(path) if path.as_os_str() == "-" => println!("{text}"),
        Some(path) => {
            std::fs::write(path, text + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
            print!("{}", report.table());
        }
        None => print!("{}", report.table()),
    }
    Ok(())
}

/// The one `--server` a scenario that measures one server takes.
fn only_one(servers: &[String]) -> anyhow::Result<&str> {
    match servers {
        [server] => Ok(server),
        _ => bail!("this scenario measures one server: give --server once"),
    }
}

fn resolve(server: &str) -> anyhow::Result<SocketAddr> {
    server
        .to_socket_addrs()
        .with_context(|| format!("--server {server:?} is not HOST:PORT"))?
        .next()
        .with_context(|| format!("--server {server:?} resolves to no address"))
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .with_context(|| format!("{flag} must be a number of seconds, got {value}"))
}
