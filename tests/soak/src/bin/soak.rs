//! `soak [--seconds N] [--seed S] [--rate R] [--concurrency C] [--sabotage KIND]`: runs the
//! fault-injecting soak and exits non-zero unless every check passed (`cargo xtask soak`
//! builds and runs it).

use std::process::ExitCode;

use courier_soak::client::ClientSabotage;
use courier_soak::proxy::ProxySabotage;
use courier_soak::service::ServerSabotage;
use courier_soak::{Config, Sabotage, run};

const USAGE: &str = "usage: soak [--seconds N] [--seed S] [--rate CALLS_PER_S] [--concurrency N] \
[--graceful-only] [--sabotage silent-resets|hang|leak|panic|ignore-deadline|retry-everything|drop-retries]";

fn main() -> ExitCode {
    let mut seconds = 60;
    // No seed given: a new one, printed, so that any run can be repeated.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id()) << 32;
    let mut rate = None;
    let mut concurrency = None;
    let mut sabotage = Sabotage::default();
    let mut graceful_only = false;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        let r = match a.as_str() {
            "--seconds" => value("--seconds").map(|v| seconds = v),
            "--seed" => value("--seed").map(|v| seed = v),
            "--rate" => value("--rate").map(|v| rate = Some(v)),
            "--concurrency" => value("--concurrency").map(|v| concurrency = Some(v as usize)),
            "--sabotage" => {
                match it.next().map(String::as_str) {
                    Some("silent-resets") => sabotage.proxy = ProxySabotage::SilentResets,
                    Some("hang") => sabotage.server = ServerSabotage::Hang,
                    Some("leak") => sabotage.server = ServerSabotage::Leak,
                    Some("panic") => sabotage.server = ServerSabotage::Panic,
                    Some("ignore-deadline") => sabotage.client = ClientSabotage::IgnoreDeadline,
                    Some("retry-everything") => sabotage.client = ClientSabotage::RetryEverything,
                    Some("drop-retries") => sabotage.client = ClientSabotage::DropRetries,
                    _ => {
                        eprintln!("soak: unknown --sabotage\n{USAGE}");
                        return ExitCode::FAILURE;
                    }
                }
                Ok(())
            }
            "--graceful-only" => {
                graceful_only = true;
                Ok(())
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`")),
        };
        if let Err(e) = r {
            eprintln!("soak: {e}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    }
    let mut config = Config::new(seconds, seed);
    if let Some(r) = rate {
        config.rate = r.max(1);
    }
    if let Some(c) = concurrency {
        config.concurrency = c.max(1);
    }
    config.sabotage = sabotage;
    config.graceful_only = graceful_only;
    if seconds >= 600 {
        config.progress = 60;
    }
    let report = run(&config);
    print!("{}", report.render());
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        println!("soak: FAILED; reproduce the schedule with --seed {seed} --seconds {seconds}");
        ExitCode::FAILURE
    }
}
