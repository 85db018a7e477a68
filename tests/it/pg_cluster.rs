//! A throwaway PostgreSQL cluster of one test's own (initdb into a temporary directory, on a
//! free port), which the test may stop and start at will without touching the machine's shared
//! server. Removed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A private PostgreSQL server: `initdb`, `pg_ctl start|stop`, on 127.0.0.1 and a free port.
pub struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// As root, PostgreSQL refuses to run: its programs then run as the `postgres` OS user.
    as_postgres: bool,
}

impl PgCluster {
    /// A new, running cluster; `None` (with the reason printed) when this machine has no
    /// PostgreSQL server programs. In CI they must exist (`.ci/run` installs PostgreSQL), so
    /// there a missing server fails the test instead of skipping it.
    pub fn start() -> Option<PgCluster> {
        let Some(bin) = server_bin_dir() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "no PostgreSQL server programs (initdb, pg_ctl) under /usr/lib/postgresql/*/bin"
            );
            eprintln!("skipped: no PostgreSQL server programs under /usr/lib/postgresql/*/bin");
            return None;
        };
        let cluster = PgCluster {
            bin,
            dir: tempfile::tempdir().unwrap(),
            port: free_port(),
            as_postgres: is_root(),
        };
        if cluster.as_postgres {
            run(Command::new("chown")
                .arg("postgres:")
                .arg(cluster.dir.path()));
        }
        let data = cluster.data().display().to_string();
        cluster.pg(
            "initdb",
            // -N: no fsync of the new files (the cluster lives for one test).
            &[
                "-D", &data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "-N",
            ],
        );
        cluster.up();
        Some(cluster)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=60",
            self.port,
            self.dir.path().display()
        );
        let (data, log) = (self.data(), self.dir.path().join("server.log"));
        let (data, log) = (data.display().to_string(), log.display().to_string());
        self.pg(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
    }

    /// Stops the server (fast shutdown: open sessions are ended at once, as in a maintenance
    /// restart) and waits until it is gone.
    pub fn down(&self) {
        let data = self.data().display().to_string();
        self.pg("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs one of the server's programs, as `postgres` when the test runs as root.
    fn pg(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // The `postgres` user may not enter the test's working directory.
        run(command.args(args).current_dir(self.dir.path()));
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data().display().to_string();
        let program = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // Already stopped is fine; the directory goes with the TempDir.
        let _ = command
            .current_dir(self.dir.path())
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The newest `/usr/lib/postgresql/VERSION/bin` holding `initdb` and `pg_ctl`.
fn server_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| has(bin, "initdb") && has(bin, "pg_ctl"))
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

fn has(bin: &Path, program: &str) -> bool {
    bin.join(program).is_file()
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a command to completion; panics with its output when it fails.
fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
