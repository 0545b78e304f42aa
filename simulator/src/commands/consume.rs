//! `ptp-sim consume --api URL --resource R...`: the example consumer.
//! Starts its own HTTP listener, subscribes, and prints one line per event.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use super::client_auth::ClientAuth;
use crate::run::consumer::{subscribe, Consumer, Delivered};

/// `time resource values…` of one event.
pub fn describe(d: &Delivered) -> String {
    let vals: Vec<String> = d
        .values
        .iter()
        .map(|(addr, _, v)| {
            let short = addr
                .rsplit_once("/cluster/node/")
                .map_or(addr.as_str(), |x| x.1);
            let short = short.split_once('/').map_or(short, |x| x.1);
            format!("{short}={v}")
        })
        .collect();
    format!(
        "{} {} ({}) {}",
        d.time,
        d.source,
        d.event_type,
        vals.join(" ")
    )
}

/// Subscribes and prints events until interrupted.
pub async fn main(
    api: &str,
    resources: &[String],
    version: &str,
    listen: &str,
    auth: &ClientAuth,
) -> Result<ExitCode> {
    let mut consumer = Consumer::start(listen, 204, Duration::ZERO).await?;
    let client = auth.client()?;
    let v1 = version.starts_with('1');
    let endpoint = consumer.endpoint();
    println!("listening on {endpoint}");
    for r in resources {
        let info = subscribe(&client, api, r, &endpoint, v1).await?;
        println!("subscribed {r}: {info}");
    }
    loop {
        tokio::select! {
            Some(d) = consumer.rx.recv() => println!("{}", describe(&d)),
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    Ok(ExitCode::SUCCESS)
}
