"""Seeded state of the Kazoo simulator: accounts, users, CDRs, recordings, conferences.

Times are kept as Gregorian seconds, like Kazoo. ``created`` is the internal
``pvt_created`` (listing sort key and ``created_from/to`` range); for a recording it is
the moment the doc was written, i.e. ``start + duration``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from providers._sim import Seeded

if TYPE_CHECKING:
    from .channels import SimChannel

GREGORIAN_OFFSET = 62167219200
DAY = 86400


def gregorian(moment: datetime) -> int:
    return int(moment.timestamp()) + GREGORIAN_OFFSET


def month_prefix(greg: int) -> str:
    return datetime.fromtimestamp(greg - GREGORIAN_OFFSET, UTC).strftime("%Y%m")


@dataclasses.dataclass(slots=True)
class SimRecording:
    doc: dict[str, Any]
    created: int
    media: str | None  # "mp3", "wav", or None (stored only on an external URL)
    deleted: bool = False

    @property
    def id(self) -> str:
        return str(self.doc["id"])


@dataclasses.dataclass(slots=True)
class SimCdr:
    row: dict[str, Any]  # the listing row (strings)
    doc: dict[str, Any]  # the full document
    created: int  # call end


@dataclasses.dataclass(slots=True)
class SimConference:
    doc: dict[str, Any]
    created: int
    recording: bool = False


@dataclasses.dataclass(slots=True)
class SimAccount:
    id: str
    name: str
    realm: str
    api_key: str
    username: str
    password: str
    users: dict[str, str] = dataclasses.field(default_factory=dict)
    recordings: dict[str, SimRecording] = dataclasses.field(default_factory=dict)
    cdrs: dict[str, SimCdr] = dataclasses.field(default_factory=dict)
    conferences: dict[str, SimConference] = dataclasses.field(default_factory=dict)
    #: Live calls, by uuid (see :mod:`.channels`).
    channels: dict[str, SimChannel] = dataclasses.field(default_factory=dict)

    def md5_credentials(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return hashlib.md5(raw, usedforsecurity=False).hexdigest()

    def sha_credentials(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return hashlib.sha1(raw, usedforsecurity=False).hexdigest()


class Store:
    def __init__(self, seed: int, anchor: datetime | None, recordings: int) -> None:
        self.seeded = Seeded(seed, anchor)
        self.anchor = gregorian(self.seeded.anchor)
        self.accounts: dict[str, SimAccount] = {}
        primary = self._account("acme")
        self._populate(primary, recordings, span_days=89)
        secondary = self._account("globex")
        self._populate(secondary, 6, span_days=20)

    def _account(self, name: str) -> SimAccount:
        s = self.seeded
        acc = SimAccount(
            id=s.hex(32),
            name=name,
            realm=f"{name}.sip.example.net",
            api_key=s.hex(64),
            username=f"admin@{name}.example.com",
            password=f"pw-{s.hex(12)}",
        )
        for first in ("alice", "bob", "carol")[: 3 if name == "acme" else 2]:
            acc.users[s.hex(32)] = first
        self.accounts[acc.id] = acc
        return acc

    def _populate(self, acc: SimAccount, total: int, span_days: int) -> None:
        s = self.seeded
        n_conf = 4 if total >= 20 else 1
        for i in range(n_conf):
            self._conference(acc, f"Conference {i + 1}", self.anchor - (i + 1) * 7 * DAY)
        conf_ids = list(acc.conferences)
        conf_recs = max(1, total // 6) if total > 1 else 0
        pattern = (1, 0, 2, 1, 3, 1, 0, 1, 1, 2)
        events: list[tuple[str, int]] = []
        remaining = total - conf_recs
        i = 0
        while remaining > 0:
            k = min(pattern[i % len(pattern)], remaining)
            events.append(("call", k))
            remaining -= k
            i += 1
        events.extend([("call", 0)] * 2)
        for j in range(conf_recs):
            # the last conference never records, the first records most often
            events.append(("conf", j % max(1, len(conf_ids) - 1) if j % 3 else 0))
        s.rng.shuffle(events)
        step = span_days * DAY / len(events)
        for idx, (kind, arg) in enumerate(events):
            at = int(self.anchor - 3600 - (idx + s.rng.uniform(0.1, 0.8)) * step)
            if kind == "call":
                self._call(acc, at, arg)
            else:
                self._conference_recording(acc, conf_ids[arg], at)
        # Most PBX calls are not recorded: unrecorded CDRs, so that a page of recent calls
        # fits in the newest 31-day window as on a real system.
        # Calls never overlap, so the CDR listing's end-time order is also start order.
        busy = [(c.created - int(c.row["duration_seconds"]), c.created) for c in acc.cdrs.values()]
        busy += [(r.created - 1800, r.created + 1800) for r in acc.recordings.values()]
        for _ in range(4 * total):
            while True:
                at = int(self.anchor - 3600 - s.rng.uniform(0, span_days * DAY))
                if all(at + 1600 < lo or at > hi + 60 for lo, hi in busy):
                    break
            cdr = self._call(acc, at, 0)
            busy.append((at, cdr.created))

    def _conference(self, acc: SimAccount, name: str, created: int) -> SimConference:
        s = self.seeded
        owner = next(iter(acc.users))
        doc: dict[str, Any] = {
            "id": s.hex(32),
            "name": name,
            "owner_id": owner,
            "conference_numbers": [str(3300 + len(acc.conferences))],
            "member": {"join_muted": False, "join_deaf": False, "numbers": [], "pins": ["1234"]},
            "moderator": {"join_muted": False, "join_deaf": False, "numbers": [], "pins": ["98"]},
            "play_entry_tone": True,
            "play_exit_tone": True,
            "play_name": False,
            "bridge_password": s.hex(16),
        }
        conf = SimConference(doc, created)
        acc.conferences[doc["id"]] = conf
        return conf

    def _call(self, acc: SimAccount, start: int, n_recordings: int) -> SimCdr:
        s = self.seeded
        call_id = s.uuid()
        duration = s.rng.randint(120, 1500)
        end = start + duration
        owner = s.rng.choice([*acc.users, None])
        inbound = s.rng.random() < 0.6
        caller = s.phone() if inbound else "2001"
        callee = "2001" if inbound else s.phone()
        cdr_id = f"{month_prefix(end)}-{call_id}"
        interaction = f"{start}-{s.hex(8)}"
        rec_ids: list[str] = []
        seg = duration / max(1, n_recordings)
        for k in range(n_recordings):
            seg_start = start + int(k * seg)
            rec_start = seg_start + s.rng.randint(1, 10)
            max_ms = int((seg - 12) * 1000)
            ms = s.rng.randint(min(5000, max_ms), max_ms)
            rec = self._recording(
                acc,
                rec_start,
                ms,
                call_id=call_id,
                cdr_id=cdr_id,
                interaction_id=interaction,
                owner=owner,
                inbound=inbound,
                caller=caller,
                callee=callee,
            )
            rec_ids.append(rec.id)
        self._add_cdr(
            acc,
            cdr_id,
            call_id,
            start,
            duration,
            owner,
            inbound,
            caller,
            callee,
            interaction,
            rec_ids,
        )
        return acc.cdrs[cdr_id]

    def _add_cdr(
        self,
        acc: SimAccount,
        cdr_id: str,
        call_id: str,
        start: int,
        duration: int,
        owner: str | None,
        inbound: bool,
        caller: str,
        callee: str,
        interaction: str,
        rec_ids: list[str],
    ) -> None:
        s = self.seeded
        end = start + duration
        unix = start - GREGORIAN_OFFSET
        when = datetime.fromtimestamp(unix, UTC)
        direction = "inbound" if inbound else "outbound"
        billing = max(0, duration - s.rng.randint(0, 12))
        other_leg = s.uuid()
        row = {
            "id": cdr_id,
            "call_id": call_id,
            "caller_id_number": caller,
            "caller_id_name": "ACME CORP" if inbound else "Alice Example",
            "callee_id_number": callee,
            "callee_id_name": "Alice Example" if inbound else "",
            "duration_seconds": str(duration),
            "billing_seconds": str(billing),
            "timestamp": str(start),
            "hangup_cause": "NORMAL_CLEARING",
            "other_leg_call_id": other_leg,
            "owner_id": owner or "",
            "to": f"{callee.lstrip('+')}@{acc.realm}",
            "from": f"{caller.lstrip('+')}@{acc.realm}",
            "direction": direction,
            "request": f"{callee.lstrip('+')}@{acc.realm}",
            "authorizing_id": "",
            "cost": "0",
            "dialed_number": callee,
            "calling_from": caller,
            "datetime": when.strftime("%Y-%m-%d_%H:%M:%S"),
            "unix_timestamp": str(unix),
            "unix_timestamp_micro": f"{unix}.25",
            "rfc_1036": when.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "iso_8601": when.strftime("%Y-%m-%d"),
            "iso_8601_combined": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "call_type": "",
            "rate": "0.0",
            "rate_name": "",
            "bridge_id": call_id,
            "recording_url": "",
            "media_recordings": rec_ids,
            "media_server": "fs1.example.net",
            "call_priority": "",
            "interaction_id": interaction,
        }
        doc = {
            "id": cdr_id,
            "call_id": call_id,
            "app_name": "callflow",
            "app_version": "4.3.142",
            "billing_seconds": billing,
            "call_direction": direction,
            "callee_id_name": row["callee_id_name"],
            "callee_id_number": callee,
            "caller_id_name": row["caller_id_name"],
            "caller_id_number": caller,
            "channel_created_time": unix * 1_000_000,
            "custom_channel_vars": {"account_id": acc.id, "owner_id": owner or ""},
            "duration_seconds": duration,
            "from": row["from"],
            "hangup_cause": "NORMAL_CLEARING",
            "hangup_code": "sip:200",
            "interaction_id": interaction,
            "media_server": "fs1.example.net",
            "other_leg_call_id": other_leg,
            "request": row["request"],
            "ringing_seconds": s.rng.randint(0, 9),
            "timestamp": end,
            "to": row["to"],
        }
        acc.cdrs[cdr_id] = SimCdr(row, doc, end)

    def _recording(
        self,
        acc: SimAccount,
        start: int,
        duration_ms: int,
        *,
        call_id: str | None = None,
        cdr_id: str | None = None,
        interaction_id: str | None = None,
        owner: str | None = None,
        inbound: bool = True,
        caller: str = "",
        callee: str = "",
        conference: SimConference | None = None,
    ) -> SimRecording:
        s = self.seeded
        duration = duration_ms // 1000
        created = start + duration
        while any(r.created == created for r in acc.recordings.values()):
            # unique creation times keep "newest first" a total order
            start -= 1
            created -= 1
        roll = s.rng.random()
        media: str | None = "wav" if roll < 0.12 else "mp3"
        if conference is None and len(acc.recordings) % 25 == 7:
            media = None  # a few docs point at external storage only, with no attachment
        name = f"{s.hex(32)}.{media or 'mp3'}"
        ccv: dict[str, Any] = {"account_id": acc.id, "authorizing_type": "resource"}
        doc: dict[str, Any] = {
            "id": f"{month_prefix(created)}-{s.hex(32)}",
            "name": name,
            "description": f"recording {name}",
            "content_type": "audio/x-wav" if media == "wav" else "audio/mpeg",
            "media_type": media or "mp3",
            "media_source": "recorded",
            "source_type": "kzc_recording",
        }
        if conference is not None:
            ccv["conference_id"] = conference.doc["id"]
            doc["origin"] = f"conference {conference.doc['name']}"
        else:
            doc.update(
                {
                    "call_id": call_id,
                    "cdr_id": cdr_id,
                    "interaction_id": interaction_id,
                    "from": f"{caller.lstrip('+')}@{acc.realm}",
                    "to": f"{callee.lstrip('+')}@{acc.realm}",
                    "request": f"{callee.lstrip('+')}@{acc.realm}",
                    "direction": "inbound" if inbound else "outbound",
                    "caller_id_number": caller,
                    "caller_id_name": "ACME CORP",
                    "callee_id_number": callee,
                    "callee_id_name": "Alice Example",
                    "origin": "inbound from offnet to account"
                    if inbound
                    else "outbound to offnet from endpoint",
                }
            )
        if owner:
            doc["owner_id"] = owner
            ccv["owner_id"] = owner
        doc.update({"start": start, "duration": duration, "duration_ms": duration_ms})
        if media is None:
            doc["url"] = f"https://rec:{s.hex(8)}@storage.example.com/kazoo/{name}?sig={s.hex(8)}"
        doc["custom_channel_vars"] = ccv
        rec = SimRecording(doc, created, media)
        acc.recordings[rec.id] = rec
        return rec

    def _conference_recording(self, acc: SimAccount, conf_id: str, at: int) -> SimRecording:
        ms = self.seeded.rng.randint(60_000, 1_800_000)
        return self._recording(acc, at, ms, conference=acc.conferences[conf_id])

    # -- runtime changes (used by tests through the simulator's Python API) ------------

    def new_recording(
        self,
        acc: SimAccount,
        now: int,
        *,
        cdr_id: str | None = None,
        conference_id: str | None = None,
    ) -> SimRecording:
        """A recording that just finished (doc written ``now``)."""
        ms = 15_000
        start = now - 15
        if conference_id is not None:
            return self._recording(acc, start, ms, conference=acc.conferences[conference_id])
        cdr = acc.cdrs.get(cdr_id) if cdr_id else None
        call_id = cdr.doc["call_id"] if cdr else self.seeded.uuid()
        return self._recording(
            acc,
            start,
            ms,
            call_id=call_id,
            cdr_id=cdr_id or f"{month_prefix(now)}-{call_id}",
            interaction_id=f"{start}-{self.seeded.hex(8)}",
            caller="+13125550100",
            callee="2001",
        )
