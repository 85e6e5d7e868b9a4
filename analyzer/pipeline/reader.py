"""Step 1: bytes in, numbered lines out.

Inputs are streamed in blocks (a 2 GB log never sits in memory). The reader
decides once, from the first block, how to decode: gzip, UTF-16 (PowerShell
`>` writes it), or bytes treated as UTF-8 with replacement. It refuses things
that are not logs (directories, binaries) with an `InputError` whose message is
one readable line. An empty input is a log with nothing in it (a job that printed
nothing must not fail a hook or a pipe), and a gzip file cut short is read as far
as it decompresses, as zcat does: both leave a note in `Source.notes`. Line numbers always count the original
input's lines; a line longer than `MAX_LINE` keeps only its head.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import sys
import zlib
from typing import Iterable, Iterator, Optional, Protocol

from analyzer.core.records import dataclass

BLOCK = 1 << 20  # bytes read at a time
MAX_LINE = 64 * 1024  # a longer line is cut to its head (still matched on it)

_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\x7fELF": "an ELF executable or shared library",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
    b"GIF8": "a GIF image",
    b"\x93NUMPY": "a NumPy array file",
    b"BZh": None,  # checked below with more bytes; bzip2 is plausible but not supported
}


class ByteStream(Protocol):
    """What the reader needs of an input stream: a file, stdin's buffer, a GzipFile or one of the wrappers below."""

    def read(self, n: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class InputError(Exception):
    """A problem with an input the user gave; its message is one line meant for them."""


@dataclass
class Block:
    """Complete lines of input: `data` ends at a line end; its first line is `first_line`."""

    data: bytes
    first_line: int
    newline: bytes = b"\n"  # b"\r" for files whose only line breaks are lone CRs
    lines: int = -1  # how many lines `data` holds, once its maker or the prefilter (which counts them anyway) has counted them

    def line_count(self) -> int:
        return self.lines if self.lines >= 0 else self.data.count(self.newline)


@dataclass
class Source:
    """An opened input: a readable binary stream plus what the reader learned about it."""

    name: str
    stream: ByteStream
    encoding: str = "utf-8"  # utf-8 | utf-16-le | utf-16-be
    compressed: bool = False
    empty: bool = False  # nothing to read (a note, not an error)
    gzip_stopped: Optional[str] = None  # why the gzip data ended early, when it did


def open_source(path: str) -> Source:
    """Open a path (or '-' for stdin) for reading, or raise InputError saying why not."""
    if path == "-":
        return Source("<stdin>", sys.stdin.buffer)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory (give the log files inside it, e.g. {path.rstrip('/')}/*.log)")
    try:
        stream = open(path, "rb")
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot open ({e.strerror or e})") from None
    return Source(path, stream)


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b < 32)  # not text: below TAB, or between CR and space


def sniff(source: Source, head: bytes) -> None:
    """Decide compression/encoding from the first bytes, or refuse the input."""
    if head.startswith(b"\x1f\x8b"):
        source.compressed = True
        return
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        source.encoding = "utf-16"
        return
    if len(head) >= 4 and head[1:2] == b"\x00" and head[3:4] == b"\x00" and head[0:1] != b"\x00":
        source.encoding = "utf-16-le"  # UTF-16 without BOM: ASCII text with NUL high bytes
        return
    if len(head) >= 4 and head[0:1] == b"\x00" and head[2:3] == b"\x00" and head[1:2] != b"\x00":
        source.encoding = "utf-16-be"
        return
    for magic, what in _BINARY_MAGIC.items():
        if what and head.startswith(magic):
            raise InputError(f"{source.name}: binary file ({what}), not a text log")
    sample = head[:8192]
    if sample:
        control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # counted in C, not per byte
        if control / len(sample) > 0.30:
            raise InputError(f"{source.name}: binary file, not a text log")


def _decoded_stream(source: Source, raw: ByteStream) -> ByteStream:
    """Wrap `raw` so that it yields UTF-8 bytes whatever the input encoding was."""
    if source.encoding == "utf-8":
        return raw
    return _Transcoder(raw, source.encoding)


class _Transcoder(io.RawIOBase):
    """Incrementally re-encodes a UTF-16 stream as UTF-8 (bounded memory)."""

    def __init__(self, raw: ByteStream, encoding: str):
        self._raw = raw
        self._dec = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._buf = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while not self._eof and (n < 0 or len(self._buf) < n):
            chunk = self._raw.read(BLOCK)
            if not chunk:
                self._buf += self._dec.decode(b"", final=True).encode("utf-8")
                self._eof = True
            else:
                self._buf += self._dec.decode(chunk).encode("utf-8")
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


def read_blocks(source: Source, block_size: int = BLOCK) -> Iterator[Block]:
    """Yield blocks of complete lines from `source`; counts bytes into `source.bytes_read`."""
    head = source.stream.read(block_size)
    if not head:
        source.empty = True
        return
    sniff(source, head)
    peeked = _Prepended(head, source.stream)
    stream: ByteStream = peeked
    if source.compressed:
        gunzip = _Gunzip(peeked)
        first = gunzip.read(block_size)
        if not first:
            if gunzip.stopped:
                raise InputError(f"{source.name}: damaged gzip file ({gunzip.stopped})")
            source.empty = True
            return
        inner = Source(source.name, gunzip)
        sniff(inner, first)
        source.encoding = inner.encoding
        stream = _Prepended(first, gunzip)
        yield from LineSplitter(source.name).split(_chunks(source, _decoded_stream(source, stream), block_size))
        source.gzip_stopped = gunzip.stopped
        return
    if source.encoding == "utf-8" and b"\n" in head and _regular_file(source.stream):  # (LineSplitter's line end is then \n)
        chunks = _aligned_chunks(source, head, block_size)
    else:
        chunks = _chunks(source, _decoded_stream(source, stream), block_size)
    yield from LineSplitter(source.name).split(chunks)


def _regular_file(stream: ByteStream) -> bool:
    """Is `stream` a file of ours on disk (one whose bytes os.pread can peek at)?"""
    if not isinstance(stream, io.BufferedReader):
        return False
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError):
        return False


TAIL = 4096  # how far back from a block's end _aligned_chunks looks for a line end


def _aligned_chunks(source: Source, head: bytes, block_size: int) -> Iterator[bytes]:
    """_chunks's blocks for a plain file on disk, each read to its last line end instead of to the next
    multiple of `block_size`: LineSplitter then passes a chunk on as its block without joining it to
    the piece of a line left from the chunk before (a copy of every block: ~0.4 ms per MB). The blocks
    are the same: each still ends at the last line end before the next multiple (pipeline.parallel
    cuts its ranges there too). Where the last TAIL bytes before it hold no line end, the chunk goes to
    the multiple, as in _chunks; after a short read (the end of the file), the rest is read as there."""
    f = source.stream
    assert isinstance(f, io.BufferedReader)
    yield head
    fd = f.fileno()
    try:
        pos = f.tell()
    except OSError:
        pos = -1
    target = pos  # where the chunk before this one would have ended in _chunks
    while True:
        n = block_size
        if pos >= 0 and len(head) == block_size:
            target += block_size
            n = target - pos
            if n > TAIL:
                try:
                    tail = os.pread(fd, TAIL, target - TAIL)
                except OSError:
                    tail = b""
                cut = tail.rfind(b"\n")
                if len(tail) == TAIL and cut >= 0:
                    n -= TAIL - cut - 1
        chunk = _read(source, f, n)
        if not chunk:
            return
        if len(chunk) < n:
            pos = -1  # (block_size at a time from here, as _chunks reads)
        elif pos >= 0:
            pos += n
        yield chunk


def _chunks(source: Source, stream: ByteStream, block_size: int) -> Iterator[bytes]:
    while True:
        chunk = _read(source, stream, block_size)
        if not chunk:
            return
        yield chunk


def _read(source: Source, stream: ByteStream, n: int) -> bytes:
    """Up to n bytes; a failing read is the user's one-line InputError, not a traceback."""
    try:
        return stream.read(n)
    except OSError as e:
        raise InputError(f"{source.name}: read failed ({e})") from None


class _Gunzip(io.RawIOBase):
    """gzip (every member) decompressed as far as the data allows, in bounded memory.

    Data cut off or damaged part-way ends the stream with `stopped` saying why, after every byte
    that did decompress: a log copied while still being written is mostly readable."""

    def __init__(self, raw: ByteStream):
        self._raw = raw
        self._d = zlib.decompressobj(31)
        self._fed = False  # the current member has received data
        self._pending = b""  # compressed bytes not yet given to the decompressor
        self._buf = b""
        self._eof = False
        self.stopped: Optional[str] = None

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        want = BLOCK if n < 0 else n
        while not self._eof and len(self._buf) < want:
            if not self._pending:
                self._pending = self._raw.read(BLOCK)
                if not self._pending:
                    if self._fed and not self._d.eof:
                        self.stopped = "the compressed data ends early"
                    self._eof = True
                    break
            if self._d.eof:  # the next member, unless the rest is padding
                if not self._pending.strip(b"\0"):
                    self._pending = b""
                    continue
                self._d, self._fed = zlib.decompressobj(31), False
            try:
                out = self._d.decompress(self._pending, max(want - len(self._buf), 1 << 16))
            except zlib.error as e:
                self.stopped = f"damaged data: {e}"
                self._eof = True
                break
            self._fed = True
            self._pending = self._d.unconsumed_tail or self._d.unused_data
            self._buf += out
        out, self._buf = (self._buf, b"") if n < 0 else (self._buf[:n], self._buf[n:])
        return out


class _Prepended(io.RawIOBase):
    """A stream that first returns `head`, then the rest of `rest` (we peeked at `head`)."""

    def __init__(self, head: bytes, rest: ByteStream):
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n < 0:
                out, self._head = self._head + self._rest.read(), b""
                return out
            out, self._head = self._head[:n], self._head[n:]
            return out
        return self._rest.read(n)

    def readinto(self, b) -> int:  # used by GzipFile
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


class LineSplitter:
    """Turns arbitrary byte chunks into `Block`s of whole lines, capping huge lines.

    Used both for files and for live pipes (`tflog watch`): feed chunks as they
    arrive with `feed()`, call `finish()` at end of input. A file whose only line
    breaks are lone CRs (classic Mac) is split on CR instead.
    """

    def __init__(self, name: str = ""):
        self.name = name
        self.next_line = 1
        self._pending = b""  # start of an unfinished line
        self._skipping = False  # inside an over-long line, dropping bytes until its end
        self._newline: Optional[bytes] = None

    def split(self, chunks: Iterable[bytes]) -> Iterator[Block]:
        """The blocks of a whole input. Its last chunk is fed as the last: a last line without a line end is
        then in the same block as the lines before it (a paste's usual end), so what reads a small input's
        block as a whole (pipeline.unwrap: a message a break split over two lines) sees it there too."""
        held = None
        for chunk in chunks:
            if held is not None:
                yield from self.feed(held)
            held = chunk
        if held is not None:
            yield from self.feed(held, final=True)
        yield from self.finish()

    def feed(self, chunk: bytes, final: bool = False) -> Iterator[Block]:
        if self._newline is None:
            self._newline = b"\r" if (b"\n" not in chunk and b"\r" in chunk) else b"\n"
        nl = self._newline
        if final and chunk and not chunk.endswith(nl) and not self._skipping:
            chunk += nl  # (the line end finish() would give it)
        if self._skipping:
            cut = chunk.find(nl)
            if cut < 0:
                return
            chunk = chunk[cut + 1 :]
            self._skipping = False
            self.next_line += 1
        last = chunk.rfind(nl)
        if last < 0:
            data = self._pending + chunk
            self._pending = data
            if len(data) > MAX_LINE:
                yield self._cap(data)
            return
        # one copy at most: the unfinished line before it and the chunk up to its last line end
        body = b"".join((self._pending, memoryview(chunk)[: last + 1])) if self._pending or last + 1 < len(chunk) else chunk
        self._pending = chunk[last + 1 :]
        if len(body) > MAX_LINE:
            body = self._cap_long_lines(body, nl)
        block = Block(body, self.next_line, nl)  # not counted here: the prefilter counts its lines on the way (Block.lines)
        yield block
        self.next_line += block.line_count()
        if len(self._pending) > MAX_LINE:
            yield self._cap(self._pending)

    def finish(self) -> Iterator[Block]:
        if self._pending and not self._skipping:
            yield Block(self._pending + self.newline, self.next_line, self.newline)
            self.next_line += 1
        self._pending = b""

    def _cap(self, data: bytes) -> Block:
        """Emit the head of an over-long unfinished line and skip the rest of it."""
        block = Block(data[:MAX_LINE] + self.newline, self.next_line, self.newline)
        self._pending = b""
        self._skipping = True
        return block

    @staticmethod
    def _cap_long_lines(body: bytes, nl: bytes) -> bytes:
        """Cut every line in `body` longer than MAX_LINE down to its head."""
        # Such a line covers a whole aligned window of MAX_LINE/2 bytes with no line end in it, so
        # a few `find`s per block clear it; only a block that fails them is split into lines.
        half = MAX_LINE // 2
        if all(body.find(nl, i, i + half) >= 0 for i in range(0, len(body) - half + 1, half)):
            return body
        return nl.join(l[:MAX_LINE] for l in body.split(nl))

    @property
    def newline(self) -> bytes:
        return self._newline or b"\n"
