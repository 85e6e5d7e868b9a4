"""Accuracy on the real logs in this repository (tests/fixtures/real_logs), each labelled from its thread.

Scored in-process the way the dev corpus's score.py scores (the root cause is the first finding that is
not `info`; right when its category is the label's or one of its `also`; log-insufficient cases apart;
facts compared as text), so CI checks it without the dev corpus. The first-sight batches were scored
once before any rule was written for them (FIRST_SIGHT.md has those figures); the bars here keep what
the work on their misses reached, so that a later change cannot silently lose it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import yaml

from analyzer import analyze

REAL = Path(__file__).parent / "fixtures" / "real_logs"

# (label files, fewest cases, top-1 bar in %): the figure reached, a little below it
SETS = {
    "labels": ([REAL / "labels.yaml"], 58, 98.0),  # 58/58
    "first_sight_1": (
        [REAL / "first_sight_1" / "labels-py.yaml", REAL / "first_sight_1" / "labels-gpu.yaml"],
        125,
        96.5,
    ),  # 121/125
    "first_sight_2": ([REAL / "first_sight_2" / "labels.yaml"], 73, 99.0),  # 73/73
    "first_sight_3": ([REAL / "first_sight_3" / "labels.yaml"], 73, 93.0),  # 68/73
    "first_sight_keras": ([REAL / "first_sight_keras" / "labels.yaml"], 48, 98.0),  # 48/48
    "first_sight_4_5": ([REAL / "first_sight_4" / "labels.yaml", REAL / "first_sight_5" / "labels.yaml"], 84, 99.0),  # 84/84
    "first_sight_6": ([REAL / "first_sight_6" / "labels.yaml"], 34, 97.0),  # 33/34 (first sight 27/34)
    "first_sight_7": ([REAL / "first_sight_7" / "labels.yaml"], 33, 96.0),  # 32/33 (first sight 27/33)
    "first_sight_8": ([REAL / "first_sight_8" / "labels.yaml"], 52, 96.0),  # 50/52 (first sight 42/52)
    "first_sight_9": ([REAL / "first_sight_9" / "labels.yaml"], 57, 99.0),  # 57/57 (first sight 52/57)
    "first_sight_10": ([REAL / "first_sight_10" / "labels.yaml"], 58, 91.0),  # 53/58 (first sight 43/58)
    "first_sight_11": ([REAL / "first_sight_11" / "labels.yaml"], 50, 95.0),  # 48/50 (first sight 36/50)
    "first_sight_12": ([REAL / "first_sight_12" / "labels.yaml"], 41, 97.0),  # 40/41 (first sight 40/41)
    "first_sight_13": ([REAL / "first_sight_13" / "labels.yaml"], 53, 96.0),  # 51/53 (first sight 47/53)
    "first_sight_14": (
        [REAL / "first_sight_14" / "labels.yaml", REAL / "first_sight_14" / "labels-0-2.yaml"],
        52,
        94.0,
    ),  # 49/52 (first sight 43/52)
    "first_sight_15": ([REAL / "first_sight_15" / "labels.yaml"], 39, 94.0),  # 37/39 (first sight 33/39)
    "first_sight_16": ([REAL / "first_sight_16" / "labels.yaml"], 27, 92.0),  # 25/27 (first sight 19/27)
    "first_sight_17": ([REAL / "first_sight_17" / "labels.yaml"], 3, 66.0),  # 3/3 (first sight 2/3)
    "first_sight_18": ([REAL / "first_sight_18" / f"labels-{x}.yaml" for x in "abcd"], 53, 96.0),  # 52/53 (first sight 44/53)
    "first_sight_19": ([REAL / "first_sight_19" / f"labels-{x}.yaml" for x in "abcd"], 30, 93.0),  # 28/30 (first sight 28/30)
    "first_sight_20": ([REAL / "first_sight_20" / f"labels-{x}.yaml" for x in "abcd"], 41, 97.0),  # 40/41 (first sight 37/41)
    "first_sight_21": ([REAL / "first_sight_21" / f"labels-{x}.yaml" for x in "abcd"], 56, 96.0),  # 54/56 (first sight 48/56)
    "first_sight_22": ([REAL / "first_sight_22" / f"labels-{x}.yaml" for x in "abcd"], 40, 97.0),  # 39/40 (first sight 36/40)
    "first_sight_23": ([REAL / "first_sight_23" / f"labels-{x}.yaml" for x in "abcd"], 48, 95.0),  # 46/48 (first sight 40/48)
    "first_sight_24": ([REAL / "first_sight_24" / "labels.yaml"], 18, 99.0),  # 18/18 (first sight 16/18)
    "first_sight_25": ([REAL / "first_sight_25" / f"labels-{x}.yaml" for x in "abcd"], 58, 98.0),  # 57/58 (first sight 52/58)
    "first_sight_26": ([REAL / "first_sight_26" / f"labels-{x}.yaml" for x in "abcd"], 25, 95.0),  # 24/25 (first sight 24/25)
    "first_sight_27": ([REAL / "first_sight_27" / f"labels-{x}.yaml" for x in "abcd"], 20, 89.0),  # 18/20 (first sight 17/20)
    "first_sight_28": ([REAL / "first_sight_28" / f"labels-{x}.yaml" for x in "abcde"], 49, 96.0),  # 48/49 (first sight 38/49)
    "first_sight_29": ([REAL / "first_sight_29" / f"labels-{x}.yaml" for x in "ab"], 4, 99.0),  # 4/4 (first sight 4/4)
    "first_sight_30": ([REAL / "first_sight_30" / f"labels-{x}.yaml" for x in "abcde"], 48, 99.0),  # 48/48 (first sight 44/48)
    "first_sight_31": ([REAL / "first_sight_31" / f"labels-{x}.yaml" for x in "abcd"], 36, 99.0),  # 36/36 (first sight 33/36)
    "first_sight_32": ([REAL / "first_sight_32" / f"labels-{x}.yaml" for x in "abcde"], 49, 93.0),  # 46/49 (first sight 41/49)
    "first_sight_33": ([REAL / "first_sight_33" / f"labels-{x}.yaml" for x in "abcd"], 34, 93.0),  # 32/34 (first sight 28/34)
    "first_sight_34": ([REAL / "first_sight_34" / f"labels-{x}.yaml" for x in "ab"], 14, 99.0),  # 14/14 (first sight 13/14)
    "first_sight_35": ([REAL / "first_sight_35" / f"labels-{x}.yaml" for x in "abcde"], 41, 97.0),  # 40/41 (first sight 39/41)
    "first_sight_36": ([REAL / "first_sight_36" / f"labels-{x}.yaml" for x in "abcd"], 38, 99.0),  # 38/38 (first sight 29/38)
    "first_sight_37": ([REAL / "first_sight_37" / f"labels-{x}.yaml" for x in "ab"], 7, 99.0),  # 7/7 (first sight 2/7)
    "first_sight_38": ([REAL / "first_sight_38" / f"labels-{x}.yaml" for x in "abcde"], 46, 99.0),  # 46/46 (first sight 36/46)
    "first_sight_39": ([REAL / "first_sight_39" / f"labels-{x}.yaml" for x in "abcd"], 26, 96.0),  # 25/26 (first sight 19/26)
    "first_sight_40": ([REAL / "first_sight_40" / f"labels-{x}.yaml" for x in "abc"], 12, 91.0),  # 11/12 (first sight 10/12)
    "first_sight_41": ([REAL / "first_sight_41" / f"labels-{x}.yaml" for x in "abcde"], 44, 97.0),  # 43/44 (first sight 42/44)
    "first_sight_42": ([REAL / "first_sight_42" / f"labels-{x}.yaml" for x in "abcd"], 30, 93.0),  # 29/30 (first sight 21/30)
    "first_sight_43": (
        [REAL / "first_sight_43" / f"labels-{x}.yaml" for x in "abcde"],
        113,
        99.0,
    ),  # 113/113 (first sight 100/113)
    "first_sight_44": ([REAL / "first_sight_44" / "labels-a.yaml"], 35, 99.0),  # 35/35 (first sight 33/35)
    "first_sight_45": ([REAL / "first_sight_45" / "labels-a.yaml"], 57, 94.0),  # 55/57 (first sight 51/57)
    "first_sight_46": ([REAL / "first_sight_46" / f"labels-{x}.yaml" for x in "abcde"], 87, 95.0),  # 83/87 (first sight 73/87)
    "first_sight_47": ([REAL / "first_sight_47" / f"labels-{x}.yaml" for x in "ab"], 23, 99.0),  # 23/23 (first sight 23/23)
    "first_sight_48": (
        [REAL / "first_sight_48" / f"labels-{x}.yaml" for x in "abcde"],
        116,
        99.0,
    ),  # 116/116 (first sight 106/116)
    "first_sight_49": ([REAL / "first_sight_49" / f"labels-{x}.yaml" for x in "ab"], 90, 96.0),  # 87/90 (first sight 63/90)
    "first_sight_50": ([REAL / "first_sight_50" / f"labels-{x}.yaml" for x in "abcde"], 93, 93.0),  # 89/93 (first sight 78/93)
    "first_sight_51": (
        [REAL / "first_sight_51" / f"labels-{x}.yaml" for x in "abcde"],
        113,
        96.0,
    ),  # 109/113 (first sight 105/113)
    "first_sight_52": ([REAL / "first_sight_52" / f"labels-{x}.yaml" for x in "abcde"], 91, 97.0),  # 89/91 (first sight 74/91)
    "first_sight_53": ([REAL / "first_sight_53" / f"labels-{x}.yaml" for x in "abcde"], 23, 95.0),  # 22/23 (first sight 20/23)
    "first_sight_54": ([REAL / "first_sight_54" / f"labels-{x}.yaml" for x in "abcde"], 76, 94.0),  # 72/76 (first sight 65/76)
    "first_sight_55": ([REAL / "first_sight_55" / f"labels-{x}.yaml" for x in "ab"], 57, 94.0),  # 54/57 (first sight 47/57)
    "first_sight_56": ([REAL / "first_sight_56" / "labels-a.yaml"], 14, 100.0),  # 14/14 (first sight 13/14)
    "first_sight_57": ([REAL / "first_sight_57" / f"labels-{x}.yaml" for x in "abcde"], 65, 93.0),  # 61/65 (first sight 54/65)
    "first_sight_58": ([REAL / "first_sight_58" / f"labels-{x}.yaml" for x in "abc"], 84, 86.0),  # 73/84 (first sight 63/84)
    "first_sight_59": ([REAL / "first_sight_59" / f"labels-{x}.yaml" for x in "abcde"], 72, 90.0),  # 65/72 (first sight 55/72)
    "first_sight_60": ([REAL / "first_sight_60" / f"labels-{x}.yaml" for x in "abc"], 49, 91.0),  # 45/49 (first sight 41/49)
    "first_sight_61": ([REAL / "first_sight_61" / f"labels-{x}.yaml" for x in "abcde"], 77, 95.0),  # 74/77 (first sight 63/77)
    "first_sight_62": ([REAL / "first_sight_62" / f"labels-{x}.yaml" for x in "abc"], 69, 94.0),  # 65/69 (first sight 61/69)
    "first_sight_63": ([REAL / "first_sight_63" / f"labels-{x}.yaml" for x in "abcde"], 63, 90.0),  # first sight 49/63
    "first_sight_64": ([REAL / "first_sight_64" / f"labels-{x}.yaml" for x in "abc"], 57, 94.0),  # first sight 52/57
    "first_sight_65": ([REAL / "first_sight_65" / f"labels-{x}.yaml" for x in "abcde"], 39, 92.0),  # first sight 32/39
    "first_sight_66": ([REAL / "first_sight_66" / f"labels-{x}.yaml" for x in "abc"], 53, 92.0),  # first sight 46/53 (post-work)
    "first_sight_67": ([REAL / "first_sight_67" / f"labels-{x}.yaml" for x in "abcde"], 73, 95.0),  # first sight 62/73
    "first_sight_68": (
        [REAL / "first_sight_68" / f"labels-{x}.yaml" for x in "abcde"],
        66,
        95.0,
    ),  # first sight 46/66 (post-work)
    "first_sight_69": ([REAL / "first_sight_69" / f"labels-{x}.yaml" for x in "abcde"], 37, 95.0),  # first sight 35/37
    "first_sight_70": (
        [REAL / "first_sight_70" / f"labels-{x}.yaml" for x in "abcdf"],
        48,
        95.0,
    ),  # first sight 46/48 (post-work)
    "first_sight_71": ([REAL / "first_sight_71" / f"labels-{x}.yaml" for x in "abcde"], 30, 90.0),  # 27/30 (first sight 21/30)
    "first_sight_72": (
        [REAL / "first_sight_72" / f"labels-{x}.yaml" for x in "fghij"],
        44,
        97.0,
    ),  # 43/44 (first sight 38/44, post-work)
    "first_sight_73": ([REAL / "first_sight_73" / f"labels-{x}.yaml" for x in "abcde"], 30, 96.0),  # 30/30 (first sight 27/30)
    "first_sight_74": ([REAL / "first_sight_74" / f"labels-{x}.yaml" for x in "abcde"], 36, 97.0),  # 35/36 (first sight 31/36)
    "first_sight_75": ([REAL / "first_sight_75" / f"labels-{x}.yaml" for x in "abcde"], 53, 96.0),  # 51/53 (first sight 48/53)
}
# Harmless logs that tflog still flags (issue 13 asks for none), each with why it is not fixed:
# - benign-tfa-false-version-warning: tensorflow-addons 0.11.0's version check excluded TF 2.3.0, the release it
#   supports (an off-by-one its maintainers fixed); the same warning from any other release is a real conflict.
# - eight logs of TF's "could not load the CUDA runtime" lines alone on a machine without a GPU (a DeepVariant CPU
#   pipeline, a one-line excerpt, TF's own PR about the warnings; in batch 10 a CPU VM, ASReview on Windows, a TF 2.19
#   import; in batch 16 a DUET variant-calling run; in batch 35 LightweightMMM on Windows): tflog warns on these lines
#   when the log shows nothing about a GPU either way, because people paste them mostly when their GPU is not used
#   (of the 21 logs whose answer is that warning, 16 are labelled a missing CUDA library); the warning says to ignore
#   it without a GPU.
# - benign-spliceai-cpu-no-training-config: a CPU-only host where cuInit fails (303) and the kernel driver is not
#   running; tflog reads a failed cuInit beside the missing driver as a machine whose GPU cannot be reached.
BENIGN_FLAGGED_KNOWN = {
    "benign-cpu-arch-tf219-import-noise",
    "benign-picogpt-cpu-vm-missing-gpu-libs",
    "benign-asreview-windows-cudart64-110-missing",
    "benign-spliceai-cpu-no-training-config",
    "benign-tfa-false-version-warning",
    "p-benign-tf212dev-no-gpu-machine-warnings",
    "p-benign-deepvariant-cpu-make-examples-cuda-stub",
    "benign-hi3d-localxla-cudart-stub",
    "benign-duet-cpu-cudart-nvinfer-noise",
    "benign-cudart64-110-dll-not-found-lightweight-mmm-windows",
    "benign-avx-avx2-notice-with-script-notimplementederror-windows",  # the demo script itself raises NotImplementedError after the AVX notice: shown (unrecognized), as it should be
    "benign-medaka-cudart-missing-cpu-host-real-error-python-fstring-syntax",  # the program fails with a SyntaxError (an old Python): shown (unrecognized), as it should be; TF's lines are harmless
}
BAR_FACTS = 0.972  # facts read right over every set: 2458/2522 now (1448/1488 after batches 48-49, 1332/1367 before them; 1260/1289 before batches 46-47, whose first-sight facts are 59/61 and 13/17; issue 14 asks >= 97%); cuDNN labels use the dotted form, as the dev corpus does ("5005" -> 5.0.5). Two of the misses are of form, not substance: a label writing the device as /job:localhost/replica:0/task:0/device:GPU:0 where tflog says GPU:0, and Python 3.5 where tflog reads 3.5.1 from the interpreter's own path
BAR_SILENT = 0.02  # 28/1840 (22/920 at the start of session 13; 21/957 with batch 20 unfixed, 25/1012 with batch 21; 23/1047 with batch 22 unfixed, 27/1090 with batch 23 unfixed, 23/1108 with batch 24 unfixed, 21/1108 after it, 27/1158 with batch 25 unfixed, 21/1158 after it, 22/1181 with batch 26, 24/1201 with batch 27, 34/1244 with batch 28 unfixed, 24/1248 after it and batch 29, 28/1294 with batch 30 unfixed, 24/1294 after it, 26/1327 with batch 31 unfixed, 24/1327 after it, 30/1376 with batch 32 unfixed, 24/1376 after it, 30/1407 with batch 33 unfixed, 24/1407 after it, 25/1417 with batch 34 unfixed, 24/1417 after it, 25/1417 once the bare-dtensor pattern was removed, 26/1457 with batch 35 unfixed, 25/1457 after it, 30/1490 with batch 36 unfixed, 26/1490 after it, 25/1497 with batch 37 and the installed-package NameError guess, 33/1538 with batch 38 unfixed, 25/1538 after it, 32/1563 with batch 39 unfixed, 26/1563 after it, 28/1575 with batch 40 unfixed, 27/1575 after it, 28/1616 with batch 41, 28/1646 with batch 42 after its work, 26/1750 with batch 43 after its work, 26/1785 with batch 44, 28/1840 with batch 45 after its work, 29/1948 with batches 46 and 47 after the work, 30/2142 with batches 48 and 49 after the work, 54/2856 with batches 59 and 60 after the work, 58/2983 with batches 61 and 62 after the work, 61/3182 with batches 65 and 66 after the work, 64/3301 with batches 67 and 68 after the work, 62/3384 with batches 69 and 70 after the work, 65/3457 with batches 71 and 72 after the work, 64/3487 with batch 73 after its work); issue 13 asks for <= 2%


def _same(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):

        def norm(v):
            return {str(x).strip().lower() for x in (v if isinstance(v, list) else [v])}

        return norm(a) == norm(b)
    return str(a).strip().lower().rstrip(".") == str(b).strip().lower().rstrip(".")


def _fact(data: dict, finding: dict, key: str):
    for k in ("gpu_name", "gpu") if key == "gpu" else (key,):
        for src in ((finding or {}).get("facts") or {}, data.get("facts") or {}):
            if src.get(k) not in (None, "", []):
                return src[k]
    return None


def root_finding(report: dict) -> Optional[dict]:
    """The finding a user reads as the answer: the first that is not harmless (None: the log is benign)."""
    return next((f for f in report["findings"] if f["severity"] != "info"), None)


def score(label_files: List[Path]) -> Dict[str, object]:
    """right/total, the misses, benign right/total, facts right/total, silent failures/total failures."""
    out: Dict[str, object] = {"right": 0, "total": 0, "misses": [], "benign": [0, 0], "facts": [0, 0], "silent": [0, 0]}
    for labels in label_files:
        for case in yaml.safe_load(labels.read_text(encoding="utf-8")) or []:
            data = analyze(path=str(labels.parent / case["file"])).to_dict()
            root = root_finding(data)
            got = root["category"] if root else "benign"
            if case.get("log_insufficient"):
                continue
            want = case["category"]
            right = got == want or got in (case.get("also") or [])
            out["total"] += 1
            out["right"] += right
            if not right:
                out["misses"].append((case["id"], want, got))
            if want == "benign":
                out["benign"][0] += right
                out["benign"][1] += 1
            else:
                out["silent"][1] += 1
                # silent: no categorised finding where the label names a failure (a label that also accepts
                # "benign", e.g. a warning that broke nothing yet, is not silence when tflog says benign)
                out["silent"][0] += not right and got in ("benign", "unknown")
            for key, value in (case.get("facts") or {}).items():
                if key == "platform":
                    continue
                out["facts"][1] += 1
                got_value = _fact(data, root, key)
                out["facts"][0] += got_value is not None and _same(got_value, value)
    return out


_RESULTS: Dict[str, Dict[str, object]] = {}


def _results(name: str) -> Dict[str, object]:
    if name not in _RESULTS:
        _RESULTS[name] = score(SETS[name][0])
    return _RESULTS[name]


@pytest.mark.parametrize("name", list(SETS))
def test_real_log_set_keeps_its_accuracy(name):
    files, fewest, bar = SETS[name]
    r = _results(name)
    assert r["total"] >= fewest, f"{name}: fewer labelled logs than expected ({r['total']})"
    top1 = 100.0 * r["right"] / r["total"]
    assert top1 >= bar, f"{name}: top-1 {r['right']}/{r['total']} = {top1:.1f}% < {bar}%; misses {r['misses']}"
    right, total = r["benign"]
    flagged = {case for case, want, _got in r["misses"] if want == "benign"}
    assert flagged <= BENIGN_FLAGGED_KNOWN, (
        f"{name}: a harmless log was given an error or warning: {flagged - BENIGN_FLAGGED_KNOWN}"
    )


def test_facts_and_silent_failures_over_every_set():
    facts: Tuple[int, int] = (0, 0)
    silent: Tuple[int, int] = (0, 0)
    for name in SETS:
        r = _results(name)
        facts = (facts[0] + r["facts"][0], facts[1] + r["facts"][1])
        silent = (silent[0] + r["silent"][0], silent[1] + r["silent"][1])
    assert facts[0] >= BAR_FACTS * facts[1], f"facts {facts[0]}/{facts[1]}"
    assert silent[0] <= BAR_SILENT * silent[1], f"logs with a failure and no categorised finding: {silent[0]}/{silent[1]}"
