import pytest

from kiosk.runtime.flow import (
    IDENTIFIED_STEPS,
    SESSION_WIDE,
    TRANSITIONS,
    EndReason,
    FlowMachine,
    Step,
    Trigger,
    reachable_steps,
)

MAIN_PATH = [
    (Trigger.SUBMIT_CHOSEN, Step.INSERT_CARD),
    (Trigger.CARD_INSERTED, Step.ACCESS_KEY),
    (Trigger.KEY_ENTERED, Step.READING_CARD),
    (Trigger.CARD_READ, Step.FACE_CHECK),
    (Trigger.FACE_MATCHED, Step.CHOOSE_SERVICE),
    (Trigger.SERVICE_CHOSEN, Step.REQUIREMENTS),
    (Trigger.FORM_STARTED, Step.FILL_FORM),
    (Trigger.PAPERS_NEEDED, Step.CAPTURE_PAPERS),
    (Trigger.PAPERS_DONE, Step.CHECK_ANSWERS),
    (Trigger.ANSWERS_CONFIRMED, Step.SUBMITTING),
    (Trigger.SUBMITTED, Step.RECEIPT),
    (Trigger.RECEIPT_DONE, Step.RATING),
    (Trigger.RATED, Step.GOODBYE),
    (Trigger.GOODBYE_ELAPSED, Step.ATTRACT),
]


def test_main_journey_runs_from_attract_back_to_attract() -> None:
    machine = FlowMachine()
    seen = []
    machine.step_changed.connect(seen.append)
    for trigger, expected in MAIN_PATH:
        assert machine.fire(trigger) is not None, trigger
        assert machine.step is expected
    assert [t.target for t in seen] == [s for _, s in MAIN_PATH]
    assert seen[-2].end_reason is EndReason.FINISHED


def test_every_step_is_reachable_and_every_step_has_a_way_out() -> None:
    assert reachable_steps() == set(Step)
    for step in Step:
        assert step in TRANSITIONS, f"{step} has no transitions"


@pytest.mark.parametrize(
    ("tile", "step"),
    [
        (Trigger.LOOKUP_CHOSEN, Step.LOOKUP),
        (Trigger.QUEUE_CHOSEN, Step.QUEUE_TICKET),
        (Trigger.BROWSE_CHOSEN, Step.BROWSE),
        (Trigger.RATING_CHOSEN, Step.RATING),
    ],
)
def test_side_journeys_start_from_attract_and_return(tile: Trigger, step: Step) -> None:
    machine = FlowMachine()
    machine.fire(tile)
    assert machine.step is step
    back = Trigger.RATING_SKIPPED if step is Step.RATING else Trigger.BACK
    machine.fire(back)
    assert machine.step in (Step.ATTRACT, Step.GOODBYE)


def test_staff_help_returns_to_the_step_it_was_called_from() -> None:
    machine = FlowMachine(Step.FILL_FORM)
    machine.fire(Trigger.STAFF_CALLED)
    assert machine.step is Step.STAFF_HELP
    assert not machine.can_fire(Trigger.STAFF_CALLED)
    machine.fire(Trigger.STAFF_DONE)
    assert machine.step is Step.FILL_FORM


def test_staff_can_be_called_from_the_start_screen() -> None:
    machine = FlowMachine()
    machine.fire(Trigger.STAFF_CALLED)
    machine.fire(Trigger.STAFF_DONE)
    assert machine.step is Step.ATTRACT


@pytest.mark.parametrize("step", sorted(IDENTIFIED_STEPS))
def test_card_removal_ends_identified_steps(step: Step) -> None:
    machine = FlowMachine(step)
    transition = machine.fire(Trigger.CARD_REMOVED)
    assert transition is not None and transition.target is Step.ATTRACT
    assert transition.end_reason is EndReason.CARD_REMOVED


def test_card_removal_from_staff_help_ends_session_when_called_from_identified_step() -> None:
    machine = FlowMachine(Step.CHECK_ANSWERS)
    machine.fire(Trigger.STAFF_CALLED)
    assert machine.fire(Trigger.CARD_REMOVED).target is Step.ATTRACT  # type: ignore[union-attr]


@pytest.mark.parametrize("step", [Step.SUBMITTING, Step.RECEIPT, Step.RATING, Step.ATTRACT])
def test_card_removal_is_harmless_once_the_dossier_is_sealed(step: Step) -> None:
    machine = FlowMachine(step)
    assert machine.fire(Trigger.CARD_REMOVED) is None
    assert machine.step is step


@pytest.mark.parametrize("trigger", [Trigger.TIMED_OUT, Trigger.CANCELLED, Trigger.CRASHED])
def test_session_wide_triggers_end_every_session_step(trigger: Trigger) -> None:
    for step in Step:
        if step in (Step.ATTRACT, Step.GOODBYE, Step.SUBMITTING):
            continue
        machine = FlowMachine(step)
        transition = machine.fire(trigger)
        assert transition is not None, step
        assert transition.target is SESSION_WIDE[trigger]
        assert transition.end_reason is not None


def test_submitting_cannot_be_interrupted() -> None:
    machine = FlowMachine(Step.SUBMITTING)
    for trigger in (Trigger.TIMED_OUT, Trigger.CANCELLED, Trigger.STAFF_CALLED, Trigger.BACK):
        assert machine.fire(trigger) is None
    assert machine.step is Step.SUBMITTING


def test_unknown_trigger_changes_nothing() -> None:
    machine = FlowMachine()
    assert machine.fire(Trigger.SUBMITTED) is None
    assert machine.step is Step.ATTRACT


def test_a_rejected_key_goes_back_to_the_key_and_removal_to_the_card() -> None:
    machine = FlowMachine(Step.READING_CARD)
    machine.fire(Trigger.KEY_REJECTED)
    assert machine.step is Step.ACCESS_KEY
    machine.fire(Trigger.CARD_REMOVED)
    assert machine.step is Step.INSERT_CARD
