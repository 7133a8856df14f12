"""A faithful, seeded FreeClimb REST simulator (``/apiserver/Accounts/{accountId}/...``).

Follows ``shared/providers/freeclimb.md``. Where the notes say "unconfirmed", this
simulator chooses as follows:

* Auth: HTTP Basic ``accountId:apiKey``; missing or wrong -> 401
  ``{"code": 50, "message": "Unauthorized To Make Request", "url": ..., "details": {}}``.
  Valid credentials on another account's path -> 403 with code 50
  (``forbid_other_account=False`` answers 404 instead).
* Error numbers per status: 400 -> 1, 404 -> 60 (unknown recording: 68 "check
  recordingId"; deleted resource: 77), 405 -> 2, 429 -> 24 (+ ``Retry-After``), 5xx -> 0.
  Every error, including unknown routes, is the JSON ``{code, message, url, details}``.
* Ids: ``AC``/``CA`` + 40 hex as documented; recordings ``RE``, conferences ``CF``, and
  ``AP``/``PN`` likewise.
* Paging: no page-size parameter; ``page_size`` (default 100) is a constructor option.
  ``page`` is 0-based, ``end`` is the inclusive index of the last item (``== start`` on
  an empty page). ``nextPageUri`` is relative to ``/apiserver``: the same path plus
  ``?cursor=<hex of "scope|offset|filters">``; the cursor carries the original filters,
  so the next-page URI holds nothing else (query filters sent with a cursor are ignored).
  A cursor that does not decode, or belongs to another listing, is a 400.
* Filters: ``startTime``/``endTime``/``dateCreated`` are UTC and compared with the
  creation time truncated to whole seconds (the precision of the RFC 1123 field).
* Dates: RFC 1123 ``GMT`` plus ``*ISO`` twins (RFC 3339, milliseconds) on recordings,
  calls and conferences; ``revision`` starts at 1 (seeded calls and conferences carry a
  few updates already). Recordings also carry ``deleted``, ``type``, ``mimeType`` and
  ``downloadUrl`` (listed only on the docs reference page).
* ``durationSec`` is an int (the SDK demands it); ``duration_as_string=True`` sends it as
  a string. A call recording has ``conferenceId: null``; a conference recording's
  ``callId`` is alternately ``""`` and ``null`` (both spellings are in the notes).
* Deleted recordings (default, ``keep_deleted_metadata=False``): gone from every listing,
  ``GET`` -> 404 code 77; ``keep_deleted_metadata=True``: listed and fetched with
  ``deleted: true``. Either way ``Download``/``Stream`` and a second ``DELETE`` -> 404
  code 77 (never a 5xx).
* Media: ``Download`` and ``Stream`` serve the same WAV (``audio/wav``, single ``Range``
  honoured); ``Download`` says ``Content-Disposition: attachment``, ``Stream`` ``inline``.
* Rate limiting is not documented: 429s come only from fault injection.
* PerCL (there is no REST way to record) is simulated through Python methods:
  ``create_live_call`` + ``start_record_call`` + ``end_call`` (or REST
  ``POST /Calls/{id} {"status": "completed"}`` -> 202) posts ``callStatus`` carrying
  ``recordingId``, ``recordingUrl``, ``recordingSize``, ``recordingFormat`` and
  ``recordingDurationSec`` (only ``recordingUrl`` is confirmed); ``record_utterance``
  posts ``record``; ``create_conference(record=True)`` + ``end_conference`` posts
  ``conferenceRecordingStatus`` (conference status ``empty``). ``recordingUrl`` is the
  REST ``Download`` URL. Bodies are compact JSON with sorted keys, signed with
  ``FreeClimb-Signature: t=<clock()>,v1=...`` (one ``v1`` per active secret: each seeded
  account has two, see ``SimAccount.signing_secrets``). ``clock`` is configurable for
  tolerance tests.
* Each account has three answered inbound calls in progress (started 1-10 minutes before
  the simulator was built) and one recorded conference in progress, seeded from their
  own random stream: REST cannot start or steer their recordings (PerCL only), but they
  are listed, fetched and can be ended like any live call.
* ``account_settings`` gives ``base_url``, ``account_id`` and ``api_key`` only: its type
  is ``dict[str, str]``, so the (tuple) ``signing_secrets`` are read from
  ``simulator.accounts[...]`` by tests.
"""

from .sim import DEFAULT_PAGE_SIZE, FreeClimbSimulator
from .webhooks import Delivery

__all__ = ["DEFAULT_PAGE_SIZE", "Delivery", "FreeClimbSimulator"]
