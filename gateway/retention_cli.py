"""``recgw retention``: delete recordings older than an age, on the code path of the
``deleteRecordings`` mutation (:func:`gateway.retention.delete_recordings`), not over
HTTP. A dry run unless ``--apply``; a progress bar and a summary table (rich); exit
status 1 when any recording could not be deleted or any account could not be listed.

With ``--apply`` it runs batches of ``--limit`` until nothing more matches (each batch a
fresh operation context, so a page read before a delete is never reused after it); a
dry run shows one batch.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from . import retention
from .auth import ALL_SCOPES, Caller
from .context import GatewayContext
from .cursors import CursorCodec
from .errors import SettingsError
from .settings import Settings, load
from .sources import Source, Sources
from .types.inputs import RecordingFilter

_AGE = re.compile(r"(\d+)([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
CALLER = Caller.build("recgw-retention", "cli", ["*"], ALL_SCOPES)


def parse_age(text: str) -> timedelta:
    """``90d``, ``12h``, ``30m``, ``2w``."""
    match = _AGE.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age like 90d, 12h, 30m or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass
class Totals:
    by_account: dict[str, Counter[str]] = field(default_factory=dict)
    unlisted: dict[str, str] = field(default_factory=dict)
    more: bool = False

    def add(self, result: retention.RetentionResult, sources: list[Source]) -> None:
        for source in sources:
            self.by_account.setdefault(source.name, Counter())
        names = {s.global_id: s.name for s in sources}
        for target in result.deleted:
            self.by_account[target.source.name]["deleted"] += 1
        for target, _ in result.failed:
            self.by_account[target.source.name]["failed"] += 1
        for gid in result.already_gone:
            owner = next((t.source.name for t in result.deleted if t.global_id == gid), None)
            self.by_account[owner or names.get(gid, "?")]["already_gone"] += 1
        for failure in result.failures:
            self.unlisted[failure.source.name] = f"{failure.error.code}: {failure.error.message}"

    @property
    def failed(self) -> bool:
        return bool(self.unlisted) or any(c["failed"] for c in self.by_account.values())


async def run(
    settings: Settings,
    older_than: timedelta,
    *,
    account: str | None,
    apply: bool,
    limit: int,
    console: Console,
) -> int:
    from .resolvers.mutations import record_retention  # the mutation's audit line

    sources = Sources.build(settings.accounts)
    try:
        chosen = list(sources)
        if account is not None:
            found = sources.by_name(account)
            if found is None:
                names = ", ".join(s.name for s in sources)
                raise SettingsError(f"no account named {account!r} (configured: {names})")
            chosen = [found]
        cutoff = datetime.now(UTC) - older_than
        account_ids: list[Any] = [s.global_id for s in chosen]
        flt = RecordingFilter(created_before=cutoff, account_ids=account_ids)
        totals = Totals()
        verb = "Deleting" if apply else "Listing (dry run)"
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn())
        with Progress(*columns, MofNCompleteColumn(), console=console, transient=False) as bar:
            task = bar.add_task(f"{verb} recordings created before {cutoff:%Y-%m-%d %H:%M}")

            def tick(_: str, __: str) -> None:
                bar.advance(task)

            while True:
                ctx = GatewayContext.create(
                    sources, settings.server, CursorCodec(None), caller=CALLER
                )
                result = await retention.delete_recordings(
                    ctx, filter=flt, dry_run=not apply, limit=limit, progress=tick
                )
                await record_retention(ctx, "retention", result)
                totals.add(result, chosen)
                totals.more = result.has_more
                handled = len(result.deleted) + len(result.already_gone)
                if not apply or not result.has_more or handled == 0:
                    break
            bar.update(task, total=bar.tasks[0].completed)
        _summary(console, totals, chosen, apply=apply, cutoff=cutoff)
        return 1 if totals.failed or (apply and totals.more) else 0
    finally:
        await sources.aclose()


def _summary(
    console: Console, totals: Totals, sources: list[Source], *, apply: bool, cutoff: datetime
) -> None:
    table = Table(title=f"Retention: recordings created before {cutoff:%Y-%m-%d %H:%M} UTC")
    table.add_column("account")
    table.add_column("provider")
    table.add_column("deleted" if apply else "would delete", justify="right")
    table.add_column("already gone", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("listing")
    for source in sources:
        counts = totals.by_account.get(source.name, Counter())
        table.add_row(
            source.name,
            source.provider,
            str(counts["deleted"]),
            str(counts["already_gone"]),
            str(counts["failed"]),
            totals.unlisted.get(source.name, "ok"),
        )
    console.print(table)
    if totals.more:
        console.print(
            "More recordings match than were handled: "
            + ("run it again." if apply else "only the first batch is shown (--limit).")
        )
    if not apply:
        console.print("Dry run: nothing was deleted. Add --apply to delete.")


def command(args: argparse.Namespace) -> int:
    """``recgw retention`` (see :func:`add_parser`)."""
    import asyncio
    import os

    path = args.config or os.environ.get("RECGW_CONFIG")
    if not path:
        raise SettingsError("no configuration: pass --config FILE or set RECGW_CONFIG")
    if not 1 <= args.limit <= retention.MAX_LIMIT:
        raise SettingsError(f"--limit must be between 1 and {retention.MAX_LIMIT}")
    console = Console(stderr=False, soft_wrap=True)
    return asyncio.run(
        run(
            load(path),
            args.older_than,
            account=args.account,
            apply=args.apply,
            limit=args.limit,
            console=console,
        )
    )


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    formatter_class: type[argparse.HelpFormatter] = argparse.ArgumentDefaultsHelpFormatter,
) -> None:
    parser = sub.add_parser(
        "retention",
        help="delete recordings older than an age (dry run unless --apply)",
        formatter_class=formatter_class,
        description="Delete recordings created more than --older-than ago, on the code "
        "path of the deleteRecordings mutation. A dry run unless --apply. Exit status 1 "
        "when a recording could not be deleted or an account could not be listed.",
    )
    parser.add_argument("--older-than", required=True, type=parse_age, help="e.g. 90d, 12h")
    parser.add_argument("--account", help="only this [[accounts]] name (default: every account)")
    parser.add_argument("--apply", action="store_true", help="really delete (else a dry run)")
    parser.add_argument(
        "--limit",
        type=int,
        default=retention.MAX_LIMIT,
        help=f"recordings per batch, at most {retention.MAX_LIMIT}",
    )
    parser.add_argument("--config", help="config file (default: $RECGW_CONFIG)")
    parser.set_defaults(func=lambda args: _exit(command(args)))


def _exit(code: int) -> None:
    if code:
        raise SystemExit(code)
