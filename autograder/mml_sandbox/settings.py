"""The sandbox's settings: default, environment variable, meaning."""
import os
from dataclasses import dataclass, fields

# (field, environment variable, help)
ROWS = (
    ("enabled", "MML_SANDBOX",
     "on: all student code runs in bubblewrap (default); off: unsandboxed, for a trusted demo only"),
    ("memory_mb", "MML_SANDBOX_MEMORY_MB",
     "memory of a submission's whole process tree, scratch files included (cgroup), MiB"),
    ("process_memory_mb", "MML_SANDBOX_PROCESS_MEMORY_MB",
     "address space of each process (rlimit), MiB: a huge allocation fails in its own cell"),
    ("pids", "MML_SANDBOX_PIDS", "processes and threads of a submission at once (cgroup)"),
    ("scratch_mb", "MML_SANDBOX_SCRATCH_MB", "size of each scratch folder (home and /tmp), MiB"),
    ("file_mb", "MML_SANDBOX_FILE_MB", "largest file student code may write (rlimit), MiB"),
    ("submission_mb", "MML_SANDBOX_SUBMISSION_MB", "largest submission copied into the sandbox, MiB"),
    ("output_kb", "MML_SANDBOX_OUTPUT_KB", "printed output of student code kept, KiB (the rest is cut)"),
)


@dataclass(frozen=True)
class SandboxSettings:
    enabled: bool = True
    memory_mb: int = 3072
    process_memory_mb: int = 3072
    pids: int = 64
    scratch_mb: int = 256
    file_mb: int = 64
    submission_mb: int = 64
    output_kb: int = 64
    bwrap: str = "bwrap"

    @classmethod
    def from_env(cls, **overrides):
        values = {}
        for name, variable, _ in ROWS:
            raw = os.environ.get(variable, "").strip()
            if not raw:
                continue
            if name == "enabled":
                if raw.lower() not in ("on", "off", "1", "0"):
                    raise SystemExit(f"${variable}={raw!r}: expected on or off; fix: export {variable}=on")
                values[name] = raw.lower() in ("on", "1")
                continue
            try:
                values[name] = int(raw)
            except ValueError:
                raise SystemExit(f"${variable}={raw!r} is not a whole number; "
                                 f"fix: export {variable}=<number> or unset it") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown sandbox setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)
