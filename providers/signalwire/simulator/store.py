"""Seeded, mutable state of the SignalWire simulator: projects, calls, conferences and
recordings, plus the sort keys its paging tokens point at."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from providers._sim import Seeded

SPAN = timedelta(days=90)


@dataclass
class SimRecording:
    sid: str
    account_sid: str
    call_sid: str | None
    conference_sid: str | None
    created: datetime
    duration: int | None
    channels: int
    source: str
    status: str
    price: str | None
    end: datetime | None
    updated: datetime
    trim: str = "do-not-trim"
    track: str = "both"
    error_code: str | None = None
    callback_url: str | None = None
    callback_events: frozenset[str] = frozenset({"completed"})
    callback_method: str = "POST"
    paused_at: datetime | None = None
    paused_seconds: float = 0.0
    deleted: bool = False

    @property
    def key(self) -> tuple[datetime, str]:
        return (self.created, self.sid)


@dataclass
class SimCall:
    sid: str
    account_sid: str
    from_number: str
    to_number: str
    direction: str
    status: str
    start: datetime
    end: datetime | None
    parent_call_sid: str | None = None

    @property
    def key(self) -> tuple[datetime, str]:
        return (self.start, self.sid)


@dataclass
class SimConference:
    sid: str
    account_sid: str
    name: str
    status: str
    created: datetime
    updated: datetime

    @property
    def key(self) -> tuple[datetime, str]:
        return (self.created, self.sid)


@dataclass
class SimProject:
    sid: str
    token: str
    signing_key: str
    space: str
    calls: dict[str, SimCall] = field(default_factory=dict)
    conferences: dict[str, SimConference] = field(default_factory=dict)
    # Deleted recordings stay here as tombstones so that old PageTokens keep their place.
    recordings: dict[str, SimRecording] = field(default_factory=dict)

    def live_recordings(self) -> list[SimRecording]:
        return [r for r in self.recordings.values() if not r.deleted]


class Store:
    """Seeds the primary project with about ``recordings`` recordings over ~90 days before
    the anchor, a few live (in-progress) calls and one live conference; the secondary
    project gets a handful of its own."""

    def __init__(self, seed: int, anchor: datetime | None, recordings: int) -> None:
        self.seeded = Seeded(seed, anchor)
        self.anchor = self.seeded.anchor
        self._used: set[datetime] = set()
        self.projects: dict[str, SimProject] = {}
        primary = self._project("acme")
        secondary = self._project("globex")
        self._fill(primary, max(8, recordings))
        self._fill(secondary, 8, live=False)

    def _project(self, space: str) -> SimProject:
        s = self.seeded
        project = SimProject(
            sid=s.uuid(), token=f"PT{s.hex(48)}", signing_key=f"PSK_{s.hex(32)}", space=space
        )
        self.projects[project.sid] = project
        return project

    def unique(self, when: datetime) -> datetime:
        """Every recording gets its own second, so newest-first order is total."""
        when = when.replace(microsecond=0)
        while when in self._used:
            when += timedelta(seconds=1)
        self._used.add(when)
        return when

    def _fill(self, project: SimProject, total: int, *, live: bool = True) -> None:
        s = self.seeded
        conf_target = max(2, total // 6)
        call_target = total - conf_target - (2 if live else 0)
        made = 0
        while made < call_target:
            want = min(s.rng.choice([0, 1, 1, 1, 2, 3]), call_target - made)
            call = self._call(
                project,
                self.anchor
                - SPAN
                + timedelta(seconds=s.rng.uniform(0, SPAN.total_seconds() - 7200)),
            )
            self._record_segments(project, call.sid, None, call.start, call.end, want, "call")
            made += want
        made = 0
        while made < conf_target:
            want = min(s.rng.choice([1, 2]), conf_target - made)
            start = (
                self.anchor
                - SPAN
                + timedelta(seconds=s.rng.uniform(0, SPAN.total_seconds() - 7200))
            )
            end = start + timedelta(seconds=s.rng.randint(600, 3600))
            conf = SimConference(s.uuid(), project.sid, f"room-{s.hex(4)}", "completed", start, end)
            project.conferences[conf.sid] = conf
            self._record_segments(project, None, conf.sid, start, end, want, "conference")
            made += want
        if live:
            self._seed_live(project)

    def _random_start(self) -> datetime:
        """Somewhere in the 90 days before the anchor, ending at least 2 h before it."""
        offset = self.seeded.rng.uniform(0, SPAN.total_seconds() - 7200)
        return (self.anchor - SPAN + timedelta(seconds=offset)).replace(microsecond=0)

    def _call(self, project: SimProject, start: datetime, *, live: bool = False) -> SimCall:
        s = self.seeded
        start = start.replace(microsecond=0)
        end = None if live else start + timedelta(seconds=s.rng.randint(120, 1800))
        call = SimCall(
            sid=s.uuid(),
            account_sid=project.sid,
            from_number=s.phone(),
            to_number=s.phone(),
            direction=s.rng.choice(["inbound", "outbound"]),
            status="in-progress" if live else "completed",
            start=start,
            end=end,
        )
        project.calls[call.sid] = call
        return call

    def _record_segments(
        self,
        project: SimProject,
        call_sid: str | None,
        conf_sid: str | None,
        start: datetime,
        end: datetime | None,
        count: int,
        kind: str,
    ) -> None:
        if count == 0 or end is None:
            return
        s = self.seeded
        seg = (end - start).total_seconds() / count
        for i in range(count):
            created = self.unique(start + timedelta(seconds=i * seg + 1))
            duration = max(3, int(seg) - 5 - s.rng.randint(0, 20))
            rec_end = created + timedelta(seconds=duration)
            source = (
                s.rng.choice(["DialVerb", "RecordVerb", "StartCallRecordingApi", "OutBoundApi"])
                if kind == "call"
                else s.rng.choice(["Conference", "StartConferenceRecording"])
            )
            status = "absent" if s.rng.random() < 0.05 else "completed"
            rec = SimRecording(
                sid=s.uuid(),
                account_sid=project.sid,
                call_sid=call_sid,
                conference_sid=conf_sid,
                created=created,
                duration=duration if status == "completed" else 0,
                channels=s.rng.choice([1, 1, 2]),
                source=source,
                status=status,
                price=f"-{0.0025 * (1 + duration // 60):.4f}",
                end=rec_end,
                updated=rec_end + timedelta(seconds=2),
            )
            project.recordings[rec.sid] = rec

    def _seed_live(self, project: SimProject) -> None:
        s = self.seeded
        calls = [
            self._call(project, self.anchor - timedelta(minutes=m), live=True) for m in (9, 6, 3)
        ]
        first = calls[0]
        started = self.unique(first.start + timedelta(seconds=20))
        rec = SimRecording(
            sid=s.uuid(),
            account_sid=project.sid,
            call_sid=first.sid,
            conference_sid=None,
            created=started,
            duration=None,
            channels=1,
            source="StartCallRecordingApi",
            status="in-progress",
            price=None,
            end=None,
            updated=started,
        )
        project.recordings[rec.sid] = rec
        conf_start = self.anchor - timedelta(minutes=8)
        conf = SimConference(
            s.uuid(), project.sid, "standup-live", "in-progress", conf_start, conf_start
        )
        project.conferences[conf.sid] = conf
        started = self.unique(conf_start + timedelta(seconds=5))
        rec = SimRecording(
            sid=s.uuid(),
            account_sid=project.sid,
            call_sid=None,
            conference_sid=conf.sid,
            created=started,
            duration=None,
            channels=1,
            source="Conference",
            status="in-progress",
            price=None,
            end=None,
            updated=started,
        )
        project.recordings[rec.sid] = rec
