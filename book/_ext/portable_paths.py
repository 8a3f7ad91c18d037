"""Sphinx extension: executed outputs show no path of the build machine.

The book's pages run code at build time; what that code prints can name a
folder of the machine that built the book (the dataset folder in the build
user's home, the repository). In cell outputs this transform writes the
build user's home as ``~`` and the repository as ``.``, the way a reader
would see the same paths on their own machine.

构建时执行的输出中，构建机器的主目录写作 ~，仓库目录写作 .，不暴露机器路径。
"""
import os
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform


def replacements(srcdir):
    """(machine path, portable form) pairs, the longest first."""
    pairs = [(str(Path(srcdir).resolve()), "."), (str(Path.home()), "~")]
    return sorted(((p.rstrip(os.sep), r) for p, r in pairs if p.rstrip(os.sep)), key=lambda x: -len(x[0]))


def portable(text, pairs):
    for path, short in pairs:
        text = text.replace(path + os.sep, short + os.sep).replace(path, short)
    return text


class PortablePaths(SphinxTransform):
    default_priority = 890

    def apply(self):
        pairs = replacements(self.app.srcdir)
        for container in self.document.findall(nodes.container):
            if "cell_output" not in container.get("classes", []):
                continue
            for text in list(container.findall(nodes.Text)):
                new = portable(str(text), pairs)
                if new != str(text):
                    text.parent.replace(text, nodes.Text(new))


def setup(app):
    app.add_transform(PortablePaths)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
