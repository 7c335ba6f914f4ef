//! Tests of the outbound queue: bounds, holds, batches, the writer's wake.

use super::lines::{BATCH_BYTES, COPY_BYTES};
use super::*;

/// Every connection keeps one `Arc<Outbound>` (16 bytes of counts in
/// front): mimalloc's classes around it are 112 and 128 bytes.
#[test]
fn an_outbound_fits_its_size_class() {
    let size = std::mem::size_of::<Outbound>() + 16;
    assert!(size <= 112, "an Arc<Outbound> is {size} bytes");
}

#[tokio::test]
async fn a_shutdown_wakes_the_session() {
    let outbound = std::sync::Arc::new(Outbound::new(1000));
    let session = {
        let outbound = outbound.clone();
        tokio::spawn(async move { std::future::poll_fn(|cx| outbound.poll_stop(cx)).await })
    };
    tokio::task::yield_now().await;
    outbound.shut_down();
    assert_eq!(session.await.unwrap(), Stop::ShutDown);
}

#[test]
fn push_is_bounded_in_bytes() {
    let outbound = Outbound::new(10);
    assert!(outbound.push(Bytes::from_static(b"12345")).is_ok());
    assert!(outbound.push(Bytes::from_static(b"12345")).is_ok());
    assert_eq!(outbound.killed_or_overflowed(), (false, false));
    assert_eq!(outbound.push(Bytes::from_static(b"1")), Err(Overflow));
    assert!(outbound.overflowed());
    assert_eq!(outbound.killed_or_overflowed(), (false, true));
    // Once overflowed, it stays so even if a smaller line would fit.
    assert_eq!(outbound.push(Bytes::new()), Err(Overflow));
}

/// A waker that counts its wakes.
struct CountingWaker(std::sync::atomic::AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn only_the_first_line_into_an_empty_queue_wakes_the_writer() {
    let outbound = Outbound::new(1000);
    let counter = std::sync::Arc::new(CountingWaker(0.into()));
    let wakes = || counter.0.load(std::sync::atomic::Ordering::Relaxed);
    let waker = Waker::from(counter.clone());
    outbound.register_writer(&waker);
    outbound.push(Bytes::from_static(b"a\r\n")).unwrap();
    assert_eq!(wakes(), 1);
    // The writer has not taken the first line yet: nobody to wake.
    outbound.register_writer(&waker);
    outbound.push(Bytes::from_static(b"b\r\n")).unwrap();
    outbound.push(Bytes::from_static(b"c\r\n")).unwrap();
    assert_eq!(wakes(), 1);
    let mut buffer = Vec::new();
    outbound.take_batch(&mut buffer, None);
    assert_eq!(&buffer[..], b"a\r\nb\r\nc\r\n");
    // Emptied: the next line wakes it again, as do a release and a close.
    outbound.push(Bytes::from_static(b"d\r\n")).unwrap();
    assert_eq!(wakes(), 2);
    outbound.hold();
    outbound.register_writer(&waker);
    outbound
        .release(vec![Bytes::from_static(b"reply\r\n")])
        .unwrap();
    assert_eq!(wakes(), 3);
    outbound.register_writer(&waker);
    outbound.close(None);
    assert_eq!(wakes(), 4);
}

/// The writer registers in the take that finds the queue empty (one
/// lock): the next push wakes it; a take that found lines registers
/// nothing (the writer comes back for more before it sleeps).
#[test]
fn a_take_that_finds_nothing_registers_the_writer_for_the_next_push() {
    let outbound = Outbound::new(1000);
    let counter = std::sync::Arc::new(CountingWaker(0.into()));
    let wakes = || counter.0.load(std::sync::atomic::Ordering::Relaxed);
    let waker = Waker::from(counter.clone());
    let mut buffer = Vec::new();
    outbound.push(Bytes::from_static(b"a\r\n")).unwrap();
    outbound.take_batch(&mut buffer, Some(&waker));
    assert_eq!(&buffer[..], b"a\r\n");
    outbound.push(Bytes::from_static(b"b\r\n")).unwrap();
    assert_eq!(wakes(), 0, "not registered while it had lines");
    buffer.clear();
    outbound.take_batch(&mut buffer, Some(&waker));
    buffer.clear();
    assert!(!outbound.take_batch(&mut buffer, Some(&waker)));
    assert!(buffer.is_empty());
    outbound.push(Bytes::from_static(b"c\r\n")).unwrap();
    assert_eq!(wakes(), 1);
}

#[tokio::test]
async fn a_kill_wakes_the_session_and_its_final_line_is_still_written() {
    let outbound = std::sync::Arc::new(Outbound::new(1000));
    let (client, mut server) = tokio::io::duplex(1024);
    let session = {
        let outbound = outbound.clone();
        tokio::spawn(async move {
            let stop = std::future::poll_fn(|cx| outbound.poll_stop(cx)).await;
            assert_eq!(stop, Stop::Killed);
            outbound.run_writer(client).await
        })
    };
    outbound.push(Bytes::from_static(b"a\r\n")).unwrap();
    tokio::task::yield_now().await;
    assert!(!outbound.killed());
    outbound.kill(Some(Bytes::from_static(b"ERROR :SendQ exceeded\r\n")));
    assert!(outbound.killed() && outbound.is_closing());
    assert_eq!(outbound.killed_or_overflowed(), (true, false));
    assert_eq!(session.await.unwrap(), WriterEnd::Closed);
    let mut received = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut server, &mut received)
        .await
        .unwrap();
    assert_eq!(received, b"a\r\nERROR :SendQ exceeded\r\n");
    // Lines after the kill go nowhere.
    assert!(outbound.push(Bytes::from_static(b"late\r\n")).is_ok());
    assert_eq!(outbound.queued_bytes(), 0);
}

#[tokio::test]
async fn writer_sends_queued_lines_in_order_then_closes() {
    let outbound = std::sync::Arc::new(Outbound::new(1000));
    let (client, mut server) = tokio::io::duplex(1024);
    let writer = {
        let outbound = outbound.clone();
        tokio::spawn(async move { outbound.run_writer(client).await })
    };
    outbound.push(Bytes::from_static(b"a\r\n")).unwrap();
    outbound.push(Bytes::from_static(b"b\r\n")).unwrap();
    outbound.close(Some(Bytes::from_static(b"ERROR :bye\r\n")));
    writer.await.unwrap();
    let mut received = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut server, &mut received)
        .await
        .unwrap();
    assert_eq!(received, b"a\r\nb\r\nERROR :bye\r\n");
}

#[test]
fn a_released_response_goes_before_lines_queued_while_held() {
    let outbound = Outbound::new(1000);
    outbound.push(Bytes::from_static(b"before\r\n")).unwrap();
    outbound.hold();
    outbound.push(Bytes::from_static(b"meanwhile\r\n")).unwrap();
    let mut buffer = Vec::new();
    outbound.take_batch(&mut buffer, None);
    assert_eq!(&buffer[..], b"before\r\n");
    buffer.clear();
    outbound.take_batch(&mut buffer, None);
    assert!(buffer.is_empty(), "held lines wait");
    outbound
        .release(vec![Bytes::from_static(b"response\r\n")])
        .unwrap();
    outbound.take_batch(&mut buffer, None);
    assert_eq!(&buffer[..], b"response\r\nmeanwhile\r\n");
    assert_eq!(outbound.queued_bytes(), 0);
}

#[test]
fn a_long_queue_is_taken_in_bounded_batches_in_order_and_closes_after_the_last() {
    let outbound = Outbound::new(1 << 20);
    for n in 0..200u8 {
        outbound.push(Bytes::from(vec![n; 1000])).unwrap();
    }
    outbound.close(None);
    let mut buffer = Vec::new();
    let mut written = Vec::new();
    let mut batches = 0;
    while !outbound.take_batch(&mut buffer, None) {
        assert!(!buffer.is_empty() && buffer.len() <= BATCH_BYTES);
        written.extend_from_slice(&buffer);
        buffer.clear();
        batches += 1;
    }
    written.extend_from_slice(&buffer);
    assert!(batches >= 3, "{batches} batches");
    let expected: Vec<u8> = (0..200u8).flat_map(|n| vec![n; 1000]).collect();
    assert_eq!(written, expected);
    assert_eq!(outbound.queued_bytes(), 0);
}

#[test]
fn a_hold_over_more_than_one_batch_lets_out_exactly_what_was_queued_before_it() {
    let outbound = Outbound::new(1 << 20);
    for _ in 0..100 {
        outbound.push(Bytes::from(vec![b'a'; 1000])).unwrap();
    }
    outbound.hold();
    outbound.push(Bytes::from_static(b"live")).unwrap();
    let mut buffer = Vec::new();
    let mut before = 0;
    loop {
        outbound.take_batch(&mut buffer, None);
        if buffer.is_empty() {
            break;
        }
        before += buffer.len();
        buffer.clear();
    }
    assert_eq!(before, 100_000);
    outbound
        .release(vec![Bytes::from_static(b"reply")])
        .unwrap();
    outbound.take_batch(&mut buffer, None);
    assert_eq!(&buffer[..], b"replylive");
}

#[test]
fn a_drained_queue_holds_no_memory() {
    let outbound = Outbound::new(1 << 20);
    for _ in 0..20_000 {
        outbound.push(Bytes::from_static(b"welcome\r\n")).unwrap();
    }
    assert!(
        outbound.lock().lines.holds_shared(),
        "a backlog of shared lines"
    );
    let mut buffer = Vec::new();
    let mut taken = 0;
    loop {
        outbound.take_batch(&mut buffer, None);
        if buffer.is_empty() {
            break;
        }
        taken += buffer.len();
        buffer = Vec::new();
    }
    assert_eq!(taken, 180_000);
    let state = outbound.lock();
    assert!(!state.lines.holds_shared(), "no backlog's slots");
    assert_eq!(state.lines.copied_capacity(), 0);
}

#[test]
fn a_busy_writer_and_its_queue_swap_two_buffers() {
    let outbound = Outbound::new(1 << 20);
    outbound.push(Bytes::from_static(b"a\r\n")).unwrap();
    let mut buffer = Vec::with_capacity(100);
    let first = buffer.as_ptr();
    outbound.take_batch(&mut buffer, None);
    assert_eq!(&buffer[..], b"a\r\n");
    outbound.push(Bytes::from_static(b"b\r\n")).unwrap();
    buffer.clear();
    outbound.take_batch(&mut buffer, None);
    assert_eq!((&buffer[..], buffer.as_ptr()), (&b"b\r\n"[..], first));
    buffer.clear();
    outbound.take_batch(&mut buffer, None);
    assert!(buffer.is_empty());
    assert_eq!(
        buffer.as_ptr(),
        first,
        "the writer keeps its buffer when there is nothing"
    );
    assert_eq!(
        outbound.lock().lines.copied_capacity(),
        0,
        "idle: nothing held"
    );
}

/// Past [`COPY_BYTES`] the queue holds references, and goes back to
/// copying once the writer has taken them, in order throughout.
#[test]
fn a_client_behind_queues_references_then_copies_again() {
    let outbound = Outbound::new(1 << 20);
    let line = Bytes::from(vec![b'x'; 1000]);
    let copied = COPY_BYTES / 1000;
    for _ in 0..copied + 8 {
        outbound.push_shared(&line).unwrap();
    }
    assert!(!line.is_unique(), "the lines past COPY_BYTES are shared");
    let mut buffer = Vec::new();
    outbound.take_batch(&mut buffer, None);
    assert_eq!(
        buffer.len(),
        (copied + 8) * 1000,
        "the copied lines and the shared ones"
    );
    assert!(line.is_unique());
    buffer.clear();
    outbound.push_shared(&Bytes::from_static(b"next")).unwrap();
    assert!(line.is_unique(), "copying again");
    outbound.take_batch(&mut buffer, None);
    assert_eq!(&buffer[..], b"next");
}

/// A client that fell behind gets what is queued in one write per batch:
/// the copied lines and the shared ones after them together, in order.
#[test]
fn the_copied_lines_and_the_shared_ones_after_them_are_one_batch() {
    let outbound = Outbound::new(1 << 20);
    let mut expected = Vec::new();
    for n in 0..(COPY_BYTES / 100 + 20) {
        let line = Bytes::from(format!("{n:>98}\r\n"));
        expected.extend_from_slice(&line);
        outbound.push_shared(&line).unwrap();
    }
    assert!(
        outbound.lock().lines.holds_shared(),
        "some lines are shared"
    );
    let mut buffer = Vec::new();
    outbound.take_batch(&mut buffer, None);
    assert_eq!(buffer, expected);
    assert_eq!(outbound.queued_bytes(), 0);
}

/// The queue copies a shared line: it keeps no reference to it (a
/// reference per recipient, taken and dropped again, cost more than the
/// copy), and the writer's batch is the queue's own buffer.
#[test]
fn a_shared_line_is_copied_not_referenced() {
    let outbound = Outbound::new(1000);
    let line = Bytes::from(b"PRIVMSG #a :hi\r\n".to_vec());
    outbound.push_shared(&line).unwrap();
    outbound.push_shared(&line).unwrap();
    assert!(line.is_unique(), "the queue holds no reference");
    let mut buffer = Vec::new();
    outbound.take_batch(&mut buffer, None);
    assert_eq!(&buffer[..], b"PRIVMSG #a :hi\r\nPRIVMSG #a :hi\r\n");
}

#[test]
fn a_response_released_inside_a_backlog_lands_exactly_at_its_hold() {
    let outbound = Outbound::new(1 << 20);
    let mut expected = Vec::new();
    for n in 0..100_000u32 {
        let line = format!("{n}\r\n");
        if n == 70_000 {
            outbound.hold();
            expected.extend_from_slice(b"reply\r\n");
        }
        expected.extend_from_slice(line.as_bytes());
        outbound.push(Bytes::from(line)).unwrap();
    }
    outbound
        .release(vec![Bytes::from_static(b"reply\r\n")])
        .unwrap();
    outbound.close(None);
    let mut written = Vec::new();
    let mut buffer = Vec::new();
    while !outbound.take_batch(&mut buffer, None) {
        // A response goes into the chunk it was held in.
        assert!(buffer.len() <= BATCH_BYTES + b"reply\r\n".len());
        written.append(&mut buffer);
    }
    written.append(&mut buffer);
    assert_eq!(written, expected);
}

#[tokio::test]
async fn overflowed_queue_is_discarded_but_the_error_line_is_sent() {
    let outbound = std::sync::Arc::new(Outbound::new(4));
    outbound.push(Bytes::from_static(b"1234")).unwrap();
    assert!(outbound.push(Bytes::from_static(b"5")).is_err());
    outbound.close(Some(Bytes::from_static(b"ERROR :SendQ exceeded\r\n")));
    let (client, mut server) = tokio::io::duplex(1024);
    outbound.run_writer(client).await;
    let mut received = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut server, &mut received)
        .await
        .unwrap();
    assert_eq!(received, b"ERROR :SendQ exceeded\r\n");
}
