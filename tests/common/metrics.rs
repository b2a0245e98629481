//! Reading a server's Prometheus endpoint as Prometheus would.

use std::{
    io::{Read, Write},
    net::TcpStream,
};

/// `GET /metrics` with a bare HTTP/1.0 request: no client library between
/// the test and what Prometheus would see.
pub fn scrape(address: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("metrics port answers");
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: wirecopy\r\n\r\n")
        .expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
    response
}

/// The value of the series whose line starts with `series` (name and
/// labels exactly as exported).
pub fn value(metrics: &str, series: &str) -> f64 {
    find_value(metrics, series).unwrap_or_else(|| panic!("no series {series} in:\n{metrics}"))
}

pub fn find_value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|number| number.parse().ok())
}
