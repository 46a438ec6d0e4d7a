"""Read and map an IATI file in a worker process while the importing process writes (2 cores, not 1).

The worker runs `reader.stream` and turns each record into `bulk.Packed` rows (plain values, JSON encoded
once): what crosses the process boundary is MessagePack (`encode_packs`), and the importing process only
resolves organisations and runs the inserts. Messages go through a bounded queue (memory stays flat: a few
chunks in flight), each one chunk of packed records with the findings made meanwhile, in file order (the
document's text does not cross: the importing process decodes the file itself, `reader.text_blocks`). A critical problem (malformed XML at line N) reaches the importing process as the
same InputError, file and line, and the importer's transaction stores nothing of the file.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from initiatives.errors import InputError
from initiatives.interop.iati.reader import Pending
from initiatives.model import Finding
from initiatives.store.bulk import ROW_COLS, Packed

IN_FLIGHT = 4  # chunks queued between the processes at most
FIRST_CHUNK = 50  # records in the first part (the importing process waits for it)
POLL_S = 1.0


# The packed rows cross the pipe as MessagePack (msgspec): the worker, the busier process, encodes them in less
# than half the time pickle takes; the typed decoder gives back the same Packed tuples (budget amounts, which
# MessagePack carries as text, are made Decimal again).
_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder(list[Packed]).decode
_AMOUNT_AT = ROW_COLS.index("budget_amount")


def encode_packs(packs: list[Packed]) -> bytes:
    return _ENCODE(packs)


def decode_packs(data: bytes) -> list[Packed]:
    packs = _DECODE(data)
    for i, p in enumerate(packs):
        amount = p.row[_AMOUNT_AT]
        if amount is not None and not isinstance(amount, Decimal):
            row = list(p.row)
            row[_AMOUNT_AT] = Decimal(amount)
            packs[i] = p._replace(row=tuple(row))
    return packs


@dataclass
class Part:
    """One chunk of the file: its records packed and the findings made meanwhile."""

    packs: list[Packed]
    findings: list[Finding | Pending]  # Pending: completed where the activity is located (`Pending.complete`)
    first_act: int = 0  # the place in the file of the part's first activity


def _context() -> Any:
    """fork where the platform has it (no second start-up of the interpreter and its imports), else spawn."""
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _work(path: str, chunk: int, encode: bool, out: Any) -> None:
    """The worker: stream the file, pack the records a chunk at a time, report a problem as a message. It needs
    no sha256 of the file (its spans are found, and its findings completed, by the importing process), so it
    starts before the importing process has hashed the file."""
    from initiatives.interop.iati.reader import stream_packed

    try:
        findings: list[Finding | Pending] = []
        packs: list[Packed] = []
        first = 0
        size = min(chunk, FIRST_CHUNK)  # a small first part: the importing process starts writing sooner
        for packed in stream_packed(Path(path), "", findings, encode=encode, compact=True, defer_spans=True,
                                    keep_xml=False):
            packs.append(packed)
            if len(packs) >= size:
                size = chunk
                out.put(("part", (encode_packs(packs), findings[:], first)))
                first += len(packs)
                packs = []
                findings.clear()  # the reader appends to this very list
        out.put(("part", (encode_packs(packs), findings[:], first)))
        out.put(("end", None))
    except InputError as exc:
        out.put(("input-error", (exc.detail, exc.file, exc.line, exc.field, exc.record)))
    except BaseException:  # noqa: BLE001 - anything else must reach the importing process too
        out.put(("crash", traceback.format_exc()))


class Reading:
    """A worker process reading and mapping a file, started at once. Iterating yields the file's parts in order
    as the worker makes them and raises its InputError; `close` (also when the importer fails and leaves the
    loop early) stops the worker."""

    def __init__(self, path: Path, *, chunk: int, encode: bool) -> None:
        self.path = path
        ctx = _context()
        self.out = ctx.Queue(maxsize=IN_FLIGHT)
        self.proc = ctx.Process(target=_work, args=(str(path), chunk, encode, self.out), daemon=True,
                                name="iati-reader")
        self.proc.start()

    def __iter__(self) -> Iterator[Part]:
        path, out, proc = self.path, self.out, self.proc
        while True:
            try:
                kind, payload = out.get(timeout=POLL_S)
            except queue.Empty:
                if not proc.is_alive() and out.empty():
                    raise RuntimeError(f"the IATI reader process for {path.name} ended without a word "
                                       f"(exit code {proc.exitcode})") from None
                continue
            if kind == "part":
                data, findings, first = payload
                yield Part(decode_packs(data), findings, first)
            elif kind == "end":
                break
            elif kind == "input-error":
                detail, file, line, field, record = payload
                raise InputError(detail, file=file, line=line, field=field, record=record)
            else:
                raise RuntimeError(f"the IATI reader process failed on {path.name}:\n{payload}")
        proc.join()

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()
        self.out.close()
        self.out.cancel_join_thread()
