"""First program inside the sandbox: ``python -I -B /opt/mml/boot.py``.

Reads its instruction (JSON) from standard input, then closes it:

    {"mode": "kernel" | "child", "submission": ..., "workdir": ...,
     "connection_file": ..., and for a child: "task", "input_fd", "result_fd"}

Copies the submission into the working folder (scratch: counted against the
quota), changes into it and gives Python the same argv in both modes (the
argv of a Jupyter kernel), so student code sees the same process either way.
Then a kernel starts ipykernel on the connection file (ZMQ over ipc sockets
in the folder the launcher bound in); a judge child runs mml_judge's
child.py, which sends its arrays back through result_fd.
"""
import json
import os
import shutil
import sys


def _fail(message):
    sys.stderr.write(f"sandbox: {message}\n")
    sys.exit(3)


def _drop_editable_installs():
    """Without the sandbox (MML_SANDBOX=off) the venv's editable install of
    the reference mml is active: its import hook is removed, so only the
    submission's own mml can be imported. (In the sandbox it is hidden.)"""
    def editable(hook):
        return "__editable__" in (getattr(hook, "__module__", "") or "")

    sys.meta_path[:] = [f for f in sys.meta_path if not editable(f)]
    sys.path_hooks[:] = [h for h in sys.path_hooks if not editable(h)]
    sys.path[:] = [p for p in sys.path if "__editable__" not in p]
    sys.path_importer_cache.clear()


def main():
    instruction = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    _drop_editable_installs()
    workdir = instruction["workdir"]
    try:
        shutil.copytree(instruction["submission"], workdir, symlinks=True, dirs_exist_ok=True)
    except OSError as err:
        _fail(f"cannot copy the submission into the scratch folder ({err.strerror or err})")
    os.chdir(workdir)
    os.environ["PWD"] = workdir
    site = next((p for p in sys.path if p.endswith("site-packages")), "")
    sys.argv = [os.path.join(site, "ipykernel_launcher.py"), "-f", instruction["connection_file"]]
    if instruction["mode"] == "kernel":
        # As in a notebook: the working folder (the student's mml) comes first.
        sys.path.insert(0, workdir)
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
    elif instruction["mode"] == "child":
        import importlib.util

        spec = importlib.util.spec_from_file_location("_mml_judge_child", instruction["child"])
        child = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(child)
        child.main(instruction["task"], workdir, instruction["input_fd"], instruction["result_fd"])
    else:
        _fail(f"unknown mode {instruction['mode']!r}")


if __name__ == "__main__":
    main()
