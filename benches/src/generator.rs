//! The log generator and its small deterministic random source.

use serde_json::{Value, json};

/// SplitMix64: a tiny, fast, reproducible pseudo-random source (no dependency needed).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A source seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const PATHS: [&str; 6] = [
    "/",
    "/login",
    "/api/orders",
    "/api/users",
    "/static/app.js",
    "/health",
];
const METHODS: [&str; 4] = ["GET", "GET", "GET", "POST"];
const STATUSES: [u64; 12] = [200, 200, 200, 200, 200, 200, 200, 301, 404, 404, 500, 503];
const COUNTRIES: [&str; 8] = ["US", "DE", "GB", "FR", "NL", "IN", "BR", "JP"];
const AGENTS: [&str; 3] = [
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1.15",
    "curl/8.5.0",
];

/// Generates documents one after another, 50 ms apart on average, starting 2026-01-01.
#[derive(Debug, Clone)]
pub struct LogGenerator {
    random: SplitMix64,
    millis: u64,
}

/// 2026-01-01T00:00:00Z in milliseconds since the epoch.
const START_MILLIS: u64 = 1_767_225_600_000;

impl LogGenerator {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        LogGenerator {
            random: SplitMix64::new(seed),
            millis: START_MILLIS,
        }
    }

    /// The next document.
    pub fn next_document(&mut self) -> Value {
        self.millis += self.random.below(100);
        let timestamp = iso_millis(self.millis);
        let host = format!("web-{}", self.random.below(50));
        let ip = format!(
            "10.{}.{}.{}",
            self.random.below(256),
            self.random.below(256),
            self.random.below(256)
        );
        let country = *self.random.pick(&COUNTRIES);
        if self.random.below(10) == 0 {
            let user = format!("ops-{}", self.random.below(40));
            let failed = self.random.below(3) == 0;
            let action = if failed {
                "failed_password"
            } else {
                "login_success"
            };
            let verb = if failed {
                "Failed password"
            } else {
                "Accepted password"
            };
            return json!({
                "@timestamp": timestamp, "host": host, "env": "prod", "log_type": "auth", "service": "sshd",
                "user": user, "action": action, "client": {"ip": ip, "country": country},
                "message": format!("{verb} for {user} from {ip} port {} ssh2", 1024 + self.random.below(60_000)),
            });
        }
        let status = *self.random.pick(&STATUSES);
        let path = *self.random.pick(&PATHS);
        let method = *self.random.pick(&METHODS);
        let env = if self.random.below(5) == 0 {
            "staging"
        } else {
            "prod"
        };
        json!({
            "@timestamp": timestamp, "host": host, "env": env, "log_type": "access", "method": method,
            "path": path, "status": status, "bytes": self.random.below(50_000),
            "response_ms": self.random.below(900), "user_agent": *self.random.pick(&AGENTS),
            "client": {"ip": ip, "country": country},
            "message": format!("{ip} - \"{method} {path} HTTP/1.1\" {status}"),
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for epoch milliseconds, without a date library.
fn iso_millis(millis: u64) -> String {
    let secs = millis / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_and_increasing() {
        assert_eq!(iso_millis(START_MILLIS + 1_500), "2026-01-01T00:00:01.500Z");
        assert_eq!(iso_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        let mut g = LogGenerator::new(1);
        let a = g.next_document()["@timestamp"]
            .as_str()
            .unwrap()
            .to_string();
        let b = g.next_document()["@timestamp"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(a <= b);
    }

    #[test]
    fn different_seeds_give_different_data() {
        assert_ne!(
            LogGenerator::new(1).next_document(),
            LogGenerator::new(2).next_document()
        );
    }
}
