//! A real PostgreSQL for the tests, from Debian's `postgresql` package: `initdb` in a
//! temporary folder, the server on 127.0.0.1 (a free port) and a Unix socket in that folder,
//! fsync off and small buffers so that it starts in well under a second.
//!
//! PostgreSQL refuses to run as root, so as root (CI) the folder is given to the `postgres`
//! system user that the package creates and every server command runs through
//! `runuser -u postgres`; as anyone else they run as that user.
//!
//! [`server`] is one server per test binary, [`TestPostgres::fresh_database`] one database
//! per test. The server is stopped, and its folder removed, when the test binary ends, however
//! it ends: a watchdog shell (in a process group of its own) holds the server and waits on a
//! pipe from this process, and the kernel closes the pipe when the process exits (even on
//! `kill -9` or Ctrl-C). [`TestPostgres::start`]
//! gives a server of one's own, stopped on drop.
//!
//! Missing binaries are a test failure saying to install `postgresql` (`.ci/run` installs it),
//! never a silent pass.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

/// The superuser `initdb` creates; it logs in without a password (`trust`, 127.0.0.1 only).
pub const USER: &str = "alert";

/// A directory of PostgreSQL server binaries other than Debian's (for other systems).
const BIN_ENV: &str = "ALERT_TEST_POSTGRES_BIN";

/// How many free ports to try when another process takes the one picked.
const START_ATTEMPTS: usize = 5;

/// The server of this test binary, started at the first call.
pub fn server() -> &'static TestPostgres {
    static SERVER: OnceLock<TestPostgres> = OnceLock::new();
    SERVER.get_or_init(TestPostgres::start)
}

/// A running PostgreSQL server of the tests.
#[derive(Debug)]
pub struct TestPostgres {
    port: u16,
    dir: PathBuf,
    /// The watchdog's stdin: closing it stops the server.
    stop: Option<ChildStdin>,
    watchdog: Child,
}

impl TestPostgres {
    /// Creates a cluster in a new temporary folder and starts a server on it; panics with the
    /// reason (and the server's log) when it cannot.
    pub fn start() -> TestPostgres {
        let started = Instant::now();
        let bin = binaries();
        let run_as = server_user();
        let dir = tempfile::Builder::new()
            .prefix("alert-pg-")
            .tempdir()
            .unwrap()
            .keep();
        if let Some(user) = &run_as {
            std::os::unix::fs::chown(&dir, Some(user.uid), Some(user.gid)).unwrap();
        }
        let mut last_log = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            match launch(&bin, &dir, port, run_as.as_ref()) {
                Ok((watchdog, stop)) => {
                    eprintln!(
                        "test postgres on 127.0.0.1:{port} ({}) ready in {:?}",
                        dir.display(),
                        started.elapsed()
                    );
                    return TestPostgres {
                        port,
                        dir,
                        stop: Some(stop),
                        watchdog,
                    };
                }
                Err(log) if log.contains("could not bind") || log.contains("in use") => {
                    last_log = log;
                }
                Err(log) => panic!(
                    "the test PostgreSQL server in {} did not start:\n{log}",
                    dir.display()
                ),
            }
        }
        panic!(
            "the test PostgreSQL server in {} found no free port in {START_ATTEMPTS} tries:\n{last_log}",
            dir.display()
        );
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The folder of the cluster, the log and the Unix socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The URL of `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a database of its own for one test and returns its URL.
    pub async fn fresh_database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.admin(&format!("CREATE DATABASE {name}")).await;
        self.url(&name)
    }

    /// Runs one statement on the `postgres` database.
    pub async fn admin(&self, sql: &str) {
        let (client, connection) =
            tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL server: {e}"));
        let connection = tokio::spawn(connection);
        client
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        drop(client);
        let _ = connection.await;
    }
}

impl Drop for TestPostgres {
    /// Closes the watchdog's pipe and waits while it stops the server and removes the folder.
    fn drop(&mut self) {
        drop(self.stop.take());
        let _ = self.watchdog.wait();
    }
}

/// The directory of `initdb` and `pg_ctl`: `$ALERT_TEST_POSTGRES_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout).
fn binaries() -> PathBuf {
    if let Some(dir) = std::env::var_os(BIN_ENV) {
        return PathBuf::from(dir);
    }
    let versions = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        });
    match versions.max_by_key(|(version, _)| *version) {
        Some((_, bin)) => bin,
        None => panic!(
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/<version>/bin: \
             install Debian's postgresql package (`apt-get install postgresql`; .ci/run does), \
             or set {BIN_ENV} to a directory that has them"
        ),
    }
}

/// The `postgres` system user, whose ids own the cluster when the tests run as root.
#[derive(Debug)]
struct ServerUser {
    uid: u32,
    gid: u32,
}

/// `None` when this process is not root (the server runs as this user); the `postgres` user
/// when it is (PostgreSQL refuses root).
fn server_user() -> Option<ServerUser> {
    // /proc/self belongs to the process's effective user.
    let euid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0);
    if euid != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let user = passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields[..] {
            ["postgres", _, uid, gid, ..] => Some(ServerUser {
                uid: uid.parse().ok()?,
                gid: gid.parse().ok()?,
            }),
            _ => None,
        }
    });
    Some(user.unwrap_or_else(|| {
        panic!(
            "the tests run as root, which PostgreSQL refuses, and there is no `postgres` system \
             user to run the server as: install Debian's postgresql package (`apt-get install \
             postgresql`), which creates it"
        )
    }))
}

/// `program args...`, through `runuser -u postgres --` when the server cannot run as us.
fn command(program: &Path, run_as: Option<&ServerUser>) -> Command {
    match run_as {
        Some(_) => {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

/// The watchdog, run by `sh` as the server user: creates the cluster in `dir/data` unless an
/// earlier try did (no fsync, UTF-8, the C locale, `trust` logins), starts the server
/// (`pg_ctl start -w`), says `ready`, then waits for its stdin to close, stops the server and
/// removes the folder. It ignores SIGPIPE, so a test process gone before `ready` still gets
/// its server stopped.
const WATCHDOG: &str = r#"
trap '' PIPE
bin=$1; dir=$2; port=$3; user=$4
if [ ! -d "$dir/data" ]; then
  "$bin/initdb" -D "$dir/data" --no-sync --auth=trust --encoding=UTF8 --locale=C --username="$user" >"$dir/initdb.log" 2>&1 || { echo failed; exit 1; }
fi
"$bin/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/server.log" -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=100" >"$dir/pg_ctl.log" 2>&1 || { echo failed; exit 1; }
echo ready
read -r _ || true
"$bin/pg_ctl" stop -w -m fast -D "$dir/data" >>"$dir/pg_ctl.log" 2>&1
rm -rf "$dir"
"#;

/// Starts the watchdog on `port`; the logs of `initdb` and the server when it did not start.
fn launch(
    bin: &Path,
    dir: &Path,
    port: u16,
    run_as: Option<&ServerUser>,
) -> Result<(Child, ChildStdin), String> {
    let mut watchdog = command(Path::new("sh"), run_as)
        // A group of its own: a Ctrl-C or a kill of the test's process group must not take
        // the watchdog before it stops the server.
        .process_group(0)
        .args(["-c", WATCHDOG, "watchdog"])
        .arg(bin)
        .arg(dir)
        .arg(port.to_string())
        .arg(USER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the PostgreSQL watchdog shell: {e}"));
    let mut line = String::new();
    let stdout = watchdog.stdout.take().unwrap();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    if line.trim() == "ready" {
        let stop = watchdog.stdin.take().unwrap();
        return Ok((watchdog, stop));
    }
    let _ = watchdog.wait();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    Err(format!(
        "{}{}{}",
        read("initdb.log"),
        read("pg_ctl.log"),
        read("server.log")
    ))
}

/// A port on 127.0.0.1 that nothing listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
