"""The centre's limits against a real server on loopback: what probing the reference centre
found (issue 17) — unbounded lengths, slow clients, guessing, foreign codes, malformed items,
unbounded fields, ratings stored twice — each shown refused the way the contract says."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import psutil
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.base.central import Accepted, DossierUpload, Refused, RetryLater
from kiosk.base.dossier import DossierMeta
from kiosk.central import protocol as p
from kiosk.central import signatures as sig
from kiosk.central.reference.limits import Limits
from offline_cache.outbox import QueuedRating
from offline_cache.sealing import seal
from offline_cache.store import SqlOutbox
from offline_cache.sync import SyncWorker
from tests.central_helpers import (
    KIOSK_ID,
    Central,
    closed_by_server,
    connect,
    head,
    start_central,
    status_of,
)
from tests.helpers import wait_until

ID_NUMBER = "001090012345"


@pytest.fixture
def central(tmp_path: Path):
    running = start_central(tmp_path)
    yield running
    running.running.stop()


def box(central: Central, code: str, content: object) -> bytes:
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    return seal(raw, central.service.seal_key.public_key(), code.encode())


def upload(central: Central, number: int, content: object = None, kiosk: int = 3) -> DossierUpload:
    code = f"000.00.01.H01-261120-K{kiosk:02d}{number:04d}"
    if content is None:
        content = {"code": code, "citizen": {"id_number": ID_NUMBER}}
    sealed = box(central, code, content)
    return DossierUpload(
        code, "LT-KS-TT-BHYT", datetime(2026, 11, 20, 9), date(2026, 11, 25), sealed
    )


# Lengths: checked before anything is read or authenticated --------------------------------
def test_a_negative_length_with_a_huge_body_is_refused_at_once_and_nothing_is_kept(
    central,
) -> None:
    process = psutil.Process()
    before = process.memory_info().rss
    sock = connect(central)
    sock.sendall(head("POST", "/v1/heartbeat", {"Content-Length": "-1"}))
    sent = [0]

    def flood() -> None:  # 256 MiB behind the head, as fast as loopback takes it
        chunk = b"x" * (1 << 20)
        try:
            for _ in range(256):
                sock.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass

    started = time.monotonic()
    flooding = threading.Thread(target=flood)
    flooding.start()
    status, answer = status_of(sock)
    answered_in = time.monotonic() - started
    flooding.join(timeout=10)
    assert (status, answered_in < 2.0) == (400, True), answer
    assert b"bad_length" in answer
    assert closed_by_server(sock, timeout=5)
    # The old centre read the body for ever: 150 MB grew to 1.6 GB.
    assert process.memory_info().rss - before < 48 * 1024 * 1024
    sock.close()


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"Content-Length": "-1"}, 400, b"bad_length"),
        ({"Content-Length": "+5"}, 400, b"bad_length"),
        ({"Content-Length": "0x10"}, 400, b"bad_length"),
        ({"Content-Length": "5, 7"}, 400, b"bad_length"),
        ({}, 411, b"length_required"),
        ({"Transfer-Encoding": "chunked"}, 411, b"length_required"),
        ({"Content-Length": str(p.MAX_HEARTBEAT_BODY + 1)}, 413, b"too_large"),
    ],
)
def test_bad_and_missing_lengths_are_refused_before_authentication(
    central, fields, status, error
) -> None:
    # Unsigned: the answer is about the length, not the credential.
    with connect(central) as sock:
        sock.sendall(head("POST", "/v1/heartbeat", fields))
        got, answer = status_of(sock)
        assert (got, error in answer) == (status, True), answer


def test_an_oversized_dossier_and_a_20_mb_heartbeat_are_refused_unread(central) -> None:
    client = central.client()
    outcome = client.heartbeat({"padding": "a" * 20_000_000})
    assert isinstance(outcome, Refused) and outcome.status == 413
    with connect(central) as sock:
        sock.sendall(head("POST", "/v1/dossiers", {"Content-Length": str(p.MAX_BODY + 1)}))
        assert status_of(sock)[0] == 413


def test_a_forged_signature_is_refused_before_a_large_body_is_read(central) -> None:
    # RFC 9421 signs the body's digest, so the head alone is checked: a stranger cannot
    # make the centre take in 20 MB.
    forged = sig.sign_request(
        Ed25519PrivateKey.generate(),
        KIOSK_ID,
        "POST",
        "/v1/dossiers",
        {"Idempotency-Key": "k" * 32},
        b"x" * 20_000_000,
        int(time.time()),
    )
    fields = {"Idempotency-Key": "k" * 32, **forged, "Content-Length": "20000000"}
    with connect(central) as sock:
        sock.sendall(head("POST", "/v1/dossiers", fields))  # and not a byte of body
        started = time.monotonic()
        status, answer = status_of(sock)
        # At once, not after the 10 s the centre gives a body to come.
        assert (status, time.monotonic() - started < 5.0) == (401, True), answer


# Slow clients and connections ---------------------------------------------------------------
def test_fifty_slow_connections_neither_block_a_normal_request_nor_stay(tmp_path: Path) -> None:
    central = start_central(tmp_path, Limits(header_timeout_s=3.0, body_timeout_s=3.0))
    try:
        key = p.load_ed25519_private(central.credential)
        body = b"{" + b" " * 998 + b"}"
        slow = []
        for i in range(50):
            sock = connect(central)
            if i % 2:  # half stop inside the head, half inside the body of a signed request
                sock.sendall(b"POST /v1/heartbeat HTTP/1.1\r\nHost: centre\r\n")
            else:
                now = int(time.time())
                signed = sig.sign_request(key, KIOSK_ID, "POST", "/v1/heartbeat", {}, body, now)
                fields = {**signed, "Content-Length": str(len(body))}
                sock.sendall(head("POST", "/v1/heartbeat", fields) + body[:1])
            slow.append(sock)
        stop = threading.Event()

        def trickle() -> None:  # one byte each, every 0.2 s: no read ever times out
            while not stop.wait(0.2):
                for sock in slow:
                    try:
                        sock.send(b"a")
                    except OSError:
                        pass

        dripping = threading.Thread(target=trickle)
        dripping.start()
        started = time.monotonic()
        assert isinstance(central.client().heartbeat({"version": "1"}), Accepted)
        assert time.monotonic() - started < 2.5  # not held up until the slow ones go (3 s)
        # Dropped at the deadline however slowly their bytes still come.
        assert wait_until(lambda: all(closed_by_server(s, 0.05) for s in slow), timeout=20)
        stop.set()
        dripping.join()
        for sock in slow:
            sock.close()
    finally:
        central.running.stop()


def test_connections_beyond_the_bound_are_told_busy_at_once(tmp_path: Path) -> None:
    central = start_central(tmp_path, Limits(max_connections=8, header_timeout_s=2.0))
    try:
        # Connected means in the kernel's accept queue, which the server empties in order:
        # these eight are taken before the ninth.
        held = [connect(central) for _ in range(8)]
        with connect(central) as extra:
            started = time.monotonic()
            status, answer = status_of(extra)
            assert (status, b"Retry-After: 1" in answer) == (503, True)
            assert time.monotonic() - started < 2.0
        # The idle ones are dropped at their deadline; then there is room again.
        assert wait_until(lambda: all(closed_by_server(s, 0.05) for s in held), timeout=20)
        assert isinstance(central.client().heartbeat({}), Accepted)
        for sock in held:
            sock.close()
    finally:
        central.running.stop()


# Rates ----------------------------------------------------------------------------------
def test_two_thousand_wrong_id_lookups_on_one_code_hit_429(central) -> None:
    client = central.client()
    genuine = upload(central, 1)
    assert isinstance(client.submit_dossier(genuine, "g" * 32), Accepted)
    outcomes = [client.dossier_status(genuine.code, f"0010900{i:05d}") for i in range(2000)]
    kinds = Counter(type(o).__name__ for o in outcomes)
    # 5 wrong guesses are answered "not found"; everything after is "too many".
    assert kinds == {"Refused": 5, "RetryLater": 1995}
    assert all(isinstance(o, Refused) and o.status == 404 for o in outcomes[:5])
    throttled = [o for o in outcomes if isinstance(o, RetryLater)]
    assert all("429" in o.reason and (o.retry_after_s or 0) >= 1 for o in throttled)
    # The right ID number now gets 429 too: a guess that lands learns nothing.
    right = client.dossier_status(genuine.code, ID_NUMBER)
    assert isinstance(right, RetryLater) and "429" in right.reason


def test_one_kiosk_cannot_look_up_faster_than_its_rate(tmp_path: Path) -> None:
    # One look-up back every 60 s: the twelve asked here, however slowly a loaded machine
    # serves them, never see a token come back.
    limits = Limits(lookups_per_kiosk=10, lookups_per_kiosk_period_s=600.0)
    central = start_central(tmp_path, limits)
    try:
        client = central.client()
        outcomes = [
            client.dossier_status(f"000.00.01.H01-261120-K03{n:04d}", ID_NUMBER)
            for n in range(1, 13)
        ]
        assert [isinstance(o, Refused) and o.status == 404 for o in outcomes[:10]] == [True] * 10
        last = outcomes[-1]
        assert isinstance(last, RetryLater) and 1 <= (last.retry_after_s or 0) <= 60
    finally:
        central.running.stop()


# Codes belong to the kiosk whose numbering they use -----------------------------------------
def test_a_kiosk_cannot_take_a_code_in_another_kiosks_numbering(central, tmp_path) -> None:
    other_credential = tmp_path / "k04.pem"
    central.service.register_kiosk("000.00.01.H01-K04", other_credential)
    intruder = central.client()
    theirs = upload(central, 1, kiosk=4)
    refused = intruder.submit_dossier(theirs, "i" * 32)
    assert isinstance(refused, Refused) and refused.status == 422
    assert "code_not_this_kiosk" in refused.reason
    other_unit = upload(central, 1)
    other_unit = DossierUpload(
        other_unit.code.replace("000.00.01.H01", "000.00.02.H02"),
        other_unit.procedure_code,
        other_unit.received_at,
        other_unit.appointment,
        other_unit.sealed,
    )
    assert isinstance(intruder.submit_dossier(other_unit, "u" * 32), Refused)
    # The genuine kiosk's dossier is then recorded, not refused as a conflict.
    from kiosk.central.client import CentralClient

    owner = CentralClient(
        central.running.url, "000.00.01.H01-K04", p.load_ed25519_private(other_credential)
    )
    accepted = owner.submit_dossier(theirs, "o" * 32)
    assert isinstance(accepted, Accepted) and accepted.status == 201


# Malformed items: a 4xx naming what, and the kiosk sets them aside ------------------------
def test_malformed_items_are_refused_with_a_reason_and_end_as_dead_letters(
    central, tmp_path
) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk" / "kiosk.db", enrol=True)
    other = "000.00.01.H01-261120-K039999"
    contents = {  # what the sealed content holds, given the dossier's code
        "not an object": lambda code: b"[1, 2, 3]",
        "null": lambda code: b"null",
        "not JSON": lambda code: b"\xff\xfe not json",
        "another dossier": lambda code: json.dumps({"code": other}).encode(),
        "no citizen": lambda code: json.dumps({"code": code, "citizen": "x"}).encode(),
        "citizen a list": lambda code: json.dumps({"code": code, "citizen": [1]}).encode(),
        "ID number a number": lambda code: json.dumps(
            {"code": code, "citizen": {"id_number": 1090012345}}
        ).encode(),
    }
    for number, content in enumerate(contents.values(), start=1):
        code = f"000.00.01.H01-261120-K03{number:04d}"
        meta = DossierMeta(code, "LT-KS-TT-BHYT", datetime(2026, 11, 20, 9, 0, number), None)
        store.put(meta, box(central, code, content(code)))
    good = upload(central, 50)
    store.put(DossierMeta(good.code, "CT-TT", datetime(2026, 11, 20, 10), None), good.sealed)
    store.put_rating(QueuedRating("s" * 32, "great", None, None, datetime(2026, 11, 20)))
    store.put_rating(
        QueuedRating("t" * 32, "satisfied", "X" * 10_000, None, datetime(2026, 11, 20))
    )
    store.put_rating(QueuedRating("u" * 32, "dissatisfied", "CT-TT", None, datetime(2026, 11, 20)))
    report = SyncWorker(store, central.client()).run_once()
    assert (report.sent, report.dead, report.retried) == (1, len(contents), 0)
    dead = {entry.meta.code: entry.last_error or "" for entry in store.dead_letters()}
    assert len(dead) == len(contents)
    assert all(reason.startswith("HTTP 422 sealed_content_invalid") for reason in dead.values())
    assert store.pending_ratings() == []  # set aside or sent, none left to retry for ever
    assert [r.idempotency_key for r in central.service.ratings()] == ["u" * 32]
    assert [d.code for d in central.service.received()] == [good.code]


# Fields are bounded -------------------------------------------------------------------------
def test_unbounded_fields_are_refused(central) -> None:
    client = central.client()
    long_key = client.submit_dossier(upload(central, 1), "k" * 5000)
    assert isinstance(long_key, Refused) and long_key.status == 400
    genuine = upload(central, 2)
    long_procedure = DossierUpload(
        genuine.code, "X" * 10_000, genuine.received_at, genuine.appointment, genuine.sealed
    )
    refused = client.submit_dossier(long_procedure, "p" * 32)
    assert isinstance(refused, Refused) and refused.status == 422
    assert "procedure_code" in refused.reason
    rating_key = client.submit_rating("satisfied", None, None, "k" * 5000)
    assert isinstance(rating_key, Refused) and rating_key.status == 400
    rating_code = client.submit_rating("satisfied", "X" * 10_000, None, "q" * 32)
    assert isinstance(rating_code, Refused) and rating_code.status == 422
    not_text = client.submit_rating("satisfied", 12345, None, "n" * 32)  # type: ignore[arg-type]
    assert isinstance(not_text, Refused) and not_text.status == 422
    lookup = client.dossier_status(genuine.code, "1" * 5000)
    assert isinstance(lookup, Refused) and lookup.status == 413
    assert central.service.received() == [] and central.service.ratings() == []


# Ratings are recorded once ------------------------------------------------------------------
def test_a_rating_sent_again_or_twice_at_once_is_recorded_once(central) -> None:
    client = central.client()
    first = client.submit_rating("satisfied", "CT-TT", None, "r" * 32)
    again = client.submit_rating("satisfied", "CT-TT", None, "r" * 32)
    assert (first.status, again.status) == (201, 200)  # type: ignore[union-attr]
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(
            pool.map(
                lambda _: central.client().submit_rating("dissatisfied", None, b"x" * 40, "z" * 32),
                range(4),
            )
        )
    assert all(isinstance(o, Accepted) for o in outcomes)
    assert sorted(r.idempotency_key for r in central.service.ratings()) == ["r" * 32, "z" * 32]
    changed = client.submit_rating("dissatisfied", "CT-TT", None, "r" * 32)
    assert isinstance(changed, Refused) and changed.status == 409
    missing = client.submit_rating("satisfied", None, None, "")
    assert isinstance(missing, Refused) and missing.status == 400
