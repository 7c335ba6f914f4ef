//! The `accounts` table of history.db (created by schema migration 2).

use super::Account;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};

/// One stored account.
pub(super) struct Row {
    pub(super) account: Account,
    pub(super) password_hash: String,
}

/// Every account, for the in-memory directory.
pub(super) fn load_all(conn: &Connection) -> rusqlite::Result<Vec<Row>> {
    let mut statement =
        conn.prepare("SELECT name, folded, password_hash, created_ms FROM accounts")?;
    let rows = statement.query_map([], |row| {
        Ok(Row {
            account: Account {
                name: row.get(0)?,
                folded: row.get(1)?,
                created: DateTime::from_timestamp_millis(row.get(3)?).unwrap_or_default(),
            },
            password_hash: row.get(2)?,
        })
    })?;
    rows.collect()
}

/// Inserts a new account; a name already taken fails on the UNIQUE index.
pub(super) fn insert(conn: &Connection, row: &Row, skeleton: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO accounts (name, folded, skeleton, password_hash, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            row.account.name,
            row.account.folded,
            skeleton,
            row.password_hash,
            row.account.created.timestamp_millis()
        ],
    )?;
    Ok(())
}

/// Replaces an account's password hash.
pub(super) fn set_password(conn: &Connection, folded: &str, hash: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE accounts SET password_hash = ?1 WHERE folded = ?2",
        params![hash, folded],
    )?;
    Ok(())
}

/// Deletes an account.
pub(super) fn delete(conn: &Connection, folded: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM accounts WHERE folded = ?1", [folded])?;
    Ok(())
}

/// Now, for `created`, to the millisecond (what is stored and shared).
pub(super) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default()
}

/// Makes `row` (with its certificates, hex) the account of its name in
/// this cache: whatever account had the same folded name or skeleton
/// before goes, with its certificates; so do other accounts' rows of the
/// same certificates. One transaction.
pub(super) fn replace(
    conn: &Connection,
    row: &Row,
    skeleton: &str,
    certs: &[String],
    now_ms: i64,
) -> rusqlite::Result<()> {
    // IMMEDIATE: this transaction reads before it writes, and a deferred one
    // that has read cannot wait for the write lock (SQLite answers BUSY at
    // once rather than risk a deadlock); the history writer holds that lock
    // for each of its commits, so under chat load the change would fail.
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let replaced: Vec<String> = {
        let mut statement =
            tx.prepare("SELECT folded FROM accounts WHERE folded = ?1 OR skeleton = ?2")?;
        let rows = statement.query_map(params![row.account.folded, skeleton], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for folded in &replaced {
        tx.execute("DELETE FROM accounts WHERE folded = ?1", [folded])?;
        tx.execute("DELETE FROM account_certs WHERE account = ?1", [folded])?;
    }
    insert(&tx, row, skeleton)?;
    for hex in certs {
        tx.execute("DELETE FROM account_certs WHERE fingerprint = ?1", [hex])?;
        tx.execute(
            "INSERT INTO account_certs (fingerprint, account, added_ms) VALUES (?1, ?2, ?3)",
            params![hex, row.account.folded, now_ms],
        )?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn open(path: &std::path::Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        conn
    }

    fn row(name: &str) -> Row {
        Row {
            account: Account {
                name: name.into(),
                folded: name.into(),
                created: DateTime::from_timestamp_millis(1).unwrap_or_default(),
            },
            password_hash: "hash".into(),
        }
    }

    #[test]
    fn a_replacement_waits_for_another_connections_write_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.db");
        let writer = open(&path);
        writer
            .execute_batch(
                "PRAGMA journal_mode = TRUNCATE;
                 CREATE TABLE accounts (name TEXT, folded TEXT UNIQUE, skeleton TEXT,
                                        password_hash TEXT, created_ms INTEGER);
                 CREATE TABLE account_certs (fingerprint TEXT, account TEXT, added_ms INTEGER);
                 CREATE TABLE other (x INTEGER);
                 BEGIN IMMEDIATE;
                 INSERT INTO other VALUES (1);",
            )
            .unwrap();
        // The other connection (the history writer, in natterd) holds the
        // write lock for a while; the replacement must wait it out.
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            writer.execute_batch("COMMIT").unwrap();
        });
        let conn = open(&path);
        replace(&conn, &row("alice"), "alice", &["ab".into()], 2).unwrap();
        release.join().unwrap();
        let accounts: Vec<String> = load_all(&conn)
            .unwrap()
            .into_iter()
            .map(|row| row.account.folded)
            .collect();
        assert_eq!(accounts, ["alice"]);
    }
}
