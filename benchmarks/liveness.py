"""Liveness (the challenge-response check), counted as ISO/IEC 30107-3: APCER per attack
instrument and BPCER, on the synthetic sequences of tests/kiosk/face/sequences.py.

    python -m benchmarks.liveness [--quick]

Genuine people (real photos animated into the asked actions), a printed photo and a phone
screen held up to the camera, and recorded genuine sessions replayed against fresh draws.
The real YuNet box and the real FaceMesh run on every image frame; seeded, so the figures
are repeatable.  Targets: BPCER at most 6 %, no printed photo or phone screen accepted,
replays accepted at most 30 % (a replay passes when the fresh draw repeats the recorded
one: 1 in 6 with two challenges).  docs/liveness.md reports the figures.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

import numpy as np

os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # before cv2 is imported

from kiosk.face.landmarks import FaceMesh
from kiosk.face.liveness import Challenge, LivenessCheck, LivenessPolicy, pick_challenges

PEOPLE = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")
EVALUATION = LivenessPolicy(challenge_timeout_s=3.0)
"""The evaluation's only change from the defaults: 3 s a challenge instead of 6 keeps the
run short (FaceMesh on every frame); genuine people here act within 1.5 s, and the attack
seconds watched are printed, so a longer timeout's extra exposure can be judged."""
TARGETS = {"bpcer": 0.06, "printed photo": 0.0, "phone screen": 0.0, "replayed session": 0.3}


def evaluate(genuine: int = 30, attacks: int = 20, replays: int = 300) -> dict[str, float]:
    """Rates and counts; ``attacks`` per image attack instrument."""
    from tests.kiosk.face import sequences as seq

    mesh = FaceMesh()
    detector = seq.Detector()
    scenes = {name: seq.make_scene(name, mesh, detector) for name in PEOPLE}
    screen_rng = np.random.default_rng(5)
    phones = {
        name: seq.make_scene(name, mesh, detector, seq.screen_picture(s.frame, screen_rng))
        for name, s in scenes.items()
    }
    rng = np.random.default_rng(30107)
    rejected: Counter[str] = Counter()
    recordings: list[tuple[list[Challenge], list]] = []
    for i in range(genuine):
        challenges = pick_challenges(seq.draw_seed(rng), 2)
        recording: list = []
        person = seq.Person(scenes[PEOPLE[i % len(PEOPLE)]], rng)
        state = seq.run(LivenessCheck(challenges, EVALUATION), person, mesh, record=recording)
        if state.passed and len(recordings) < 8:
            recordings.append((challenges, recording))
        rejected[state.reason] += not state.passed
    accepted: Counter[str] = Counter()
    watched = 0.0
    for kind, stage in (("printed photo", scenes), ("phone screen", phones)):
        for i in range(attacks):
            attacker = seq.HeldPicture(stage[PEOPLE[i % len(PEOPLE)]], rng)
            check = LivenessCheck(pick_challenges(seq.draw_seed(rng), 2), EVALUATION)
            frames: list = []
            accepted[kind] += seq.run(check, attacker, mesh, record=frames).passed
            watched += len(frames) / seq.FPS
    matching = 0
    for i in range(replays if recordings else 0):
        recorded, recording = recordings[i % len(recordings)]
        fresh = pick_challenges(seq.draw_seed(rng), 2)
        matching += fresh == recorded
        check = LivenessCheck(fresh, EVALUATION)
        accepted["replayed session"] += seq.replay(check, recording, rng.uniform(0, 0.3)).passed
    attempts = {"printed photo": attacks, "phone screen": attacks, "replayed session": replays}
    result: dict[str, float] = {
        "genuine": genuine,
        "bpcer_errors": sum(rejected.values()),
        "bpcer": sum(rejected.values()) / genuine,
        "matching_draws": matching,
        "watched_s": watched,
    }
    for kind, n in attempts.items():
        result[f"{kind} n"] = n
        result[f"{kind} errors"] = accepted[kind]
        result[kind] = accepted[kind] / n if n else 0.0
    return result


def print_table(result: dict[str, float], quick: bool) -> bool:
    """Print the table; False when a rate is over its target."""
    print("\nLiveness (challenge-response, synthetic sequences, ISO/IEC 30107-3 counts)")
    print(f"  {'presentation':<34}{'judged':>7}{'errors':>8}{'rate':>9}{'target':>10}  ok")
    rows = [("bona fide (BPCER)", "bpcer", result["genuine"], result["bpcer_errors"])]
    rows += [
        (f"{kind} (APCER)", kind, result[f"{kind} n"], result[f"{kind} errors"])
        for kind in ("printed photo", "phone screen", "replayed session")
    ]
    passed = True
    for name, key, n, errors in rows:
        ok = result[key] <= TARGETS[key]
        passed &= ok
        print(
            f"  {name:<34}{int(n):>7}{int(errors):>8}{result[key] * 100:>8.1f}%"
            f"{TARGETS[key] * 100:>9.0f}%  {'yes' if ok else 'NO'}"
        )
    print(
        f"  replays whose fresh draw equalled the recorded one: {int(result['matching_draws'])}"
        f"; image attacks watched for {result['watched_s']:.0f} s"
        + ("  (quick: too few to judge)" if quick else "")
    )
    return passed


def run(quick: bool) -> bool:
    sizes = (2, 1, 10) if quick else (30, 20, 300)
    return print_table(evaluate(*sizes), quick)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.liveness")
    parser.add_argument("--quick", action="store_true")
    raise SystemExit(0 if run(parser.parse_args().quick) else 1)
