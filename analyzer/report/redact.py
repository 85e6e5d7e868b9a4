"""Mask personal and secret data in what tflog hands back (server `--redact`, request `"redact": true`).

Logs pasted into a chat or posted to a shared server carry user names (in home
directories and shell prompts), host names, IP addresses and sometimes tokens.
Redaction replaces them with placeholders such as `<user>` and `<secret>` while
keeping the text readable, so the diagnosis still makes sense.

It runs on the finished Report (before any rendering), so a token can never be
half-cut by a renderer's truncation and slip through; `redact_text` is also safe
to run again on rendered text.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, List, Tuple

# Order matters: tokens first (they may contain path-like or hex-like parts), then
# user@host, home directories, host names, IP addresses, and last the generic secrets.
_SECRET_NAME = r"(?:password|passwd|pwd|secret(?:[_-]?access)?(?:[_-]?key)?|token|api[_-]?key|access[_-]?key)(?![A-Za-z0-9])"


def _quoted(m: re.Match[str]) -> str:
    """The name and `<secret>`, in the value's own quotes (JSON stays JSON)."""
    quote = m.group(2) or m.group(3) or ""
    return f"{m.group(1)}{quote}<secret>{quote}"


_TOKENS: List[Tuple[re.Pattern[str], Any]] = [
    (re.compile(r"\bhf_[A-Za-z0-9]{20,}"), "<hf-token>"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"), "<github-token>"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), "<github-token>"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "<aws-key>"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), "<jwt>"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"), "<api-key>"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "<slack-token>"),
    # (a credential, not a word after one of those words: "# Basic Parameters" in a script's comment)
    (re.compile(r"\b((?i:Bearer|Basic|Token))\s+(?![A-Z]?[a-z]+(?![A-Za-z0-9._~+/=-]))[A-Za-z0-9._~+/=-]{8,}"), r"\1 <token>"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![\w-])"), "<google-api-key>"),
    # scheme://user:password@host, the password with any punctuation (the last "@" before the path ends it)
    # (and the host those credentials open)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@]+:[^\s/]*@[^\s/@:?#]+"), r"\1<user>:<secret>@<host>"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@:]+@[^\s/@:?#]+"), r"\1<user>@<host>"),
    # --password x, --api-key=x, --token "x y"
    (re.compile(r"(?i)(--?" + _SECRET_NAME + r"(?:=|\s+))(?:(\")[^\"]*\"|(')[^']*'|[^\s\"'\\]+)"), _quoted),
    # password: x, DB_PASSWORD=x, aws_secret_access_key = x, "api_key": "x"; a flag is no secret
    # (a tokenizer config's 'pad_with_end_token': True)
    (
        re.compile(
            r"(?i)((?<![\w-])\w*" + _SECRET_NAME + r"[\"']?\s*[:=]\s*)(?!(?:true|false|none|null)\b)"
            r"(?:(\")[^\"]*\"|(')[^']*'|(?!<)[^\s'\",;\\]+)"
        ),
        _quoted,
    ),
]
_USER_AT_HOST = re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
# A user name may hold spaces ("C:\\Users\\John Smith\\..."): taken whole when a path separator follows it.
_NAME = r"(?!<user>)(?:[^\\/\s'\"`:;,)\]<>|?*]+(?: [^\\/\s'\"`:;,)\]<>|?*]+)*(?=[\\/])|[^\\/\s'\"`:;,)\]<>|?*]+)"
_HOME = [
    (re.compile(r"(/(?:home|Users)/)" + _NAME), r"\1<user>"),
    (re.compile(r"(?i)(\b[A-Z]:[\\/]+(?:Users|Documents and Settings)[\\/]+)" + _NAME), r"\1<user>"),
]
_HOSTNAME = re.compile(r"(?i)\b(host(?:name)?\s*[:=]\s*)(?!<host>)([A-Za-z0-9][A-Za-z0-9.-]*)")
# A bare fully-qualified host name: three or more labels under a common or private top-level domain.
# Python module paths (tensorflow.python.framework.ops), file names (cuda_dnn.cc) and versions do not
# end in one; the public sites fixes and references point to are kept.
_FQDN = re.compile(
    r"(?i)(?:(?<=//)|(?<![\w.@/-]))(?!<)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){2,}"
    r"(?:com|net|org|ai|dev|edu|gov|mil|biz|cloud|app|co|us|uk|de|fr|cn|jp|kr|ru|nl|ch|ca|au|eu"
    r"|local|localdomain|internal|intranet|lan|corp|private|cluster)(?![\w-])(?!\.\w)"
)
_PUBLIC_HOSTS = re.compile(
    r"(?i)(?:^|\.)(?:tensorflow\.org|nvidia\.com|github\.com|githubusercontent\.com|google\.com|googleapis\.com"
    r"|python\.org|pypi\.org|pytorch\.org|keras\.io|anaconda\.org|conda\.io|microsoft\.com|stackoverflow\.com"
    r"|ubuntu\.com|debian\.org|readthedocs\.io|huggingface\.co|example\.com)$"
)
_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])")
# ... and "nvidia-cudnn-cu12        9.1.0.70" (a package and its version in the columns of pip/conda/dpkg lists),
# and a release in a file or folder name: "/work/data/TensorRT-6.0.1.5/lib", "cudnn_8.9.7.29"
_VERSION_CONTEXT = re.compile(
    r"(?i)(?:version|ver\.?|v|cudnn|tensorrt|trt|cuda|driver|\.so\.?|libnvinfer\S*|[a-z][\w.+-]*\s{2,}|==)\s*[:=]?\s*$"
    r"|[a-z][\w.+]*[-_]$"
)
_IPV6 = re.compile(
    r"(?<![\w:])(?:"
    r"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"  # full form
    r"|(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?"  # a::, a::b
    r"|::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})"  # ::1
    r")(?![\w:])"
)
_LONG_HEX = re.compile(r"(?<![\w/])[0-9a-fA-F]{32,}(?![\w/])")
_BASE64ISH = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/]{32,}={0,2}(?![\w+/=-])")  # no "_": C++ symbols stay


def _ipv4(m: re.Match[str]) -> str:
    # "cuDNN 8.1.0.77" and "TensorRT 8.2.1.8" look like IPv4 addresses; keep versions.
    if _VERSION_CONTEXT.search(m.string[max(0, m.start() - 48) : m.start()]):
        return m.group()
    return "<ip>"


def _ipv6(m: re.Match[str]) -> str:
    text = m.group()
    # C++ scopes ("ab::cd") have no digit; a real address nearly always has one.
    return "<ip>" if any(c.isdigit() for c in text) else text


_IMPORTING = re.compile(r"\b(?:from|import|named)\s+['\"]?$")


def _fqdn(m: re.Match[str]) -> str:
    # a Python import names a module that can end like a private domain ("from google.protobuf.internal import",
    # ImportError's "cannot import name 'builder' from 'google.protobuf.internal'", "No module named '...'")
    if _PUBLIC_HOSTS.search(m.group()) or _IMPORTING.search(m.string[max(0, m.start() - 10) : m.start()]):
        return m.group()
    if all(label.isdigit() for label in m.group().split(".")[:-1]):  # a version: "keras-nightly~=2.5.0.dev"
        return m.group()
    return "<host>"


# A version-control revision named as one ("Commit hash: ea9bd9fc...", "git sha 1a2b..."): public, not a secret.
_REVISION_CONTEXT = re.compile(r"(?i)\b(?:commit|revision|rev|sha1?|git(?:[ _-]?version)?|hash)\b[^\w\n]{0,4}$")


_LIBRARY_SUFFIX = re.compile(r"\.(?:dll|so|dylib)\b")


def _long_hex(m: re.Match[str]) -> str:
    if m.group().isdigit() or _REVISION_CONTEXT.search(m.string[max(0, m.start() - 24) : m.start()]):
        return m.group()  # a number, or a revision id, is no secret
    if m.string[m.start() - 1 : m.start()] == "." and _LIBRARY_SUFFIX.match(m.string, m.end()):
        return m.group()  # a build id in a library's file name ("directml.0de2b44....dll")
    if m.string[max(0, m.start() - 5) : m.start()] == " in <" and m.string[m.end() : m.end() + 2] == ">:":
        return m.group()  # a Mono stack frame's assembly id ("... [0x00032] in <eae584ce...>:0"), public
    return "<secret>"


_WORDLIKE = re.compile(r"[a-z]{3,}")  # runs of 3+ lower-case letters: most of a name's length, little of a token's


def _base64(m: re.Match[str]) -> str:
    s = m.group()
    if "/" in s and max(len(p) for p in s.split("/")) < 24:
        return s  # a path such as tensorflow/core/kernels/... not a secret
    kinds = sum((any(c.islower() for c in s), any(c.isupper() for c in s), any(c.isdigit() for c in s)))
    if kinds == 3 and sum(map(len, _WORDLIKE.findall(s))) >= len(s) / 2:
        return s  # a CamelCase name made of words ("SwapDimension1And2InTensor3UsingTiles"), not random
    return "<secret>" if kinds == 3 else s


def redact_text(text: str) -> str:
    """`text` with user names, host names, IP addresses, tokens and long secrets masked."""
    if not text:
        return text
    for pattern, repl in _TOKENS:
        text = pattern.sub(repl, text)
    text = _USER_AT_HOST.sub("<user>@<host>", text)
    for pattern, repl in _HOME:
        text = pattern.sub(repl, text)
    text = _HOSTNAME.sub(r"\1<host>", text)
    text = _FQDN.sub(_fqdn, text)
    text = _IPV4.sub(_ipv4, text)
    text = _IPV6.sub(_ipv6, text)
    text = _LONG_HEX.sub(_long_hex, text)
    text = _BASE64ISH.sub(_base64, text)
    return text


def redact_obj(obj: Any, scrub: Callable[[str], str] = redact_text) -> Any:
    """A copy of `obj` (dataclasses, dicts, lists, strings) with every string value redacted.

    Dict keys are kept: they are tflog's own names (fact names, JSON fields), not user data.
    """
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, dict):
        return {k: redact_obj(v, scrub) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(redact_obj(v, scrub) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: redact_obj(getattr(obj, f.name), scrub) for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **changes)
    return obj


def redact_report(report):
    """A redacted copy of an `analyzer.core.model.Report`; render it as usual afterwards."""
    return redact_obj(report)
