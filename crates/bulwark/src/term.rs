//! Process-wide output conventions: `--color`, `--debug`/`-v` and `--timeout`. Set once in `main` before the
//! command runs; read by the renderers through [`color`] and [`stage`].

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour, even into a file or a pipe.
    Always,
    /// Never colour.
    Never,
}

static COLOR: OnceLock<ColorChoice> = OnceLock::new();
static DEBUG: AtomicBool = AtomicBool::new(false);

pub(crate) fn init(color: ColorChoice, debug: bool) {
    let _ = COLOR.set(color);
    DEBUG.store(debug, Ordering::Relaxed);
    *LAP.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
}

/// Whether a table written to stdout (`to_stdout`) or to a file gets ANSI colours. The one place this is
/// decided: `auto` colours only a terminal on stdout without `NO_COLOR` (<https://no-color.org>).
pub(crate) fn color(to_stdout: bool) -> bool {
    match COLOR.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_stdout
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

pub(crate) fn debug_enabled() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

/// Prints a `--debug` line on stderr.
pub(crate) fn debug(msg: impl std::fmt::Display) {
    if debug_enabled() {
        eprintln!("bulwark: debug: {msg}");
    }
}

/// When the last stage ended (or the command started).
static LAP: Mutex<Option<Instant>> = Mutex::new(None);

/// Marks the end of a stage of the command; with `--debug`, prints how long it took since the previous one
/// (the first since [`init`]). A single line between the stages it separates, to keep the commands readable.
pub(crate) fn lap(name: &str) {
    if !debug_enabled() {
        return;
    }
    let now = Instant::now();
    let mut last = LAP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(prev) = last.replace(now) {
        debug(format_args!("{name}: {}", human(now - prev)));
    }
}

/// `1.234s`, `56ms`.
pub(crate) fn human(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.3}s", d.as_secs_f64())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// `--timeout`: Go-style durations as Trivy takes them (`5m0s`, `30s`, `1h30m`, `1500ms`); `0` is no limit.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let bad = || format!("'{s}' is not a duration like 30s, 5m or 1h30m (units: ms, s, m, h)");
    let mut total = Duration::ZERO;
    let mut rest = s;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, tail) = rest.split_at(num_end);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let secs = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += Duration::try_from_secs_f64(n * secs).map_err(|_| bad())?;
        rest = tail;
    }
    Ok(total)
}

/// `--timeout`: a watchdog thread. The commands are synchronous and blocking (no async runtime to cancel), so
/// when the time is up the watchdog prints the error and exits the process with status 2. An `-o` report is
/// written through a temporary sibling that is then never renamed into place (the temporary file itself may
/// be left behind: the exit runs no destructors).
pub(crate) fn watchdog(limit: Duration, text: String) {
    if limit.is_zero() {
        return;
    }
    std::thread::Builder::new()
        .name("bulwark-timeout".into())
        .spawn(move || {
            std::thread::sleep(limit);
            eprintln!(
                "bulwark: error: timed out after {text} (--timeout); the command was aborted"
            );
            std::process::exit(2);
        })
        .expect("spawn the timeout watchdog");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("5m0s"), Ok(Duration::from_mins(5)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_mins(90)));
        assert_eq!(parse_duration("1ms"), Ok(Duration::from_millis(1)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("m").is_err());
    }
}
