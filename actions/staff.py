"""The staff command for interpreter requests: see who asked, export the list, delete old requests.

    python -m actions.staff list
    python -m actions.staff export --out requests.csv      (--out - writes to standard output)
    python -m actions.staff purge --older-than-days 30
    python -m actions.staff flush      (deliver the requests kept in the outbox during a database outage)

The database is INTERPRETER_DB_URL (default var/interpreter_requests.db); --db-url overrides it. The
outbox is INTERPRETER_OUTBOX (default var/interpreter_outbox.db); `list` says how many wait there.
Exit codes: 0 done, 1 the database could not be used or the file written (or a request could not be
delivered), 2 bad arguments.
"""
from __future__ import annotations

import argparse
import io
import os
import sqlite3
import sys
from typing import List, Optional, Sequence

from sqlalchemy.exc import SQLAlchemyError

from actions.interpreter_requests import Outbox, RequestStore, StoreError, StoredRequest, database_url, deliver_outbox

COLUMNS = ("Reference", "Created (UTC)", "Language", "Purpose", "Method", "Contact")


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if days < 0:
        raise argparse.ArgumentTypeError("the number of days must be 0 or more")
    return days


def parser() -> argparse.ArgumentParser:
    # --db-url is accepted before or after the command; SUPPRESS keeps a later default from erasing an earlier value.
    db_url = argparse.ArgumentParser(add_help=False)
    db_url.add_argument("--db-url", default=argparse.SUPPRESS,
                        help="database URL (default: INTERPRETER_DB_URL, else var/interpreter_requests.db)")
    main = argparse.ArgumentParser(prog="python -m actions.staff", description="Interpreter requests, for staff.",
                                   parents=[db_url])
    commands = main.add_subparsers(dest="command", required=True, metavar="{list,export,purge,flush}")
    commands.add_parser("list", parents=[db_url], help="show every request, oldest first")
    export = commands.add_parser("export", parents=[db_url], help="write every request to a CSV file")
    export.add_argument("--out", required=True, help="the CSV file to write, or - for standard output")
    purge = commands.add_parser("purge", parents=[db_url], help="delete requests older than a number of days")
    purge.add_argument("--older-than-days", type=_days, required=True, metavar="DAYS")
    commands.add_parser("flush", parents=[db_url], help="deliver the requests waiting in the outbox")
    return main


def table(requests: Sequence[StoredRequest]) -> str:
    """The requests as aligned columns, with the time to the minute."""
    rows = [COLUMNS] + [(r.reference, r.created_at.strftime("%Y-%m-%d %H:%M"), r.language, r.purpose or "-",
                         r.contact_method, r.contact_value) for r in requests]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _plural(count: int, word: str = "request") -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _list(store: RequestStore) -> None:
    requests = store.all()
    if not requests:
        print("No interpreter requests.")
    else:
        print(table(requests))
        print(f"\n{_plural(len(requests))}.")
    waiting = len(Outbox().waiting())
    if waiting:
        print(f"{_plural(waiting)} {'wait' if waiting != 1 else 'waits'} in the outbox (made while the database was "
              "unreachable). The action server delivers them; `make requests ARGS=flush` does it now.")


def _flush(url: str) -> int:
    result = deliver_outbox(url)
    print(f"Delivered {_plural(result.delivered)} from the outbox"
          + (f" ({result.already} already in the database)" if result.already else "") + ".")
    if result.conflicts:
        print(f"{_plural(result.conflicts)} could not be delivered: another request in the database has the "
              "same reference number. They stay in the outbox; check them with the database administrator.",
              file=sys.stderr)
    if result.error:
        print(f"error: the database failed ({result.error}); {_plural(result.waiting)} still waiting.",
              file=sys.stderr)
    return 1 if result.error or result.conflicts else 0


def _export(store: RequestStore, out: str) -> None:
    buffer = io.StringIO()
    count = store.export_csv(buffer)
    if out == "-":
        sys.stdout.write(buffer.getvalue())
    else:
        # The file holds contact details: readable by its owner only, and written only once the export worked.
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
    # On stderr, so that `--out -` gives a clean CSV.
    print(f"Exported {count} request{'s' if count != 1 else ''} to {'standard output' if out == '-' else out}.",
          file=sys.stderr)


def _purge(store: RequestStore, days: int) -> None:
    deleted = store.purge(days)
    print(f"Deleted {deleted} request{'s' if deleted != 1 else ''} created more than {days} days ago.")


def main(argv: Optional[List[str]] = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        if arguments.command == "flush":
            return _flush(getattr(arguments, "db_url", None) or database_url())
        with RequestStore(getattr(arguments, "db_url", None) or database_url()) as store:
            if arguments.command == "list":
                _list(store)
            elif arguments.command == "export":
                _export(store, arguments.out)
            else:
                _purge(store, arguments.older_than_days)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"error: the database failed: {reason}", file=sys.stderr)
        return 1
    except sqlite3.Error as error:
        print(f"error: the outbox could not be read ({type(error).__name__}: {error})", file=sys.stderr)
        return 1
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        print(f"error: {error.strerror or error}{where}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
