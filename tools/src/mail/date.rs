//! Dates as mail writes them (RFC 2822).

/// `ts` (seconds since the epoch, UTC) as an RFC 2822 date.
pub fn rfc2822(ts: i64) -> String {
    mail_parser::DateTime::from_timestamp(ts).to_rfc822()
}

/// Now, as an RFC 2822 date.
pub fn rfc2822_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    rfc2822(now)
}
