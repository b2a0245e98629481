//! A real `wirecopy serve` process, for the tests that need the binary
//! itself: signals, crashes, restarts on the same data directory.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

pub const BINARY: &str = env!("CARGO_BIN_EXE_wirecopy");

/// Longest a client subcommand may run: a client that hangs (a stream that
/// never ends, a server that never answers) fails the test instead of
/// stalling the suite.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

/// A `wirecopy serve` process and the URL it listens on.
pub struct ServeProcess {
    child: Child,
    pub url: String,
    /// `host:port` of the metrics endpoint, when `--metrics-listen` is on.
    pub metrics: Option<String>,
    /// What the server logged before it said where it listens.
    pub startup_log: Vec<String>,
    log: mpsc::Receiver<String>,
}

impl ServeProcess {
    pub fn start(data_dir: &Path) -> ServeProcess {
        ServeProcess::start_with(data_dir, &[])
    }

    /// Starts `wirecopy serve` with `extra` options.
    pub fn start_with(data_dir: &Path, extra: &[&str]) -> ServeProcess {
        let mut child = Command::new(BINARY)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .expect("wirecopy serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (lines, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let field = |line: &str, name: &str| {
            let at = line.find(name)?;
            let value = line[at + name.len()..].split_whitespace().next()?;
            Some(value.to_owned())
        };
        let mut startup_log = Vec::new();
        let (url, metrics) = loop {
            let line = log
                .recv_timeout(Duration::from_secs(30))
                .expect("the server logs its address");
            if let Some(addr) = field(&line, "listen=") {
                let metrics = field(&line, "metrics=").filter(|m| m != "off");
                break (format!("http://{addr}"), metrics);
            }
            startup_log.push(line);
        };
        ServeProcess {
            child,
            url,
            metrics,
            startup_log,
            log,
        }
    }

    /// Runs a client subcommand against this server to completion.
    pub fn client(&self, args: &[&str]) -> Output {
        let child = Command::new(BINARY)
            .args(args)
            .env("WIRECOPY_SERVER", &self.url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("client runs");
        let pid = child.id();
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || done.send(child.wait_with_output()));
        match finished.recv_timeout(CLIENT_TIMEOUT) {
            Ok(output) => output.expect("client output read"),
            Err(_) => {
                let _ = Command::new("sh")
                    .args(["-c", &format!("kill -KILL {pid}")])
                    .status();
                panic!("wirecopy {args:?} still running after {CLIENT_TIMEOUT:?}");
            }
        }
    }

    /// Sends SIGTERM and waits for a clean exit; returns the rest of the log.
    pub fn terminate(mut self) -> String {
        // The shell's builtin kill: present wherever `sh` is.
        let status = Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.child.id())])
            .status()
            .expect("sh runs");
        assert!(status.success());
        let exit = self.child.wait().expect("server exits");
        assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
        self.log.try_iter().collect::<Vec<_>>().join("\n")
    }

    /// Kills the server with SIGKILL: no drain, no flush, no goodbye.
    pub fn crash(mut self) {
        self.child.kill().expect("SIGKILL is delivered");
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        // A failed test must not leave a server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
