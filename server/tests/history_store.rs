//! The history store through its public API: persistence, every CHATHISTORY
//! selection, privacy, retention, and the errors a bad database file gives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod history_store {
    use chrono::{DateTime, TimeZone, Utc};
    use natterd::history::{
        Anchor, Conversation, History, HistoryConfig, HistoryError, HistoryQuery, MessageKind,
        Selection, StoredMessage, SyncMode, new_msgid,
    };
    use std::path::Path;
    use std::time::{Duration, Instant};

    const T0: i64 = 1_700_000_000_000;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).unwrap()
    }

    fn message(
        conversation: Conversation,
        source: &str,
        target: &str,
        time_ms: i64,
        text: &str,
    ) -> StoredMessage {
        StoredMessage {
            msgid: new_msgid(),
            time: at(time_ms),
            conversation,
            kind: MessageKind::Privmsg,
            source: format!("{source}!{source}@127.0.0.1"),
            target: target.into(),
            text: text.into(),
        }
    }

    fn lobby(n: i64) -> StoredMessage {
        message(
            Conversation::channel("#lobby"),
            "alice",
            "#Lobby",
            T0 + n * 1000,
            &format!("m{n}"),
        )
    }

    fn open(dir: &Path) -> History {
        History::open(dir, &HistoryConfig::default()).unwrap()
    }

    fn texts(messages: &[StoredMessage]) -> Vec<&str> {
        messages.iter().map(|m| m.text.as_str()).collect()
    }

    async fn select(history: &History, selection: Selection, limit: usize) -> Vec<String> {
        let query = HistoryQuery {
            conversation: Conversation::channel("#lobby"),
            selection,
            limit,
        };
        let found = history.query(query).await.unwrap();
        texts(&found).into_iter().map(str::to_owned).collect()
    }

    fn names(range: std::ops::RangeInclusive<i64>) -> Vec<String> {
        range.map(|n| format!("m{n}")).collect()
    }

    /// m0..m9 one second apart, plus m10a/m10b/m10c in the same millisecond.
    async fn populated(dir: &Path) -> (History, Vec<StoredMessage>) {
        let history = open(dir);
        let mut recorded: Vec<StoredMessage> = (0..10).map(lobby).collect();
        for suffix in ["a", "b", "c"] {
            let mut same_ms = lobby(10);
            same_ms.text = format!("m10{suffix}");
            recorded.push(same_ms);
        }
        for message in &recorded {
            history.record(message.clone());
        }
        history.record(message(
            Conversation::channel("#other"),
            "bob",
            "#other",
            T0 + 5500,
            "elsewhere",
        ));
        history.flush().await.unwrap();
        (history, recorded)
    }

    #[tokio::test]
    async fn restart_keeps_history_with_its_fields() {
        let dir = tempfile::tempdir().unwrap();
        let history = open(dir.path());
        let mut notice = lobby(1);
        notice.kind = MessageKind::Notice;
        let sent = vec![lobby(0), notice];
        for message in &sent {
            history.record(message.clone());
        }
        history.shutdown().await.unwrap();

        let reopened = open(dir.path());
        let query = HistoryQuery {
            conversation: Conversation::channel("#lobby"),
            selection: Selection::Latest { since: None },
            limit: 10,
        };
        assert_eq!(reopened.query(query).await.unwrap(), sent);
        reopened.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn durable_record_is_readable_as_soon_as_it_resolves() {
        let dir = tempfile::tempdir().unwrap();
        let config = HistoryConfig {
            sync: SyncMode::Full,
            commit_interval: Duration::from_secs(3600),
            ..HistoryConfig::default()
        };
        let history = History::open(dir.path(), &config).unwrap();
        assert_eq!(history.sync_mode(), SyncMode::Full);
        history.record_durable(lobby(0)).await.unwrap();
        assert_eq!(
            select(&history, Selection::Latest { since: None }, 10).await,
            ["m0"]
        );
    }

    /// The same three messages of one millisecond, as two cluster nodes
    /// stored them: each its own first. With their room stream sequences
    /// both list them in the stream's order, by every selection.
    #[tokio::test]
    async fn messages_of_one_millisecond_list_by_their_room_stream_sequence() {
        let same_ms = |text: &str| {
            let mut message = lobby(10);
            message.text = text.into();
            message
        };
        let (x, y, z) = (same_ms("x"), same_ms("y"), same_ms("z"));
        let stream = [(&y, 7), (&z, 8), (&x, 9)];
        for stored_order in [[&x, &y, &z], [&z, &x, &y]] {
            let dir = tempfile::tempdir().unwrap();
            let history = open(dir.path());
            history.record(lobby(9));
            for message in stored_order {
                history.record(message.clone());
            }
            history.record(lobby(11));
            history.flush().await.unwrap();
            let before: Vec<String> = stored_order.iter().map(|m| m.text.clone()).collect();
            let latest = select(&history, Selection::Latest { since: None }, 3).await;
            assert_eq!(latest[..2], before[1..], "no sequence yet: stored order");

            for (message, sequence) in stream {
                history
                    .record_place("#lobby", &message.msgid, sequence)
                    .await;
            }
            // Another conversation's message with one of these msgids is
            // never touched (a node names only its room's messages).
            history.record_place("#other", &x.msgid, 1).await;
            history.flush().await.unwrap();

            let msgid = |m: &StoredMessage| Anchor::MsgId(m.msgid.clone());
            let at_ms = |ms: i64| Anchor::Timestamp(at(ms));
            let latest = select(&history, Selection::Latest { since: None }, 10).await;
            assert_eq!(latest, ["m9", "y", "z", "x", "m11"]);
            assert_eq!(
                select(&history, Selection::Before(msgid(&x)), 2).await,
                ["y", "z"]
            );
            assert_eq!(
                select(&history, Selection::After(msgid(&y)), 2).await,
                ["z", "x"]
            );
            assert_eq!(
                select(&history, Selection::Around(msgid(&z)), 3).await,
                ["y", "z", "x"]
            );
            assert_eq!(
                select(&history, Selection::Between(msgid(&y), msgid(&x)), 10).await,
                ["z"]
            );
            assert_eq!(
                select(&history, Selection::Between(msgid(&x), msgid(&y)), 10).await,
                ["z"]
            );
            assert_eq!(
                select(&history, Selection::UpTo(msgid(&z)), 10).await,
                ["m9", "y", "z"]
            );
            assert_eq!(
                select(&history, Selection::Before(at_ms(T0 + 10_000)), 10).await,
                ["m9"]
            );
            assert_eq!(
                select(&history, Selection::After(at_ms(T0 + 9_999)), 3).await,
                ["y", "z", "x"]
            );
            assert_eq!(
                select(
                    &history,
                    Selection::Latest {
                        since: Some(msgid(&z))
                    },
                    10
                )
                .await,
                ["x", "m11"]
            );
            history.shutdown().await.unwrap();
        }
    }

    /// A database from before stream sequences (schema version 6) opens: it
    /// is migrated in place and lists every message as before.
    #[tokio::test]
    async fn a_database_from_before_stream_sequences_is_migrated_and_keeps_its_order() {
        let dir = tempfile::tempdir().unwrap();
        let (history, recorded) = populated(dir.path()).await;
        history.shutdown().await.unwrap();
        {
            let conn = rusqlite::Connection::open(dir.path().join("history.db")).unwrap();
            conn.execute_batch(
                "ALTER TABLE messages DROP COLUMN stream_seq; PRAGMA user_version = 6;",
            )
            .unwrap();
        }
        let history = open(dir.path());
        let query = HistoryQuery {
            conversation: Conversation::channel("#lobby"),
            selection: Selection::Latest { since: None },
            limit: 100,
        };
        assert_eq!(history.query(query).await.unwrap(), recorded);
        history.shutdown().await.unwrap();
        let conn = rusqlite::Connection::open(dir.path().join("history.db")).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert!(version >= 7, "{version}");
        let unplaced: i64 = conn
            .query_row(
                "SELECT (SELECT sum(count) FROM message_blocks)
                      - (SELECT count(*) FROM block_seqs WHERE seq != 0)",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(unplaced, 14);
    }

    #[tokio::test]
    async fn latest_without_and_with_anchor() {
        let dir = tempfile::tempdir().unwrap();
        let (history, recorded) = populated(dir.path()).await;
        let all = Selection::Latest { since: None };
        assert_eq!(
            select(&history, all.clone(), 3).await,
            ["m10a", "m10b", "m10c"]
        );
        assert_eq!(select(&history, all, 100).await.len(), 13);
        let since_msgid = Selection::Latest {
            since: Some(Anchor::MsgId(recorded[7].msgid.clone())),
        };
        assert_eq!(
            select(&history, since_msgid, 100).await,
            ["m8", "m9", "m10a", "m10b", "m10c"]
        );
        // Newest first when the limit cuts: the most recent ones after the anchor.
        let since_time = Selection::Latest {
            since: Some(Anchor::Timestamp(at(T0 + 7000))),
        };
        assert_eq!(select(&history, since_time, 2).await, ["m10b", "m10c"]);
    }

    #[tokio::test]
    async fn before_and_after_are_exclusive_for_msgid_and_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let (history, recorded) = populated(dir.path()).await;
        let before_msgid = Selection::Before(Anchor::MsgId(recorded[5].msgid.clone()));
        assert_eq!(select(&history, before_msgid, 3).await, names(2..=4));
        let before_time = Selection::Before(Anchor::Timestamp(at(T0 + 5000)));
        assert_eq!(select(&history, before_time, 100).await, names(0..=4));
        let after_msgid = Selection::After(Anchor::MsgId(recorded[5].msgid.clone()));
        assert_eq!(select(&history, after_msgid, 3).await, names(6..=8));
        let after_time = Selection::After(Anchor::Timestamp(at(T0 + 5000)));
        assert_eq!(select(&history, after_time, 2).await, names(6..=7));
        // Messages in the same millisecond are ordered as they were delivered.
        let after_first_of_three = Selection::After(Anchor::MsgId(recorded[10].msgid.clone()));
        assert_eq!(
            select(&history, after_first_of_three, 10).await,
            ["m10b", "m10c"]
        );
        let before_last_of_three = Selection::Before(Anchor::MsgId(recorded[12].msgid.clone()));
        assert_eq!(
            select(&history, before_last_of_three, 2).await,
            ["m10a", "m10b"]
        );
        // A timestamp between messages works; one before everything selects nothing.
        let between_seconds = Selection::After(Anchor::Timestamp(at(T0 + 2500)));
        assert_eq!(select(&history, between_seconds, 1).await, ["m3"]);
        let too_early = Selection::Before(Anchor::Timestamp(at(T0)));
        assert!(select(&history, too_early, 10).await.is_empty());
    }

    #[tokio::test]
    async fn around_splits_the_limit_and_includes_the_msgid_anchor() {
        let dir = tempfile::tempdir().unwrap();
        let (history, recorded) = populated(dir.path()).await;
        let around_msgid = Selection::Around(Anchor::MsgId(recorded[5].msgid.clone()));
        assert_eq!(
            select(&history, around_msgid.clone(), 5).await,
            names(3..=7)
        );
        assert_eq!(select(&history, around_msgid, 4).await, names(3..=6));
        let around_time = Selection::Around(Anchor::Timestamp(at(T0 + 5500)));
        assert_eq!(select(&history, around_time, 4).await, names(4..=7));
        // Near the start the later side fills the limit.
        let near_start = Selection::Around(Anchor::MsgId(recorded[0].msgid.clone()));
        assert_eq!(select(&history, near_start, 4).await, names(0..=3));
    }

    #[tokio::test]
    async fn between_in_both_directions_with_mixed_anchors() {
        let dir = tempfile::tempdir().unwrap();
        let (history, recorded) = populated(dir.path()).await;
        let forward = Selection::Between(
            Anchor::MsgId(recorded[2].msgid.clone()),
            Anchor::Timestamp(at(T0 + 8000)),
        );
        assert_eq!(select(&history, forward.clone(), 100).await, names(3..=7));
        assert_eq!(select(&history, forward, 2).await, names(3..=4));
        let backward = Selection::Between(
            Anchor::Timestamp(at(T0 + 8000)),
            Anchor::MsgId(recorded[2].msgid.clone()),
        );
        assert_eq!(select(&history, backward, 2).await, names(6..=7));
        let empty = Selection::Between(
            Anchor::Timestamp(at(T0 + 3000)),
            Anchor::Timestamp(at(T0 + 3000)),
        );
        assert!(select(&history, empty, 10).await.is_empty());
    }

    #[tokio::test]
    async fn unknown_or_foreign_msgid_and_zero_limit_select_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (history, _) = populated(dir.path()).await;
        let unknown = Anchor::MsgId("no-such-message-id".into());
        for selection in [
            Selection::Latest {
                since: Some(unknown.clone()),
            },
            Selection::Before(unknown.clone()),
            Selection::After(unknown.clone()),
            Selection::Around(unknown.clone()),
            Selection::Between(unknown.clone(), Anchor::Timestamp(at(T0 + 9000))),
        ] {
            assert!(select(&history, selection, 10).await.is_empty());
        }
        // A msgid of #other is unknown in #lobby.
        let other = HistoryQuery {
            conversation: Conversation::channel("#other"),
            selection: Selection::Latest { since: None },
            limit: 1,
        };
        let foreign = history.query(other).await.unwrap().remove(0).msgid;
        assert!(
            select(&history, Selection::After(Anchor::MsgId(foreign)), 10)
                .await
                .is_empty()
        );
        assert!(
            select(&history, Selection::Latest { since: None }, 0)
                .await
                .is_empty()
        );
        let nowhere = HistoryQuery {
            conversation: Conversation::channel("#never-used"),
            selection: Selection::Latest { since: None },
            limit: 10,
        };
        assert!(history.query(nowhere).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn private_history_reaches_only_its_two_participants() {
        let dir = tempfile::tempdir().unwrap();
        let history = open(dir.path());
        let secret = message(
            Conversation::private("alice", "bob"),
            "Alice",
            "Bob",
            T0,
            "secret",
        );
        let reply = message(
            Conversation::private("bob", "alice"),
            "Bob",
            "Alice",
            T0 + 1000,
            "reply",
        );
        let to_carol = message(
            Conversation::private("alice", "carol"),
            "Alice",
            "Carol",
            T0 + 2000,
            "hi carol",
        );
        for m in [&secret, &reply, &to_carol] {
            history.record(m.clone());
        }
        history.flush().await.unwrap();
        let query = |viewer: &str, other: &str, selection: Selection| HistoryQuery {
            conversation: Conversation::private(viewer, other),
            selection,
            limit: 100,
        };
        let latest = Selection::Latest { since: None };
        let alice_view = history
            .query(query("alice", "bob", latest.clone()))
            .await
            .unwrap();
        assert_eq!(texts(&alice_view), ["secret", "reply"]);
        let bob_view = history
            .query(query("bob", "alice", latest.clone()))
            .await
            .unwrap();
        assert_eq!(bob_view, alice_view);
        // carol can name alice or bob, but only gets her own conversation with them.
        let carol_alice = history
            .query(query("carol", "alice", latest.clone()))
            .await
            .unwrap();
        assert_eq!(texts(&carol_alice), ["hi carol"]);
        assert!(
            history
                .query(query("carol", "bob", latest))
                .await
                .unwrap()
                .is_empty()
        );
        // A msgid from alice<->bob doesn't work as an anchor in carol's conversations.
        let probe = Selection::Around(Anchor::MsgId(secret.msgid.clone()));
        assert!(
            history
                .query(query("carol", "alice", probe))
                .await
                .unwrap()
                .is_empty()
        );
        let everything = (at(0), at(T0 * 2));
        let carol_targets = history
            .targets("carol", &[], everything.0, everything.1, 10)
            .await
            .unwrap();
        assert_eq!(carol_targets, [("Alice".to_owned(), at(T0 + 2000))]);
    }

    #[tokio::test]
    async fn targets_lists_partners_and_readable_channels_in_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let history = open(dir.path());
        history.record(message(
            Conversation::private("alice", "bob"),
            "Alice",
            "Bob",
            T0 + 1000,
            "a",
        ));
        history.record(message(
            Conversation::private("dave", "alice"),
            "Dave",
            "alice",
            T0 + 3000,
            "b",
        ));
        history.record(message(
            Conversation::channel("#lobby"),
            "bob",
            "#Lobby",
            T0 + 2000,
            "c",
        ));
        history.record(message(
            Conversation::channel("#secret"),
            "bob",
            "#secret",
            T0 + 2500,
            "d",
        ));
        history.record(message(
            Conversation::private("bob", "carol"),
            "bob",
            "carol",
            T0 + 2600,
            "e",
        ));
        history.flush().await.unwrap();
        let readable = vec!["#lobby".to_owned()];
        let all = history
            .targets("alice", &readable, at(T0), at(T0 + 10_000), 10)
            .await
            .unwrap();
        assert_eq!(
            all,
            [
                ("Bob".to_owned(), at(T0 + 1000)),
                ("#Lobby".to_owned(), at(T0 + 2000)),
                ("Dave".to_owned(), at(T0 + 3000)),
            ]
        );
        let oldest = history
            .targets("alice", &readable, at(T0), at(T0 + 10_000), 1)
            .await
            .unwrap();
        assert_eq!(oldest, [("Bob".to_owned(), at(T0 + 1000))]);
        let newest = history
            .targets("alice", &readable, at(T0 + 10_000), at(T0), 1)
            .await
            .unwrap();
        assert_eq!(newest, [("Dave".to_owned(), at(T0 + 3000))]);
        let window = history
            .targets("alice", &readable, at(T0 + 1500), at(T0 + 2500), 10)
            .await
            .unwrap();
        assert_eq!(window, [("#Lobby".to_owned(), at(T0 + 2000))]);

        // A target that has spoken since the window is not listed in it
        // (IRCv3 chathistory: its latest message must fall in the window).
        history.record(message(
            Conversation::channel("#lobby"),
            "bob",
            "#Lobby",
            T0 + 4000,
            "f",
        ));
        history.flush().await.unwrap();
        let window = history
            .targets("alice", &readable, at(T0 + 1500), at(T0 + 2500), 10)
            .await
            .unwrap();
        assert_eq!(window, []);
        let newest = history
            .targets("alice", &readable, at(T0 + 10_000), at(T0), 1)
            .await
            .unwrap();
        assert_eq!(newest, [("#Lobby".to_owned(), at(T0 + 4000))]);
    }

    async fn eventually_count(
        history: &History,
        conversation: &str,
        expected: usize,
    ) -> Vec<StoredMessage> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let query = HistoryQuery {
                conversation: Conversation::channel(conversation),
                selection: Selection::Latest { since: None },
                limit: 1000,
            };
            let found = history.query(query).await.unwrap();
            if found.len() == expected || Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn retention_deletes_messages_older_than_max_age() {
        let dir = tempfile::tempdir().unwrap();
        let config = HistoryConfig {
            max_age: Some(Duration::from_secs(3600)),
            cleanup_interval: Duration::from_millis(50),
            ..HistoryConfig::default()
        };
        let history = History::open(dir.path(), &config).unwrap();
        let now = Utc::now().timestamp_millis();
        for n in 0..1200 {
            history.record(message(
                Conversation::channel("#lobby"),
                "a",
                "#lobby",
                now - 7_200_000 + n,
                "old",
            ));
        }
        history.record(message(
            Conversation::channel("#lobby"),
            "a",
            "#lobby",
            now - 60_000,
            "recent",
        ));
        history.record(message(
            Conversation::channel("#lobby"),
            "a",
            "#lobby",
            now,
            "new",
        ));
        history.flush().await.unwrap();
        let kept = eventually_count(&history, "#lobby", 2).await;
        assert_eq!(texts(&kept), ["recent", "new"]);
    }

    #[tokio::test]
    async fn retention_keeps_the_newest_max_per_target_of_each_conversation() {
        let dir = tempfile::tempdir().unwrap();
        let config = HistoryConfig {
            max_per_target: Some(3),
            cleanup_interval: Duration::from_millis(50),
            ..HistoryConfig::default()
        };
        let history = History::open(dir.path(), &config).unwrap();
        for n in 0..1100 {
            history.record(lobby(n));
        }
        history.record(message(
            Conversation::channel("#small"),
            "a",
            "#small",
            T0,
            "s0",
        ));
        history.record(message(
            Conversation::channel("#small"),
            "a",
            "#small",
            T0 + 1,
            "s1",
        ));
        history.flush().await.unwrap();
        let kept = eventually_count(&history, "#lobby", 3).await;
        assert_eq!(texts(&kept), ["m1097", "m1098", "m1099"]);
        assert_eq!(
            texts(&eventually_count(&history, "#small", 2).await),
            ["s0", "s1"]
        );
    }

    fn open_error(dir: &Path) -> HistoryError {
        History::open(dir, &HistoryConfig::default()).unwrap_err()
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_is_a_clear_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.db");
        std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
        let error = open_error(dir.path());
        assert!(
            matches!(error, HistoryError::NotADatabase { .. }),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("move it away"), "{text}");
    }

    #[tokio::test]
    async fn a_corrupted_database_is_a_clear_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let history = open(dir.path());
        for n in 0..2000 {
            history.record(lobby(n));
        }
        history.shutdown().await.unwrap();
        drop(history);
        let path = dir.path().join("history.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        drop(conn);
        // Keep the header, smash the schema page and the rest.
        let mut bytes = std::fs::read(&path).unwrap();
        for byte in bytes.iter_mut().skip(100) {
            *byte = 0xa5;
        }
        std::fs::write(&path, bytes).unwrap();
        let error = open_error(dir.path());
        assert!(
            matches!(
                error,
                HistoryError::Corrupt { .. } | HistoryError::NotADatabase { .. }
            ),
            "{error:?}"
        );
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_second_natterd_on_the_same_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let first = open(dir.path());
        let error = open_error(dir.path());
        assert!(matches!(error, HistoryError::Locked { .. }), "{error:?}");
        let text = error.to_string();
        assert!(
            text.contains("history.db") && text.contains("another natterd"),
            "{text}"
        );
        first.shutdown().await.unwrap();
        drop(first);
        open(dir.path()).shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn a_database_write_locked_by_another_program_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        open(dir.path()).shutdown().await.unwrap();
        let path = dir.path().join("history.db");
        let other = rusqlite::Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE; INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES ('x', 1, 'x', 'x');").unwrap();
        let error = open_error(dir.path());
        assert!(matches!(error, HistoryError::Locked { .. }), "{error:?}");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
        other.execute_batch("ROLLBACK;").unwrap();
    }

    #[tokio::test]
    async fn an_unusable_data_dir_or_newer_schema_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let not_a_dir = dir.path().join("file");
        std::fs::write(&not_a_dir, "x").unwrap();
        let error = open_error(&not_a_dir);
        assert!(matches!(error, HistoryError::DataDir { .. }), "{error:?}");
        assert!(
            error.to_string().contains(&not_a_dir.display().to_string()),
            "{error}"
        );

        open(dir.path()).shutdown().await.unwrap();
        let conn = rusqlite::Connection::open(dir.path().join("history.db")).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let error = open_error(dir.path());
        assert!(
            matches!(error, HistoryError::TooNew { found: 99, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("newer natterd"), "{error}");
    }
}
