//! The `channel_state` table of history.db (created by schema migration 3):
//! one JSON [`ChannelRecord`] per case-folded channel name.

use super::ChannelRecord;
use rusqlite::{Connection, params};
use std::collections::BTreeSet;

/// Every stored record, by folded name. A row that does not parse is an
/// error naming the channel: starting without its protections would serve
/// its history to anyone. Records from before explicit registration are
/// [upgraded](ChannelRecord::upgrade_legacy) and their names added to `upgraded`.
pub(super) fn load_all(
    conn: &Connection,
    upgraded: &mut BTreeSet<String>,
) -> Result<Vec<(String, ChannelRecord)>, String> {
    let mut statement = conn
        .prepare("SELECT folded, state FROM channel_state")
        .map_err(|error| error.to_string())?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(|error| error.to_string())?;
    let mut records = Vec::new();
    for row in rows {
        let (folded, state) = row.map_err(|error| error.to_string())?;
        let mut record: ChannelRecord = serde_json::from_str(&state).map_err(|error| {
            format!("the stored state of channel {folded} is unreadable: {error}")
        })?;
        if record.upgrade_legacy(|account| account_name(conn, account)) {
            upgraded.insert(folded.clone());
        }
        records.push((folded, record));
    }
    Ok(records)
}

/// The display name of the account `folded`, if it exists.
fn account_name(conn: &Connection, folded: &str) -> Option<String> {
    conn.query_row(
        "SELECT name FROM accounts WHERE folded = ?1",
        [folded],
        |row| row.get(0),
    )
    .ok()
}

/// Writes (or, for `None`, deletes) the given records in one transaction.
pub(super) fn write(
    conn: &mut Connection,
    batch: &[(String, Option<ChannelRecord>)],
    now_ms: i64,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for (folded, record) in batch {
        match record {
            Some(record) => {
                let state = serde_json::to_string(record)
                    .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
                tx.execute(
                    "INSERT INTO channel_state (folded, state, updated_ms) VALUES (?1, ?2, ?3)
                     ON CONFLICT(folded) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms",
                    params![folded, state, now_ms],
                )?;
            }
            None => {
                tx.execute("DELETE FROM channel_state WHERE folded = ?1", [folded])?;
            }
        }
    }
    tx.commit()
}
