//! `gen-logs --docs N --seed S [--out FILE]`: writes N deterministic NDJSON log documents.

use std::io::{BufWriter, Write};

use alert_benches::LogGenerator;

fn main() -> std::io::Result<()> {
    let mut docs: u64 = 10_000;
    let mut seed: u64 = 1;
    let mut out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--docs", Some(v)) => docs = parse(&arg, &v),
            ("--seed", Some(v)) => seed = parse(&arg, &v),
            ("--out", Some(v)) => out = Some(v),
            _ => usage(&format!("unexpected argument '{arg}'")),
        }
    }
    let sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::fs::File::create(path)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = BufWriter::with_capacity(1 << 20, sink);
    let mut generator = LogGenerator::new(seed);
    for _ in 0..docs {
        serde_json::to_writer(&mut sink, &generator.next_document())?;
        sink.write_all(b"\n")?;
    }
    sink.flush()
}

fn parse(flag: &str, value: &str) -> u64 {
    value
        .parse()
        .unwrap_or_else(|_| usage(&format!("{flag} needs a whole number, got '{value}'")))
}

fn usage(problem: &str) -> ! {
    eprintln!("gen-logs: {problem}\nusage: gen-logs --docs N --seed S [--out FILE]");
    std::process::exit(2)
}
