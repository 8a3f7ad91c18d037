"""`nbgrader submit` for students, with one clear bilingual line for each mistake.

nbgrader's own submit stops a folder over its size limit with a Python
traceback ("Directory size is too big. Size is ..."), says only "Assignment not
found at: ..." to a student who never fetched the assignment, and warns about a
renamed notebook in English only. ``ClearSubmit`` keeps nbgrader's behaviour
(the same checks, the same refusals) and says what happened, what it costs and
the fix, 中文 first, then English.

It imports nothing but nbgrader, so a student's environment can load it: the
students' nbgrader configuration puts this file's folder on sys.path and sets
    c.ExchangeFactory.submit = "mml_grading.submit.ClearSubmit"
(or, with this file copied next to that configuration, "submit.ClearSubmit").
"""
import os

from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import find_all_notebooks

MB = 1000 * 1000


def largest_files(folder, count=3):
    """[(size in bytes, path relative to folder)] of the largest files, largest first."""
    found = []
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                found.append((os.path.getsize(path), os.path.relpath(path, folder)))
    return sorted(found, reverse=True)[:count]


class ClearSubmit(ExchangeSubmit):
    """nbgrader's submit, with clear bilingual messages (module docstring)."""

    def _assignment_not_found(self, src_path, other_path):
        name = self.coursedir.assignment_id
        self.fail(f"没有找到作业文件夹 {src_path}：请先获取作业（JupyterLab 的 Assignments 标签页中点 Fetch，"
                  f"或 nbgrader fetch_assignment {name}），在获取到的文件夹里完成后，从它的上一级文件夹提交 / "
                  f"no assignment folder {src_path}: fetch the assignment first (Fetch in JupyterLab's "
                  f"Assignments tab, or nbgrader fetch_assignment {name}), work in the folder it creates, "
                  f"and submit from the folder that contains it")

    def check_filename_diff(self):
        released = set(find_all_notebooks(self.release_path))
        submitted = set(find_all_notebooks(self.src_path))
        missing, extra = sorted(released - submitted), sorted(submitted - released)
        if missing:
            names, others = ", ".join(missing), ", ".join(extra) or "-"
            self.log.warning(
                f"提交中缺少笔记本 {names}（被改名或删除？多出的：{others}）：缺少的笔记本记 0 分；"
                f"请把它改回原名，然后重新提交 / the submission lacks {names} (renamed or deleted? extra: "
                f"{others}): a missing notebook scores 0; rename it back, then submit again")
        super().check_filename_diff()

    def do_copy(self, src, dest, log=None):
        size, limit = self.get_size(src), 1000 * self.coursedir.max_dir_size  # nbgrader's own measure
        if size > limit:
            big = ", ".join(f"{path} ({n / MB:.1f} MB)" for n, path in largest_files(src))
            self.fail(f"未提交：{src} 共 {size / MB:.1f} MB，超过提交上限 {limit / MB:.0f} MB；最大的文件：{big}。"
                      f"请删除这些文件或把它们移出作业文件夹（数据和模型不需要提交），然后重新提交 / "
                      f"not submitted: {src} holds {size / MB:.1f} MB, over the {limit / MB:.0f} MB "
                      f"submission limit; largest files: {big}. Delete them or move them out of the "
                      f"assignment folder (data and models are not part of a submission), then submit again")
        super().do_copy(src, dest, log=log)
