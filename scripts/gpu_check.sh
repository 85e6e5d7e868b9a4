#!/usr/bin/env bash
# Prove tflog's confirmation probes on a real GPU stack (docs/gpu-check.md).
#
#   scripts/gpu_check.sh [OUTDIR]     run everything; OUTDIR defaults to ${OUT:-./gpu_check_out}
#   scripts/gpu_check.sh --list-cases the cases as JSON (id, probe, log, rule, expected verdict)
#
# Runs `tflog doctor --format json`, then each case: `tflog analyze --confirm --format json` on a
# small log of scripts/gpu_check_logs/ (versions, library names and sizes adapted to this machine),
# in the environment the case needs (LD_LIBRARY_PATH with one library hidden, CUDA_VISIBLE_DEVICES=-1,
# another process holding the GPU's memory, ...), and records expected and actual verdicts in
# OUTDIR/summary.json and OUTDIR/summary.md (plus doctor.json and gpu_check.log).
#
# Needs no network and installs nothing: tflog runs from this working tree (PYTHONPATH + python -m
# analyzer). Missing rapidfuzz/hyperscan are installed from .whl/ into a temporary folder when wheels
# are there. Without a GPU every case is reported as skipped ("no GPU") and the exit status is 0.
# Exit status: 0 no case gave a wrong verdict, 1 some did, 2 the check itself could not run.
# Settings: GPU_CHECK_PYTHON (interpreter), GPU_CHECK_BUDGET (seconds for the whole run, default 330),
# GPU_CHECK_HOG_LEAVE_MB (memory the hog leaves free in the "nearly full" cases, default 1536).
set -uo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd) || exit 2
BUDGET=${GPU_CHECK_BUDGET:-330}

PY=${GPU_CHECK_PYTHON:-}
if [ -z "$PY" ]; then
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null 2>&1; then PY=$candidate; break; fi
    done
fi
if [ -z "$PY" ]; then
    echo "gpu_check: no python3 on PATH (set GPU_CHECK_PYTHON)" >&2
    exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tflog-gpu-check.XXXXXX") || exit 2
cleanup() {
    # the memory hog runs in a process group of its own, started by this script (see run_hog)
    if [ -s "$WORK/hog.pid" ]; then
        hog=$(cat "$WORK/hog.pid")
        kill -KILL -- "-$hog" 2>/dev/null
    fi
    rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$WORK/gpu_check.py" <<'PYEOF'
"""The driver of scripts/gpu_check.sh (extracted there into a temporary folder and run)."""
import argparse
import datetime
import glob
import importlib
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import site
import subprocess
import sys
import time

MIB = 1 << 20
GIB = 1 << 30
STATUSES = ("confirmed", "refuted", "inconclusive", "skipped")

# id, probe, log (scripts/gpu_check_logs/), rule the log is diagnosed with (whose probe runs),
# expected verdict (None: observed only), hog (None | "full" | "nearly_full"), what it checks.
CASES = [
    dict(id="library_all_present", probe="library", log="library_missing.log", rule="cudnn-dso-load-failed",
         expected="refuted",
         what="The log's cudart, cuBLAS and cuDNN names are replaced by the ones on this machine; "
              "LD_LIBRARY_PATH starts with a folder of links to all their files: every library loads now."),
    dict(id="library_one_hidden", probe="library", log="library_missing.log", rule="cudnn-dso-load-failed",
         expected="confirmed",
         what="The same, but the folder of links lacks one library (cuDNN, else cuBLAS, else cudart: the first "
              "that no other search path provides) and LD_LIBRARY_PATH drops the folders that hold it: it still "
              "fails to load. Where every library loads from the linker cache, the log's own name of a major "
              "version absent here (libcudnn.so.8 beside cuDNN 9) is kept instead."),
    dict(id="cudnn_version_compatible", probe="cudnn_version", log="cudnn_version_mismatch.log",
         rule="cudnn-version-mismatch", expected="refuted",
         what="The log says TensorFlow was compiled with this machine's cuDNN major.minor.0 and had loaded an "
              "older one: the cuDNN that loads now is compatible."),
    dict(id="cudnn_version_too_old", probe="cudnn_version", log="cudnn_version_mismatch.log",
         rule="cudnn-version-mismatch", expected="confirmed",
         what="The log says TensorFlow was compiled with cuDNN major.(minor+1).0: the cuDNN that loads here is "
              "older than that."),
    dict(id="cuda_version_matching", probe="cuda_version", log="cudart_symbol_not_found.log",
         rule="linkage-cudart-symbol-not-found", expected="refuted",
         what="The pasted build info says CUDA = this machine's libcudart version: it loads and matches."),
    dict(id="cuda_version_other_major", probe="cuda_version", log="cudart_symbol_not_found.log",
         rule="linkage-cudart-symbol-not-found", expected="confirmed",
         what="The build info names an older CUDA major whose libcudart is not here: the runtime that loads "
              "does not match."),
    dict(id="driver_gpu_visible", probe="driver", log="driver_cuinit_no_device.log", rule="driver-cuinit-failed",
         expected="refuted",
         what="The log's cuInit failed with CUDA_ERROR_NO_DEVICE; here cuInit works and the GPU is listed."),
    dict(id="driver_gpus_hidden", probe="driver", log="driver_cuinit_no_device.log", rule="driver-cuinit-failed",
         expected="confirmed", env={"CUDA_VISIBLE_DEVICES": "-1"},
         what="The same with CUDA_VISIBLE_DEVICES=-1: cuInit fails with CUDA_ERROR_NO_DEVICE, as in the log."),
    dict(id="cudnn_handle_idle_gpu", probe="cudnn_handle", log="cudnn_handle_internal_error.log",
         rule="cudnn-handle-create-failed", expected="refuted",
         what="Could not create cudnn handle: on an idle GPU cudnnCreate succeeds."),
    dict(id="gpu_alloc_fits", probe="gpu_alloc", log="gpu_alloc_out_of_memory.log", rule="oom-gpu-cuda-out-of-memory",
         expected="refuted",
         what="failed to allocate 3.45G from device: on an idle GPU the same cuMemAlloc succeeds."),
    dict(id="gpu_alloc_larger_than_gpu", probe="gpu_alloc", log="gpu_alloc_out_of_memory.log",
         rule="oom-gpu-cuda-out-of-memory", expected="confirmed",
         what="The request is rewritten to the card's total memory + 16 GiB: cuMemAlloc fails with "
              "CUDA_ERROR_OUT_OF_MEMORY."),
    dict(id="gpu_alloc_tensor_oom_fits", probe="gpu_alloc", log="gpu_oom_allocating_tensor.log",
         rule="oom-gpu-allocating-tensor", expected="refuted",
         what="OOM when allocating tensor with shape[64,256,56,56] (196 MiB): on an idle GPU 196 MiB can be "
              "allocated. The finding states the bytes only as oom_requested_bytes."),
    dict(id="cudnn_handle_gpu_full", probe="cudnn_handle", log="cudnn_handle_internal_error.log",
         rule="cudnn-handle-create-failed", expected="confirmed", hog="full",
         what="Another process (PyTorch) holds almost all GPU memory: the handle failure is reproducible now."),
    dict(id="gpu_alloc_gpu_full", probe="gpu_alloc", log="gpu_alloc_out_of_memory.log",
         rule="oom-gpu-cuda-out-of-memory", expected="confirmed", hog="full",
         what="Another process holds almost all GPU memory: the 3.45G allocation fails now."),
    dict(id="gpu_alloc_gpu_nearly_full", probe="gpu_alloc", log="gpu_alloc_out_of_memory.log",
         rule="oom-gpu-cuda-out-of-memory", expected="confirmed", hog="nearly_full",
         what="The other process leaves about 1.5 GiB free (room for the probe's own CUDA context): a request "
              "larger than that but smaller than the card fails with CUDA_ERROR_OUT_OF_MEMORY."),
    dict(id="cudnn_handle_gpu_nearly_full", probe="cudnn_handle", log="cudnn_handle_internal_error.log",
         rule="cudnn-handle-create-failed", expected=None, hog="nearly_full",
         what="Observation, no expected verdict: does cudnnCreate fail with about 1.5 GiB free?"),
]

FAMILIES = ("cudart", "cublas", "cudnn")
SONAME_RE = {
    "cudart": re.compile(r"^libcudart\.so\.\d+(?:\.\d+)*$"),
    "cublas": re.compile(r"^libcublas\.so\.\d+(?:\.\d+)*$"),
    "cudnn": re.compile(r"^libcudnn\.so\.\d+(?:\.\d+)*$"),
}
HIDE_RE = {  # every file of the family, sub-libraries included
    "cudart": re.compile(r"^libcudart\.so"),
    "cublas": re.compile(r"^libcublas(?:Lt)?\.so"),
    "cudnn": re.compile(r"^libcudnn"),
}
CUDA_LIB_RE = re.compile(r"^lib(?:cu|nv)\w*\.so")  # what the folder of links holds: CUDA/NVIDIA libraries only
LOG_SONAME = {"cudart": "libcudart.so.11.0", "cublas": "libcublas.so.11", "cudnn": "libcudnn.so.8"}
FAMILY_RULE = {"cudart": "linkage-cudart-missing", "cublas": "linkage-dlopen-cuda-library", "cudnn": "cudnn-dso-load-failed"}
LOG_ALLOC_BYTES = 3709204480  # "failed to allocate 3.45G (3709204480 bytes)" in gpu_alloc_out_of_memory.log

DETECT = r'''
import ctypes, json, os
out = {}
try:
    lib = ctypes.CDLL("libcuda.so.1")
except OSError as e:
    out["error"] = "libcuda.so.1 does not load (%s)" % e
else:
    v = ctypes.c_int()
    if lib.cuDriverGetVersion(ctypes.byref(v)) == 0 and v.value:
        out["driver_cuda_version"] = "%d.%d" % (v.value // 1000, v.value % 1000 // 10)
    rc = lib.cuInit(0)
    out["cuinit_rc"] = rc
    if rc == 0:
        n = ctypes.c_int()
        out["count_rc"] = lib.cuDeviceGetCount(ctypes.byref(n))
        out["device_count"] = n.value
    else:
        out["error"] = "cuInit failed with CUresult %d" % rc
print(json.dumps(out), flush=True)
os._exit(0)
'''

VERSIONS = r'''
import ctypes, json, os, sys
out = {}
for fam, path in json.loads(sys.argv[1]).items():
    try:
        lib = ctypes.CDLL(path)
        if fam == "cudnn":
            lib.cudnnGetVersion.restype = ctypes.c_size_t
            v = int(lib.cudnnGetVersion())
            out[fam] = ("%d.%d.%d" % (v // 10000, v // 100 % 100, v % 100)) if v >= 90000 else ("%d.%d.%d" % (v // 1000, v // 100 % 10, v % 100))
        elif fam == "cudart":
            v = ctypes.c_int()
            lib.cudaRuntimeGetVersion(ctypes.byref(v))
            out[fam] = "%d.%d" % (v.value // 1000, v.value % 1000 // 10)
    except Exception as e:
        out[fam + "_error"] = str(e)
print(json.dumps(out), flush=True)
os._exit(0)
'''

HOG = r'''
"""Hold (almost) all free memory of GPU 0 until killed or lifetime runs out (tflog gpu_check)."""
import json, os, sys, time
ready, release, lifetime, leave = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
MIB, GIB = 1 << 20, 1 << 30
deadline = time.time() + lifetime
info = {"pid": os.getpid()}

def write(path, data):
    with open(path + ".tmp", "w") as f:
        json.dump(data, f)
    os.replace(path + ".tmp", path)

def wait_release():
    while time.time() < deadline and not os.path.exists(release):
        time.sleep(0.1)
    return os.path.exists(release)

try:
    import torch
except ImportError:
    torch = None

try:
    if torch is not None:
        if not torch.cuda.is_available():
            raise RuntimeError("PyTorch %s sees no GPU" % torch.__version__)
        free0, total = torch.cuda.mem_get_info(0)
        held, chunk, taken = [], GIB, 0
        while chunk >= MIB:
            try:
                held.append(torch.empty(chunk, dtype=torch.uint8, device="cuda:0"))
                taken += chunk
            except RuntimeError:  # torch.cuda.OutOfMemoryError
                chunk //= 2
        torch.cuda.synchronize()
        info.update(method="torch " + torch.__version__, total=total, free_before=free0, taken=taken,
                    free_full=torch.cuda.mem_get_info(0)[0])
        write(ready, info)
        if wait_release():
            released = 0
            while held and torch.cuda.mem_get_info(0)[0] < leave:
                t = held.pop(0)  # the 1 GiB blocks came first
                released += t.numel()
                del t
                torch.cuda.empty_cache()
            info.update(released=released, free_nearly_full=torch.cuda.mem_get_info(0)[0])
            write(ready + ".2", info)
    else:
        import ctypes
        cu = ctypes.CDLL("libcuda.so.1")
        szp = ctypes.POINTER(ctypes.c_size_t)
        cu.cuMemGetInfo_v2.argtypes = [szp, szp]
        cu.cuMemAlloc_v2.argtypes = [ctypes.POINTER(ctypes.c_uint64), ctypes.c_size_t]
        cu.cuMemFree_v2.argtypes = [ctypes.c_uint64]
        cu.cuDevicePrimaryCtxRetain.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int]
        cu.cuCtxSetCurrent.argtypes = [ctypes.c_void_p]
        rc = cu.cuInit(0)
        if rc:
            raise RuntimeError("cuInit failed with %d" % rc)
        dev, ctx = ctypes.c_int(), ctypes.c_void_p()
        cu.cuDeviceGet(ctypes.byref(dev), 0)
        if cu.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev) or cu.cuCtxSetCurrent(ctx):
            raise RuntimeError("no CUDA context on GPU 0")

        def mem():
            f, t = ctypes.c_size_t(), ctypes.c_size_t()
            cu.cuMemGetInfo_v2(ctypes.byref(f), ctypes.byref(t))
            return f.value, t.value

        free0, total = mem()
        held, chunk, taken = [], GIB, 0
        while chunk >= MIB:
            p = ctypes.c_uint64()
            if taken + chunk <= total and cu.cuMemAlloc_v2(ctypes.byref(p), chunk) == 0:
                held.append((chunk, p.value))
                taken += chunk
            else:
                chunk //= 2
        info.update(method="ctypes cuMemAlloc_v2 (PyTorch is not installed)", total=total, free_before=free0,
                    taken=taken, free_full=mem()[0])
        write(ready, info)
        if wait_release():
            released = 0
            while held and mem()[0] < leave:
                size, ptr = held.pop(0)
                cu.cuMemFree_v2(ptr)
                released += size
            info.update(released=released, free_nearly_full=mem()[0])
            write(ready + ".2", info)
except Exception as e:
    info["error"] = "%s: %s" % (type(e).__name__, e)
    write(ready, info)
    sys.exit(1)
while time.time() < deadline:
    time.sleep(0.5)
'''


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def vtuple(v):
    nums = re.findall(r"\d+", str(v or ""))
    return tuple(int(n) for n in nums[:3]) if nums else None


def human(n):
    if n is None:
        return "unknown"
    return "%.2f GiB" % (n / GIB) if n >= GIB else "%.0f MiB" % (n / MIB)


class Check:
    def __init__(self, args):
        self.root = args.root
        self.out = args.out
        self.work = args.work
        self.logs = os.path.join(self.root, "scripts", "gpu_check_logs")
        self.start = time.monotonic()
        self.deadline = self.start + args.budget
        self.py = sys.executable
        self.tmp_counter = 0
        self.summary = {
            "schema": "tflog-gpu-check/1",
            "started": utcnow(),
            "finished": None,
            "seconds": None,
            "budget_seconds": args.budget,
            "notes": [],
            "gpu": {},
            "machine": {},
            "tflog": {},
            "doctor": {},
            "stack": {},
            "hog": None,
            "cases": [],
            "totals": {},
        }
        self.doctor = None
        self.stack = {}
        self.hog_proc = None

    # ------------------------------------------------------------ plumbing

    def say(self, msg):
        print("[gpu_check %5.1fs] %s" % (time.monotonic() - self.start, msg), flush=True)

    def note(self, msg):
        self.summary["notes"].append(msg)
        self.say("note: " + msg)

    def left(self):
        return self.deadline - time.monotonic()

    def limit(self, cap):
        """Seconds a step may take: cap, or what is left of the budget minus a reserve; None when too little."""
        t = min(cap, self.left() - 10)
        return t if t >= 5 else None

    def run(self, cmd, timeout, env=None, cwd=None):
        t0 = time.monotonic()
        try:
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                                 start_new_session=True)
        except OSError as e:
            return {"rc": None, "stdout": "", "stderr": str(e), "seconds": 0.0, "timed_out": False}
        try:
            out, err = p.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)  # the group this call started
            except OSError:
                pass
            out, err = p.communicate()
            timed_out = True
        return {
            "rc": p.returncode,
            "stdout": out.decode("utf-8", "replace"),
            "stderr": err.decode("utf-8", "replace"),
            "seconds": round(time.monotonic() - t0, 2),
            "timed_out": timed_out,
        }

    def tflog(self, *args, timeout, env=None):
        return self.run([self.py, "-m", "analyzer", *args], timeout, env=env, cwd=self.work)

    def save(self):
        s = self.summary
        s["seconds"] = round(time.monotonic() - self.start, 1)
        totals = {"cases": len(s["cases"]), "right": 0, "wrong": 0, "not_run": 0, "observed": 0}
        for c in s["cases"]:
            if not c.get("ran"):
                totals["not_run"] += 1
            elif c.get("right") is True:
                totals["right"] += 1
            elif c.get("right") is False:
                totals["wrong"] += 1
            else:
                totals["observed"] += 1
        s["totals"] = totals
        path = os.path.join(self.out, "summary.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(s, f, indent=2, default=str)
            f.write("\n")
        os.replace(path + ".tmp", path)
        with open(os.path.join(self.out, "summary.md"), "w", encoding="utf-8") as f:
            f.write(render_markdown(s))

    # ------------------------------------------------------------ the machine

    def machine(self):
        m = {
            "hostname": platform.node(),
            "kernel": platform.release(),
            "arch": platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "python_executable": sys.executable,
            "ld_library_path": os.environ.get("LD_LIBRARY_PATH", ""),
            "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        }
        if shutil.which("nvidia-smi"):
            r = self.run(["nvidia-smi", "--query-gpu=index,name,driver_version,memory.total,memory.used,memory.free",
                          "--format=csv,noheader,nounits"], 30)
            m["nvidia_smi_rc"] = r["rc"]
            gpus = []
            for line in r["stdout"].splitlines():
                parts = [p.strip() for p in line.split(",")]
                if len(parts) == 6:
                    gpus.append(dict(zip(("index", "name", "driver_version", "memory_total_mib", "memory_used_mib",
                                          "memory_free_mib"), parts)))
            m["nvidia_smi_gpus"] = gpus
            if gpus:
                m["driver_version"] = gpus[0]["driver_version"]
            r = self.run(["nvidia-smi"], 30)
            mm = re.search(r"CUDA Version:\s*([\d.]+)", r["stdout"])
            if mm:
                m["nvidia_smi_cuda_version"] = mm.group(1)
        else:
            m["nvidia_smi"] = "not on PATH"
        try:
            with open("/proc/driver/nvidia/version") as f:
                m["kernel_module"] = f.readline().strip()
        except OSError as e:
            m["kernel_module"] = "unreadable (%s)" % e.strerror
        nvcc = shutil.which("nvcc") or next((p for p in sorted(glob.glob("/usr/local/cuda*/bin/nvcc"))), None)
        if nvcc:
            r = self.run([nvcc, "--version"], 20)
            lines = [l for l in r["stdout"].splitlines() if l.strip()]
            m["nvcc"] = "%s: %s" % (nvcc, lines[-1] if lines else "no output")
        try:
            from importlib import metadata
        except ImportError:
            metadata = None
        pkgs = {}
        for name in ("torch", "jax", "jaxlib", "tensorflow", "nvidia-cudnn-cu13", "nvidia-cudnn-cu12", "nvidia-cublas",
                     "nvidia-cublas-cu12", "nvidia-cuda-runtime", "nvidia-cuda-runtime-cu12", "rapidfuzz", "hyperscan",
                     "regex", "rich", "PyYAML", "typer"):
            try:
                pkgs[name] = metadata.version(name) if metadata else None
            except Exception:
                pass
        m["packages"] = pkgs
        self.summary["machine"] = m

    def detect_gpu(self):
        g = {"present": False}
        r = self.run([self.py, "-c", DETECT], 45)
        try:
            d = json.loads(r["stdout"].strip().splitlines()[-1])
        except (ValueError, IndexError):
            d = {"error": "the libcuda check %s (rc %s): %s" % (
                "timed out" if r["timed_out"] else "failed", r["rc"], r["stderr"].strip()[-300:])}
        g.update(d)
        g["present"] = bool(d.get("device_count"))
        if not g["present"]:
            why = d.get("error") or "the driver reports no device"
            if "nvidia_smi" in self.summary["machine"]:
                why = "nvidia-smi is not on PATH; " + why
            g["why"] = why
        self.summary["gpu"] = g
        self.say("GPU: %s" % ("%d device(s), driver CUDA %s" % (d.get("device_count"), d.get("driver_cuda_version"))
                              if g["present"] else "none (%s)" % g["why"]))
        return g["present"]

    def tflog_info(self):
        t = {"root": self.root, "how": "PYTHONPATH=%s %s -m analyzer (nothing installed)" % (self.root, self.py)}
        r = self.tflog("--version", timeout=60)
        t["version"] = r["stdout"].strip() or None
        if r["rc"] != 0:
            t["error"] = (r["stderr"].strip() or "rc %s" % r["rc"])[-500:]
        deps = os.path.join(self.work, "deps.txt")
        if os.path.exists(deps):
            with open(deps) as f:
                t["dependencies"] = [l.strip() for l in f if l.strip()]
        self.summary["tflog"] = t
        if importlib.util.find_spec("tensorflow") is not None:
            self.note("A tensorflow package is on this Python's path: the cudnn_version, cuda_version and driver "
                      "probes then compare with its build instead of the log, so the expected verdicts (which assume "
                      "no TensorFlow, as on the GPU machine) may not apply.")
        return r["rc"] == 0

    def run_doctor(self):
        d = {"command": "tflog doctor --format json --timeout 20"}
        limit = self.limit(150)
        if limit is None:
            d["error"] = "out of time"
            self.summary["doctor"] = d
            return
        self.say("running tflog doctor --format json")
        r = self.tflog("doctor", "--format", "json", "--timeout", "20", timeout=limit)
        d.update(rc=r["rc"], seconds=r["seconds"], timed_out=r["timed_out"])
        with open(os.path.join(self.out, "doctor.json"), "w", encoding="utf-8") as f:
            f.write(r["stdout"])
        try:
            out = json.loads(r["stdout"])
            d["valid_json"] = True
            d["output"] = out
            self.doctor = out
            d["verdict"] = out.get("verdict")
        except ValueError as e:
            d["valid_json"] = False
            d["error"] = "not JSON (%s); stderr: %s" % (e, r["stderr"].strip()[-800:])
        self.summary["doctor"] = d
        self.say("doctor: rc %s, %ss, verdict %s" % (r["rc"], r["seconds"], d.get("verdict")))

    # ------------------------------------------------------------ the CUDA libraries here

    def wheel_lib_dirs(self):
        dirs = []
        for sub in ("cudnn", "cublas", "cuda_runtime", "cuda_nvrtc", "cufft", "curand", "cusolver", "cusparse",
                    "nvjitlink", "cu13", "cu12"):
            try:
                mod = importlib.import_module("nvidia." + sub)
            except Exception:
                continue
            bases = [os.path.dirname(mod.__file__)] if getattr(mod, "__file__", None) else list(
                getattr(mod, "__path__", None) or [])
            for b in bases:
                if os.path.isdir(os.path.join(b, "lib")):
                    dirs.append(os.path.join(b, "lib"))
        sps = []
        try:
            sps += site.getsitepackages()
        except AttributeError:
            pass
        sps += [p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
        for sp in sps:
            dirs += sorted(glob.glob(os.path.join(sp, "nvidia", "*", "lib")))
        return list(dict.fromkeys(os.path.abspath(d) for d in dirs))

    def ldconfig(self):
        exe = shutil.which("ldconfig") or next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)),
                                               None)
        if not exe:
            return []
        r = self.run([exe, "-p"], 20, env={**os.environ, "LC_ALL": "C"})
        pairs = []
        for line in r["stdout"].splitlines():
            mm = re.match(r"\s*(\S+)\s+\(.*\)\s+=>\s+(\S+)", line)
            if mm:
                pairs.append((mm.group(1), mm.group(2)))
        return pairs

    def discover(self):
        st = {"wheel_lib_dirs": self.wheel_lib_dirs(), "files": {f: [] for f in FAMILIES}, "chosen": {}}
        ld = self.ldconfig()
        st["ldconfig_entries"] = [{"soname": s, "path": p} for s, p in ld if re.match(r"lib(cudart|cublas|cudnn|cuda)\.", s)]
        dirs = [(d, "LD_LIBRARY_PATH") for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
        dirs += [(d, "pip wheel") for d in st["wheel_lib_dirs"]]
        for pat in ("/usr/local/cuda*/lib64", "/usr/local/cuda*/lib", "/usr/local/cuda*/targets/*/lib"):
            dirs += [(d, "CUDA toolkit") for d in sorted(glob.glob(pat))]
        dirs += [(os.path.dirname(p), "ldconfig") for s, p in ld]
        seen = set()
        for d, source in dirs:
            try:
                names = sorted(os.listdir(d))
            except OSError:
                continue
            for name in names:
                for fam in FAMILIES:
                    if SONAME_RE[fam].match(name):
                        path = os.path.join(d, name)
                        real = os.path.realpath(path)
                        if (fam, path) in seen or not os.path.exists(real):
                            continue
                        seen.add((fam, path))
                        st["files"][fam].append({"file": name, "path": path, "realpath": real, "source": source})
        # the library tflog doctor loads for each family (its order: newest soname first), else the newest found
        libs = {l.get("component"): l for l in (self.doctor or {}).get("libraries") or []}
        for fam in FAMILIES:
            loaded = [e for e in (libs.get(fam) or {}).get("loaded") or [] if e.get("path")]
            if loaded:
                e = loaded[0]
                st["chosen"][fam] = {"name": e["name"], "path": e["path"], "realpath": e.get("realpath") or e["path"],
                                     "version": e.get("version"), "via": e.get("via"), "from": "tflog doctor",
                                     "all_loaded": [x.get("name") for x in loaded]}
                continue
            exact = [f for f in st["files"][fam] if re.fullmatch(r"lib\w+\.so\.\d+", f["file"])
                     or f["file"] == "libcudart.so.11.0"]
            exact.sort(key=lambda f: vtuple(f["file"].split(".so.", 1)[1]) or (0,), reverse=True)
            if exact:
                f = exact[0]
                st["chosen"][fam] = {"name": f["file"], "path": f["path"], "realpath": f["realpath"], "version": None,
                                     "via": f["source"], "from": "file search",
                                     "all_loaded": sorted({x["file"] for x in exact})}
        missing = {f: c["path"] for f, c in st["chosen"].items() if not c.get("version") and f in ("cudart", "cudnn")}
        if missing:
            r = self.run([self.py, "-c", VERSIONS, json.dumps(missing)], 60)
            try:
                got = json.loads(r["stdout"].strip().splitlines()[-1])
            except (ValueError, IndexError):
                got = {}
            for fam in missing:
                st["chosen"][fam]["version"] = got.get(fam)
                if got.get(fam + "_error"):
                    st["chosen"][fam]["version_error"] = got[fam + "_error"]
        st["cudnn_found"] = st["chosen"].get("cudnn")
        self.stack = st
        self.summary["stack"] = st
        for fam in FAMILIES:
            c = st["chosen"].get(fam)
            self.say("%s: %s" % (fam, "%s %s (%s)" % (c["name"], c.get("version") or "", c["realpath"]) if c else "not found"))

    def gpu_memory(self):
        """(free, total) bytes of GPU 0 from tflog doctor, else nvidia-smi."""
        gpus = (self.doctor or {}).get("gpus") or []
        if gpus and gpus[0].get("memory_total"):
            return gpus[0].get("memory_free"), gpus[0]["memory_total"]
        smi = self.summary["machine"].get("nvidia_smi_gpus") or []
        try:
            return int(smi[0]["memory_free_mib"]) * MIB, int(smi[0]["memory_total_mib"]) * MIB
        except (IndexError, KeyError, ValueError):
            return None, None

    # ------------------------------------------------------------ case set-up

    def tmpdir(self, name):
        self.tmp_counter += 1
        d = os.path.join(self.work, "%02d-%s" % (self.tmp_counter, name))
        os.makedirs(d)
        return d

    def link_dir(self, hide=None):
        """A folder of links to every CUDA library in the folders of the chosen cudart/cuBLAS/cuDNN (a library's
        dependencies, libcublasLt beside libcublas, are found through the same folder), and LD_LIBRARY_PATH with
        it first; with `hide`, without that family's files and without the folders of LD_LIBRARY_PATH holding them."""
        d = self.tmpdir("libs-without-" + hide if hide else "libs-all")
        sources = []
        for fam in FAMILIES:
            c = self.stack["chosen"][fam]
            sources += [os.path.dirname(c["path"]), os.path.dirname(c["realpath"])]
        n = 0
        for src in dict.fromkeys(sources):
            for name in sorted(os.listdir(src)):
                if not CUDA_LIB_RE.match(name) or (hide and HIDE_RE[hide].match(name)) \
                        or os.path.lexists(os.path.join(d, name)):
                    continue
                os.symlink(os.path.join(src, name), os.path.join(d, name))
                n += 1
        keep = []
        for entry in os.environ.get("LD_LIBRARY_PATH", "").split(":"):
            if not entry:
                continue
            if hide:
                try:
                    if any(HIDE_RE[hide].match(x) for x in os.listdir(entry)):
                        continue
                except OSError:
                    pass
            keep.append(entry)
        return d, n, ":".join([d] + keep)

    def loads(self, soname, ld_path):
        r = self.run([self.py, "-c", "import ctypes, sys; ctypes.CDLL(sys.argv[1])", soname], 60,
                     env={**os.environ, "LD_LIBRARY_PATH": ld_path})
        return r["rc"] == 0, (r["stderr"].strip().splitlines() or [""])[-1]

    def setup(self, case):
        """Returns (log text, env changes, setup facts) or raises Skip."""
        with open(os.path.join(self.logs, case["log"]), encoding="utf-8") as f:
            text = f.read()
        cid, env, info = case["id"], dict(case.get("env") or {}), {}
        chosen = self.stack.get("chosen", {})
        if case["probe"] == "library":
            missing = [f for f in FAMILIES if f not in chosen]
            if missing:
                raise Skip("no %s found on this machine to test" % " / ".join(missing))
            original = text
            for fam in FAMILIES:
                text = re.sub(re.escape(LOG_SONAME[fam]) + r"(?![\w.])", chosen[fam]["name"], text)
            info["libraries"] = {f: chosen[f]["name"] for f in FAMILIES}
            if cid == "library_all_present":
                d, n, ld = self.link_dir()
                bad = [(f, why) for f in FAMILIES for ok, why in [self.loads(chosen[f]["name"], ld)] if not ok]
                if bad:
                    raise Skip("set-up failed: with links to all files %s still does not load (%s)" % bad[0])
            else:
                tried = []
                for fam in ("cudnn", "cublas", "cudart"):
                    d, n, ld = self.link_dir(hide=fam)
                    ok, why = self.loads(chosen[fam]["name"], ld)
                    if not ok:
                        info["hidden"] = chosen[fam]["name"]
                        case["rule"] = FAMILY_RULE[fam]
                        case["focus_library"] = chosen[fam]["name"]
                        break
                    tried.append("%s loads from outside LD_LIBRARY_PATH" % chosen[fam]["name"])
                else:
                    # Every library loads from the linker cache (an image with CUDA in ld.so.conf): then keep
                    # the log's own name for a family whose major version is absent here (libcudnn.so.8 on a
                    # cuDNN 9 machine), which is the same "still fails to load" in a real environment.
                    d, n, ld = self.link_dir()
                    for fam in ("cudnn", "cublas", "cudart"):
                        ok, why = self.loads(LOG_SONAME[fam], ld)
                        if not ok:
                            text = original
                            for other in FAMILIES:
                                if other != fam:
                                    text = re.sub(re.escape(LOG_SONAME[other]) + r"(?![\w.])", chosen[other]["name"], text)
                            info["libraries"][fam] = LOG_SONAME[fam]
                            info["absent_major"] = LOG_SONAME[fam]
                            case["rule"] = FAMILY_RULE[fam]
                            case["focus_library"] = LOG_SONAME[fam]
                            break
                        tried.append("%s (the log's) loads here too" % LOG_SONAME[fam])
                    else:
                        raise Skip("no library can be hidden with LD_LIBRARY_PATH: " + "; ".join(tried))
                if tried:
                    info["not_hideable"] = tried
            info["links"] = n
            env["LD_LIBRARY_PATH"] = ld
        elif case["probe"] == "cudnn_version":
            c = chosen.get("cudnn")
            t = vtuple(c and c.get("version"))
            if not t or len(t) < 2:
                raise Skip("no cuDNN with a known version found here (%s)" % (c or "none"))
            major, minor = t[0], t[1]
            if cid == "cudnn_version_compatible":
                compiled = "%d.%d.0" % (major, minor)
                runtime = "%d.%d.0" % (major, minor - 1) if minor > 0 else "%d.9.0" % (major - 1)
            else:
                compiled = "%d.%d.0" % (major, minor + 1)
                runtime = ".".join(map(str, t))
            text = re.sub(r"(Loaded runtime CuDNN library: )\d+(?:\.\d+)*( but source was compiled with: )\d+(?:\.\d+)*",
                          lambda m: m.group(1) + runtime + m.group(2) + compiled, text)
            info.update(cudnn_here=c["version"], cudnn_compiled_in_log=compiled, cudnn_runtime_in_log=runtime)
        elif case["probe"] == "cuda_version":
            c = chosen.get("cudart")
            t = vtuple(c and c.get("version"))
            if not t or len(t) < 2:
                raise Skip("no CUDA runtime with a known version found here (%s)" % (c or "none"))
            if cid == "cuda_version_matching":
                want = "%d.%d" % t[:2]
            else:
                present = set(c.get("all_loaded") or []) | {f["file"] for f in self.stack["files"]["cudart"]}
                others = [x for x in range(t[0] - 1, max(t[0] - 4, 9), -1)
                          if not any(p.startswith("libcudart.so.%d" % x) for p in present)]
                if not others:
                    raise Skip("every older CUDA runtime major is installed here too")
                want = "%d.2" % others[0]
            text = re.sub(r"('cuda_version': ')[\d.]+(')", lambda m: m.group(1) + want + m.group(2), text)
            info.update(cudart_here=c["version"], cuda_version_in_log=want)
        elif case["probe"] == "gpu_alloc" and case["log"] == "gpu_alloc_out_of_memory.log":
            free, total = self.gpu_memory()
            if case.get("hog") == "full":
                want = max(LOG_ALLOC_BYTES, (self.hog_info.get("free_full") or 0) + 512 * MIB)
            elif case.get("hog") == "nearly_full":
                want = max(LOG_ALLOC_BYTES, (self.hog_info.get("free_nearly_full") or 0) + GIB)
            elif cid == "gpu_alloc_fits":
                if free is None:
                    raise Skip("the GPU's free memory is unknown (tflog doctor and nvidia-smi gave none)")
                want = LOG_ALLOC_BYTES if LOG_ALLOC_BYTES * 2 < free else (free // 4) // MIB * MIB
            else:
                if total is None:
                    raise Skip("the GPU's memory size is unknown (tflog doctor and nvidia-smi gave none)")
                want = max(total, free or 0) + 16 * GIB
            if case.get("hog"):
                total_ = self.hog_info.get("total") or total or 0
                if want >= total_:
                    raise Skip("the memory hog left too much memory free: no request is both larger than what is "
                               "free and smaller than the card (%s)" % human(total_))
            text = re.sub(r"failed to allocate [\d.]+\s?[KMGTP]?i?B? \(\d+ bytes\)",
                          "failed to allocate %.2fG (%d bytes)" % (want / GIB, want), text)
            text = re.sub(r"ran out of memory trying to allocate [\d.]+[KMGTP]?i?B",
                          "ran out of memory trying to allocate %.2fGiB" % (want / GIB), text)
            info.update(requested_bytes=want, gpu_memory_free=free, gpu_memory_total=total)
        return text, env, info

    # ------------------------------------------------------------ one case

    def run_case(self, case, no_run_reason=None):
        rec = {k: case.get(k) for k in ("id", "probe", "log", "rule", "expected", "hog", "what")}
        rec.update(ran=False, got="skipped", right=None)
        self.summary["cases"].append(rec)
        if no_run_reason:
            rec["reason"] = no_run_reason
            self.save()
            return
        limit = self.limit(90)
        if limit is None:
            rec["reason"] = "out of time (the whole run may take %ss)" % self.summary["budget_seconds"]
            self.save()
            return
        try:
            text, env, info = self.setup(case)
        except Skip as e:
            rec["reason"] = str(e)
            self.say("%-30s skipped: %s" % (case["id"], e))
            self.save()
            return
        except Exception as e:  # a bug in this script: say so, go on with the next case
            rec.update(got="error", reason="set-up failed: %s: %s" % (type(e).__name__, e))
            self.save()
            return
        rec["rule"] = case["rule"]
        rec["setup"] = info
        rec["env"] = env
        rec["log_text"] = text
        path = os.path.join(self.tmpdir(case["id"]), case["log"])
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        r = self.tflog("analyze", "--confirm", "--format", "json", path, timeout=self.limit(90) or 5,
                       env={**os.environ, **env})
        rec.update(ran=True, seconds=r["seconds"], tflog_rc=r["rc"])
        if r["stderr"].strip():
            rec["tflog_stderr"] = r["stderr"].strip()[-1500:]
        try:
            report = json.loads(r["stdout"])
        except ValueError:
            rec.update(got="error", reason="tflog analyze --confirm %s (rc %s)" % (
                "timed out" if r["timed_out"] else "gave no JSON report", r["rc"]))
            self.say("%-30s error: %s" % (case["id"], rec["reason"]))
            self.save()
            return
        findings = report.get("findings") or []
        rec["findings"] = [
            {"rule_id": f.get("rule_id"), "severity": f.get("severity"), "probe": (f.get("confirmation") or {}).get("probe"),
             "status": (f.get("confirmation") or {}).get("status"),
             "detail": (f.get("confirmation") or {}).get("detail")}
            for f in findings
        ]
        target = [f for f in findings if f.get("rule_id") == case["rule"]]
        if case.get("focus_library"):
            target.sort(key=lambda f: (f.get("facts") or {}).get("library") != case["focus_library"])
        if not target:
            rec.update(got="error", reason="the log was not diagnosed as %s (findings: %s)" % (
                case["rule"], ", ".join(f.get("rule_id", "?") for f in findings) or "none"))
        elif not target[0].get("confirmation"):
            rec.update(got="error", reason="%s has no confirmation (severity %s)" % (case["rule"], target[0].get("severity")))
        else:
            conf = target[0]["confirmation"]
            got = conf.get("status")
            rec.update(rule_found=True, got=got, detail=conf.get("detail"), probe_ran=conf.get("probe"),
                       probe_seconds=conf.get("seconds"), confirmation=conf)
            obs = conf.get("observed") or {}
            for k in ("memory_free", "memory_total", "alloc_error", "error", "loaded", "expected"):
                if obs.get(k) is not None:
                    rec.setdefault("observed", {})[k] = obs[k]
            if conf.get("probe") != case["probe"]:
                rec["reason"] = "the finding ran the %s probe, not %s" % (conf.get("probe"), case["probe"])
        if case.get("expected"):
            rec["right"] = rec["got"] == case["expected"]
        self.say("%-30s expected %-10s got %-12s %s" % (
            case["id"], case.get("expected") or "(observe)", rec["got"],
            "" if rec["right"] is None else ("right" if rec["right"] else "WRONG")))
        self.save()

    # ------------------------------------------------------------ the memory hog

    def start_hog(self):
        hog_py = os.path.join(self.work, "hog.py")
        with open(hog_py, "w") as f:
            f.write(HOG)
        self.hog_ready = os.path.join(self.work, "hog.ready")
        self.hog_release = os.path.join(self.work, "hog.release")
        leave = int(os.environ.get("GPU_CHECK_HOG_LEAVE_MB", "1536")) * MIB
        lifetime = max(30, int(self.left()))
        self.hog_log = open(os.path.join(self.work, "hog.log"), "wb")
        self.hog_proc = subprocess.Popen([self.py, hog_py, self.hog_ready, self.hog_release, str(lifetime), str(leave)],
                                         stdout=self.hog_log, stderr=subprocess.STDOUT, start_new_session=True)
        with open(os.path.join(self.work, "hog.pid"), "w") as f:
            f.write(str(self.hog_proc.pid))
        self.summary["hog"] = {"pid": self.hog_proc.pid, "leave_bytes": leave}

    def wait_hog(self, path, cap):
        t_end = time.monotonic() + cap
        while time.monotonic() < t_end:
            if os.path.exists(path):
                with open(path) as f:
                    return json.load(f)
            if self.hog_proc.poll() is not None and not os.path.exists(path):
                break
            time.sleep(0.2)
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
        self.hog_log.flush()
        with open(os.path.join(self.work, "hog.log"), errors="replace") as f:
            tail = f.read()[-600:]
        return {"error": "the hog %s: %s" % ("exited with %s" % self.hog_proc.returncode
                                             if self.hog_proc.poll() is not None else "was not ready in %ss" % cap,
                                             tail.strip() or "no output")}

    def stop_hog(self):
        if self.hog_proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
            if self.hog_proc.poll() is not None:
                break
            try:
                os.killpg(self.hog_proc.pid, sig)  # the group start_hog created
            except OSError:
                pass
            try:
                self.hog_proc.wait(wait)
            except subprocess.TimeoutExpired:
                pass
        self.summary["hog"]["stopped"] = self.hog_proc.poll() is not None
        try:
            os.remove(os.path.join(self.work, "hog.pid"))
        except OSError:
            pass
        time.sleep(1)
        if shutil.which("nvidia-smi"):
            r = self.run(["nvidia-smi", "--query-gpu=memory.free,memory.total", "--format=csv,noheader,nounits"], 30)
            self.summary["hog"]["after_stop_free_total_mib"] = r["stdout"].strip()

    def hog_cases(self, cases):
        full = [c for c in cases if c.get("hog") == "full"]
        nearly = [c for c in cases if c.get("hog") == "nearly_full"]
        limit = self.limit(150)
        if limit is None:
            for c in full + nearly:
                self.run_case(c, "out of time before the memory hog could start")
            return
        self.say("starting the memory hog (fills GPU 0)")
        self.start_hog()
        try:
            info = self.wait_hog(self.hog_ready, limit)
            self.hog_info = info
            self.summary["hog"].update(info)
            total = info.get("total") or 0
            ok = not info.get("error") and total and info.get("free_full") is not None and \
                info["free_full"] < min(2 * GIB, total // 20)
            if info.get("error"):
                why = "the memory hog failed: %s" % info["error"]
            elif not ok:
                why = "the memory hog could not take the GPU's memory (%s free of %s)" % (
                    human(info.get("free_full")), human(total))
            else:
                why = None
                self.say("hog holds %s, %s left free" % (human(info.get("taken")), human(info.get("free_full"))))
            for c in full:
                self.run_case(c, why)
            if why:
                for c in nearly:
                    self.run_case(c, why)
                return
            with open(self.hog_release, "w") as f:
                f.write("release\n")
            info2 = self.wait_hog(self.hog_ready + ".2", min(60, max(5, self.left() - 20)))
            self.summary["hog"]["nearly_full"] = info2
            if info2.get("error"):
                why = "the memory hog did not release memory: %s" % info2["error"]
            elif (info2.get("free_nearly_full") or 0) > 8 * GIB:
                why = "the memory hog left too much free (%s)" % human(info2.get("free_nearly_full"))
            else:
                self.hog_info = info2
                self.say("hog now leaves %s free" % human(info2.get("free_nearly_full")))
            for c in nearly:
                self.run_case(c, why)
        finally:
            self.stop_hog()
            self.save()

    # ------------------------------------------------------------ all of it

    def main(self):
        self.hog_info = {}
        self.say("tflog GPU check: %s, output in %s" % (self.root, self.out))
        self.machine()
        has_gpu = self.detect_gpu()
        self.tflog_info()
        self.save()
        self.run_doctor()
        self.save()
        self.discover()
        self.save()
        plain = [c for c in CASES if not c.get("hog")]
        if not has_gpu:
            for c in CASES:
                self.run_case(dict(c), "no GPU")
        else:
            for c in plain:
                self.run_case(dict(c))
            self.hog_cases([dict(c) for c in CASES if c.get("hog")])
        self.summary["finished"] = utcnow()
        self.save()
        t = self.summary["totals"]
        self.say("done in %ss: %d right, %d wrong, %d not run, %d observed; %s" % (
            self.summary["seconds"], t["right"], t["wrong"], t["not_run"], t["observed"],
            os.path.join(self.out, "summary.md")))
        return 1 if t["wrong"] else 0


class Skip(Exception):
    pass


def render_markdown(s):
    m, g, d = s.get("machine") or {}, s.get("gpu") or {}, s.get("doctor") or {}
    out = ["# tflog GPU check", ""]
    out.append("Run %s to %s (%ss of a %ss budget)." % (s.get("started"), s.get("finished") or "(unfinished)",
                                                         s.get("seconds"), s.get("budget_seconds")))
    out.append("")
    out.append("## Machine")
    smi = m.get("nvidia_smi_gpus") or []
    rows = [
        ("host", "%s, kernel %s, %s, %s CPUs" % (m.get("hostname"), m.get("kernel"), m.get("arch"), m.get("cpus"))),
        ("GPU", "; ".join("%s (%s MiB, %s MiB free)" % (x["name"], x["memory_total_mib"], x["memory_free_mib"]) for x in smi)
         or ("present (%s device(s))" % g.get("device_count") if g.get("present") else "none: %s" % g.get("why"))),
        ("driver", "%s (nvidia-smi), CUDA %s (cuDriverGetVersion)" % (m.get("driver_version", "?"),
                                                                     g.get("driver_cuda_version", "?"))),
        ("kernel module", m.get("kernel_module")),
        ("CUDA toolkit", m.get("nvcc", "nvcc not found")),
        ("Python", "%s (%s)" % (m.get("python"), m.get("python_executable"))),
        ("packages", ", ".join("%s %s" % kv for kv in sorted((m.get("packages") or {}).items()))),
        ("tflog", "%s, %s" % ((s.get("tflog") or {}).get("version"), (s.get("tflog") or {}).get("how"))),
    ]
    for fam, c in sorted(((s.get("stack") or {}).get("chosen") or {}).items()):
        rows.append((fam, "%s %s at %s (%s)" % (c.get("name"), c.get("version") or "", c.get("realpath"), c.get("via"))))
    out += ["| | |", "|---|---|"] + ["| %s | %s |" % (k, str(v).replace("|", "/")) for k, v in rows]
    deps = (s.get("tflog") or {}).get("dependencies") or []
    if deps:
        out += [""] + ["- " + dep for dep in deps]
    out += ["", "## tflog doctor", ""]
    if d.get("output"):
        o = d["output"]
        out.append("Verdict **%s** (%ss, rc %s). Checks:" % (o.get("verdict"), d.get("seconds"), d.get("rc")))
        out.append("")
        for c in o.get("checks") or []:
            out.append("- [%s] %s" % (c.get("status"), c.get("detail")))
        if not o.get("checks"):
            out.append("- (none)")
    else:
        out.append("No JSON from doctor: %s" % d.get("error"))
    if s.get("hog"):
        h = s["hog"]
        out += ["", "## Memory hog", "", "%s: took %s, left %s free of %s; nearly-full stage: %s free; stopped: %s; "
                "afterwards (free, total MiB): %s" % (
                    h.get("method") or h.get("error"), human(h.get("taken")), human(h.get("free_full")),
                    human(h.get("total")), human((h.get("nearly_full") or {}).get("free_nearly_full")),
                    h.get("stopped"), h.get("after_stop_free_total_mib"))]
    out += ["", "## Cases", "", "| case | probe | expected | got | right? | detail |", "|---|---|---|---|---|---|"]
    for c in s.get("cases") or []:
        right = "" if c.get("right") is None else ("yes" if c["right"] else "**NO**")
        detail = c.get("detail") or c.get("reason") or ""
        if c.get("ran") and c.get("reason"):
            detail = "%s (%s)" % (detail, c["reason"])
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            c["id"], c.get("probe"), c.get("expected") or "(observe)", c.get("got"), right,
            str(detail).replace("|", "/").replace("\n", " ")[:600]))
    t = s.get("totals") or {}
    out += ["", "Totals: %s right, %s wrong, %s not run, %s observed (of %s)." % (
        t.get("right"), t.get("wrong"), t.get("not_run"), t.get("observed"), t.get("cases"))]
    for n in s.get("notes") or []:
        out += ["", "Note: " + n]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list-cases", action="store_true")
    ap.add_argument("--root")
    ap.add_argument("--out")
    ap.add_argument("--work")
    ap.add_argument("--budget", type=float, default=330)
    args = ap.parse_args()
    if args.list_cases:
        keys = ("id", "probe", "log", "rule", "expected", "hog", "env", "what")
        print(json.dumps([{k: c.get(k) for k in keys} for c in CASES], indent=2))
        return 0
    return Check(args).main()


if __name__ == "__main__":
    sys.exit(main())
PYEOF

case "${1:-}" in
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    --list-cases)
        "$PY" "$WORK/gpu_check.py" --list-cases
        exit $?
        ;;
esac

OUTDIR=${1:-${OUT:-./gpu_check_out}}
mkdir -p -- "$OUTDIR" || exit 2
OUTDIR=$(cd -- "$OUTDIR" && pwd) || exit 2

# tflog from this working tree, nothing installed
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export TFLOG_CACHE_DIR="$WORK/tflog-cache" PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 NO_COLOR=1

with_timeout() { # with_timeout SECONDS COMMAND...: the command, stopped after SECONDS where `timeout` exists
    local seconds=$1
    shift
    if command -v timeout >/dev/null 2>&1; then timeout -k 10 "$seconds" "$@"; else "$@"; fi
}

# rapidfuzz (fuzzy matching) and hyperscan (fast prefilter): from .whl/ when missing, without network
for mod in rapidfuzz hyperscan; do
    if "$PY" -c "import $mod" >/dev/null 2>&1; then
        echo "$mod: installed" >>"$WORK/deps.txt"
        continue
    fi
    note="$mod: missing and no .whl/$mod-*.whl for this Python"
    for whl in "$ROOT"/.whl/"$mod"-*.whl; do
        [ -f "$whl" ] || continue
        if with_timeout 60 "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
            --target "$WORK/site" "$whl" >"$WORK/pip-$mod.log" 2>&1; then
            note="$mod: installed from $(basename -- "$whl") into a temporary folder"
            break
        fi
        note="$mod: installing $(basename -- "$whl") failed: $(tail -n 1 "$WORK/pip-$mod.log")"
    done
    case "$mod" in
        rapidfuzz) note="$note (only fuzzy matching of lines no rule matches exactly needs it)" ;;
        hyperscan) note="$note (without it tflog uses its pure-Python prefilter)" ;;
    esac
    echo "$note" >>"$WORK/deps.txt"
done
if [ -d "$WORK/site" ]; then export PYTHONPATH="$PYTHONPATH:$WORK/site"; fi

LEFT=$((${BUDGET%.*} - SECONDS)) # the budget counts from the start of this script
if [ "$LEFT" -lt 60 ]; then LEFT=60; fi
with_timeout "$((LEFT + 20))" "$PY" "$WORK/gpu_check.py" --root "$ROOT" --out "$OUTDIR" --work "$WORK" \
    --budget "$LEFT" 2>&1 | tee "$OUTDIR/gpu_check.log"
rc=${PIPESTATUS[0]}
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "gpu_check: stopped after its time budget; $OUTDIR/summary.json holds what was done" | tee -a "$OUTDIR/gpu_check.log" >&2
    rc=2
fi
exit "$rc"
