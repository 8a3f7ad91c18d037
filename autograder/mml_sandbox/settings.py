"""The sandbox's settings: default, environment variable, meaning."""
import os
from dataclasses import dataclass, fields

# (field, environment variable, help)
ROWS = (
    ("enabled", "MML_SANDBOX",
     "on：所有学生代码在 bubblewrap 沙箱中运行（默认）；off：不用沙箱，只用于可信的演示 / "
     "on: all student code runs in bubblewrap (default); off: unsandboxed, for a trusted demo only"),
    ("memory_mb", "MML_SANDBOX_MEMORY_MB",
     "一份提交整个进程树的内存，含临时文件（cgroup）/ "
     "memory of a submission's whole process tree, scratch files included (cgroup)"),
    ("pids", "MML_SANDBOX_PIDS", "一份提交同时的进程和线程数（cgroup）/ "
     "processes and threads of a submission at once (cgroup)"),
    ("scratch_mb", "MML_SANDBOX_SCRATCH_MB", "每个临时目录（家目录和 /tmp）的大小 / "
     "size of each scratch folder (home and /tmp)"),
    ("file_mb", "MML_SANDBOX_FILE_MB", "学生代码可写的最大文件（rlimit）/ "
     "largest file student code may write (rlimit)"),
    ("submission_mb", "MML_SANDBOX_SUBMISSION_MB", "复制进沙箱的提交的最大大小 / "
     "largest submission copied into the sandbox"),
    ("output_kb", "MML_SANDBOX_OUTPUT_KB", "保留的学生代码输出（其余截断）/ "
     "printed output of student code kept (the rest is cut)"),
)


@dataclass(frozen=True)
class SandboxSettings:
    enabled: bool = True
    memory_mb: int = 3072
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
