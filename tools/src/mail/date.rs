//! Dates as mail writes them (RFC 2822).

/// `ts` (seconds since the epoch, UTC) as an RFC 2822 date.
pub fn rfc2822(ts: i64) -> String {
    mail_parser::DateTime::from_timestamp(ts).to_rfc822()
}

/// `ts` as an RFC 2822 date in the zone `offset_minutes` east of UTC, as
/// a commit records its author's time (`git format-patch` keeps the
/// author's zone; a UTC rendering of the same instant would not match).
pub fn rfc2822_at(ts: i64, offset_minutes: i32) -> String {
    let mut local = mail_parser::DateTime::from_timestamp(ts + i64::from(offset_minutes) * 60);
    let off = offset_minutes.unsigned_abs();
    local.tz_before_gmt = offset_minutes < 0;
    local.tz_hour = (off / 60) as u8;
    local.tz_minute = (off % 60) as u8;
    local.to_rfc822()
}

/// Now, as an RFC 2822 date.
pub fn rfc2822_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    rfc2822(now)
}
