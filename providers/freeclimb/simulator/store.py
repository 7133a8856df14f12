"""Seeded, mutable state of the FreeClimb simulator."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from providers._sim import Seeded

SPAN = timedelta(days=90)


@dataclass(slots=True)
class SimCall:
    call_id: str
    account_id: str
    from_number: str
    to_number: str
    direction: str
    status: str
    created: datetime
    updated: datetime
    start: datetime | None
    connect: datetime | None
    end: datetime | None
    phone_number_id: str
    application_id: str
    parent_call_id: str | None = None
    revision: int = 1
    recording_started: datetime | None = None  # StartRecordCall in effect since
    status_callback_url: str | None = None


@dataclass(slots=True)
class SimConference:
    conference_id: str
    account_id: str
    alias: str
    status: str
    record: bool
    created: datetime
    updated: datetime
    status_callback_url: str = ""
    revision: int = 1


@dataclass(slots=True)
class SimRecording:
    recording_id: str
    account_id: str
    created: datetime
    duration: int
    call_id: str | None = None
    conference_id: str | None = None
    deleted: bool = False
    updated: datetime | None = None
    revision: int = 1
    #: How the missing parent id is written: ``None`` -> ``null``, ``""`` -> empty string.
    absent_parent: str | None = None


@dataclass(slots=True)
class SimAccount:
    account_id: str
    api_key: str
    signing_secrets: tuple[str, ...]
    calls: dict[str, SimCall] = field(default_factory=dict)
    conferences: dict[str, SimConference] = field(default_factory=dict)
    recordings: dict[str, SimRecording] = field(default_factory=dict)

    def recordings_newest_first(self) -> list[SimRecording]:
        return sorted(self.recordings.values(), key=lambda r: r.created, reverse=True)

    def calls_newest_first(self) -> list[SimCall]:
        return sorted(self.calls.values(), key=lambda c: c.created, reverse=True)

    def conferences_newest_first(self) -> list[SimConference]:
        return sorted(self.conferences.values(), key=lambda c: c.created, reverse=True)


def _ms(seeded: Seeded, moment: datetime) -> datetime:
    """A random millisecond part (and no finer): FreeClimb's *ISO twins carry milliseconds."""
    return moment.replace(microsecond=0) + timedelta(milliseconds=seeded.rng.randrange(1000))


def new_id(seeded: Seeded, prefix: str) -> str:
    return prefix + seeded.hex(40)


def seed_account(seeded: Seeded, recordings: int) -> SimAccount:
    """Calls with 0, 1 or several recordings, recorded and unrecorded conferences, some
    unanswered calls, spread over the 90 days before the anchor; calls never overlap, so
    every recording timestamp is unique."""
    account = SimAccount(
        account_id=new_id(seeded, "AC"),
        api_key=seeded.hex(40),
        signing_secrets=("sigsec_" + seeded.hex(40), "sigsec_" + seeded.hex(40)),
    )
    app_id = new_id(seeded, "AP")
    number_id = new_id(seeded, "PN")
    own_number = seeded.phone()
    plan: list[tuple[bool, int]] = []  # (is_conference, recordings wanted)
    made = 0
    while made < recordings:
        conference = len(plan) % 5 == 4
        choices = [0, 1, 2] if conference else [0, 1, 1, 1, 2, 3]
        wanted = min(seeded.rng.choice(choices), recordings - made)
        plan.append((conference, wanted))
        made += wanted
    gap = (SPAN - timedelta(hours=1)) / max(1, len(plan))
    first = seeded.anchor - SPAN
    previous_end = first
    for index, (conference, wanted) in enumerate(plan):
        planned = first + gap * (index + seeded.rng.uniform(0.0, 0.5))
        start = _ms(seeded, max(planned, previous_end + timedelta(seconds=1)))
        if conference:
            previous_end = _add_conference(account, seeded, start, wanted)
        else:
            previous_end = _add_call(account, seeded, start, wanted, own_number, app_id, number_id)
    return account


def _add_call(
    account: SimAccount,
    seeded: Seeded,
    start: datetime,
    wanted: int,
    own_number: str,
    app_id: str,
    number_id: str,
) -> datetime:
    rng = seeded.rng
    answered = wanted > 0 or rng.random() < 0.6
    inbound = rng.random() < 0.5
    other = seeded.phone()
    length = timedelta(seconds=rng.randint(60 + 40 * wanted, 600 + 120 * wanted))
    connect = _ms(seeded, start + timedelta(seconds=rng.randint(2, 8))) if answered else None
    end = _ms(seeded, start + length) if answered else _ms(seeded, start + timedelta(seconds=30))
    call = SimCall(
        call_id=new_id(seeded, "CA"),
        account_id=account.account_id,
        from_number=other if inbound else own_number,
        to_number=own_number if inbound else other,
        direction="inbound" if inbound else rng.choice(["outboundAPI", "outboundDial"]),
        status="completed" if answered else rng.choice(["noAnswer", "busy", "failed"]),
        created=start,
        updated=end + timedelta(seconds=1),
        start=start,
        connect=connect,
        end=end,
        phone_number_id=number_id,
        application_id=app_id,
        revision=4 if answered else 3,
    )
    account.calls[call.call_id] = call
    if wanted and connect is not None:
        slot = (end - connect) / wanted
        for i in range(wanted):
            created = _ms(seeded, connect + slot * i + timedelta(seconds=1))
            duration = max(1, int((slot.total_seconds() - 3) * rng.uniform(0.5, 0.95)))
            rec = SimRecording(
                recording_id=new_id(seeded, "RE"),
                account_id=account.account_id,
                created=created,
                duration=duration,
                call_id=call.call_id,
                absent_parent=None,
            )
            account.recordings[rec.recording_id] = rec
    return end


def _add_conference(account: SimAccount, seeded: Seeded, start: datetime, wanted: int) -> datetime:
    rng = seeded.rng
    length = timedelta(seconds=rng.randint(300 + 200 * wanted, 1800 + 200 * wanted))
    end = _ms(seeded, start + length)
    conf = SimConference(
        conference_id=new_id(seeded, "CF"),
        account_id=account.account_id,
        alias=rng.choice(["Weekly support sync", "Escalation bridge", "Sales standup", ""]),
        status="terminated",
        record=wanted > 0,
        created=start,
        updated=end,
        status_callback_url="https://app.example.com/freeclimb/conference-status",
        revision=5,
    )
    account.conferences[conf.conference_id] = conf
    slot = length / max(1, wanted)
    for i in range(wanted):
        created = _ms(seeded, start + slot * i + timedelta(seconds=5))
        rec = SimRecording(
            recording_id=new_id(seeded, "RE"),
            account_id=account.account_id,
            created=created,
            duration=max(1, int(slot.total_seconds() * rng.uniform(0.4, 0.9))),
            conference_id=conf.conference_id,
            # Both spellings of "no call" occur: null and "" (see the notes).
            absent_parent="" if i % 2 == 0 else None,
        )
        account.recordings[rec.recording_id] = rec
    return end


def seed_live(account: SimAccount, now: datetime, seed: int, calls: int = 3) -> None:
    """Calls in progress (answered 1-10 minutes before ``now``) and one recorded
    conference in progress, so that there is always something live. A separate random
    stream, so the rest of the seeded data does not change."""
    rng = random.Random(f"freeclimb-live-{seed}-{account.account_id}")
    template = next(iter(account.calls.values()))

    def hex_id(prefix: str) -> str:
        return prefix + "".join(rng.choice("0123456789abcdef") for _ in range(40))

    for i in range(calls):
        start = (now - timedelta(seconds=60 + 180 * i + rng.randint(0, 59))).replace(microsecond=0)
        call = SimCall(
            call_id=hex_id("CA"),
            account_id=account.account_id,
            from_number="+1312555" + "".join(rng.choice("0123456789") for _ in range(4)),
            to_number=template.to_number,
            direction="inbound",
            status="inProgress",
            created=start,
            updated=start + timedelta(seconds=3),
            start=start,
            connect=start + timedelta(seconds=3),
            end=None,
            phone_number_id=template.phone_number_id,
            application_id=template.application_id,
            revision=2,
        )
        account.calls[call.call_id] = call
    begun = (now - timedelta(minutes=7)).replace(microsecond=0)
    conf = SimConference(
        conference_id=hex_id("CF"),
        account_id=account.account_id,
        alias="Live bridge",
        status="inProgress",
        record=True,
        created=begun,
        updated=begun,
        status_callback_url="https://app.example.com/freeclimb/conference-status",
        revision=2,
    )
    account.conferences[conf.conference_id] = conf
