"""The GPUs of system.py's samples: one `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` call
per sample, else NVML through pynvml when it imports, else none.

Only the GPUs this process was given are reported: CUDA_VISIBLE_DEVICES names them by index or by
UUID (or a UUID's prefix, as CUDA accepts), and each is numbered by its position there, as CUDA
numbers it (`cuda:0` is system/gpu0). Unset, every GPU is the process's, numbered by its index; set
empty (or -1), none is. A MIG instance (MIG-...) is not matched: nvidia-smi's per-GPU figures would
be the whole GPU's."""
import os
import shutil
import subprocess

QUERY = "index,uuid,utilization.gpu,memory.used,power.draw"
TIMEOUT = 10.0  # a hung driver must not hold the sampling thread for ever
GIVE_UP_AFTER = 3  # failed queries in a row, then GPUs are no longer asked (a broken driver)


def _number(text):
    """A figure of nvidia-smi's CSV; None for "[N/A]", "[Not Supported]" and the like."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None


def parse_query(text):
    """[{"index", "uuid", "util", "memory_mb", "power_w"}] from the CSV lines of QUERY."""
    gpus = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != 5 or not cells[0].isdigit():
            continue  # "NVIDIA-SMI has failed ...", blank lines
        gpus.append({"index": int(cells[0]), "uuid": cells[1], "util": _number(cells[2]),
                     "memory_mb": _number(cells[3]), "power_w": _number(cells[4])})
    return gpus


def visible_devices(environ=None):
    """The CUDA_VISIBLE_DEVICES entries, None when unset (every GPU), [] for none."""
    raw = (os.environ if environ is None else environ).get("CUDA_VISIBLE_DEVICES")
    if raw is None:
        return None
    entries = [e.strip() for e in raw.split(",") if e.strip()]
    # CUDA stops at the first entry that is not a valid device: "-1" hides every GPU.
    kept = []
    for entry in entries:
        if entry.startswith("-"):
            break
        kept.append(entry)
    return kept


def select(gpus, visible):
    """[(number as CUDA sees it, gpu)] of the GPUs this process was given."""
    if visible is None:
        return [(gpu["index"], gpu) for gpu in sorted(gpus, key=lambda g: g["index"])]
    chosen = []
    for number, entry in enumerate(visible):
        for gpu in gpus:
            if entry == str(gpu["index"]) or (entry.startswith("GPU-") and gpu["uuid"].startswith(entry)):
                chosen.append((number, gpu))
                break
    return chosen


class GpuQuery:
    def __init__(self, environ=None):
        self.visible = visible_devices(environ)
        self.smi = shutil.which("nvidia-smi")
        self.failures = 0
        self._nvml = None

    def sample(self):
        """[(number, {"util", "memory_mb", "power_w"})] now; [] without GPUs."""
        if self.visible == [] or self.failures >= GIVE_UP_AFTER:
            return []
        try:
            gpus = self._smi() if self.smi else self._pynvml()
        except Exception:  # a timeout, pynvml's NVMLError, anything a broken driver raises
            gpus = None
        if gpus is None:
            self.failures += 1
            return []
        self.failures = 0
        return select(gpus, self.visible)

    def _smi(self):
        done = subprocess.run([self.smi, "--query-gpu=" + QUERY, "--format=csv,noheader,nounits"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              timeout=TIMEOUT, check=False)
        if done.returncode != 0:
            return None
        return parse_query(done.stdout.decode("utf-8", "replace"))

    def _pynvml(self):
        if self._nvml is None:
            try:
                import pynvml  # type: ignore
            except ImportError:
                self.failures = GIVE_UP_AFTER  # no way to ask: never try again in this process
                return []
            pynvml.nvmlInit()
            self._nvml = pynvml
        nvml, gpus = self._nvml, []
        for index in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            uuid = nvml.nvmlDeviceGetUUID(handle)
            gpu = {"index": index, "uuid": uuid.decode() if isinstance(uuid, bytes) else uuid,
                   "util": float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu),
                   "memory_mb": nvml.nvmlDeviceGetMemoryInfo(handle).used / (1 << 20), "power_w": None}
            try:
                gpu["power_w"] = nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0  # milliwatts
            except Exception:
                pass  # not every board reports its power
            gpus.append(gpu)
        return gpus
