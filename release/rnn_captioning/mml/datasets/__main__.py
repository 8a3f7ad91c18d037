"""python -m mml.datasets: build, download or describe the captioning datasets.

    python -m mml.datasets build [--into ROOT] [--force]   the embedded offline dataset
    python -m mml.datasets download coco [--url U] [--dest DIR]   the real COCO 2014 features (~1 GB)
    python -m mml.datasets info                     where the loader looks, and what it finds

build writes ROOT/shapes_captioning; ROOT is the per-user cache (~/.cache/mml)
unless given. A hub administrator builds the course-wide folder once with
    python -m mml.datasets build --into /srv/mml/data
(or another ROOT, then $MML_DATA_ROOT=ROOT for everyone).

构建内置离线数据集（管理员可用 --into 为全课程生成一次共享数据）、下载真实 COCO 数据、查看数据位置。
"""
import argparse
import os
import sys
import time
from pathlib import Path

from mml import datasets


def _build(args):
    folder = (args.into / datasets.EMBEDDED_NAME) if args.into else datasets.embedded_dir()
    try:
        _build_into(folder, args)
    except PermissionError as err:
        sys.exit(f"{err.filename or folder}: not writable; fix: run as a user who may write there, "
                 f"or choose another folder with --into")


def _build_into(folder, args):
    from mml.datasets.shapes import build
    if datasets.is_complete(folder) and not args.force:
        print(f"已存在 / already built: {folder} (--force rebuilds)")
        return
    start = time.perf_counter()
    print(f"正在 {folder} 生成内置离线数据集（约 {datasets.EMBEDDED_SIZE_MB} MB，{datasets.EMBEDDED_BUILD_TIME_ZH}）"
          f" / building the embedded dataset (about {datasets.EMBEDDED_SIZE_MB} MB) in {folder}: "
          f"{datasets.EMBEDDED_BUILD_TIME}", flush=True)
    build(folder, force=args.force, verbose=True)
    if args.into:  # readable by every student, whatever the administrator's umask
        folder.chmod(0o755)
        for path in folder.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
    print(f"完成 / done in {time.perf_counter() - start:.1f} s")
    if args.into and args.into.resolve() != datasets.shared_root().resolve():
        print(f"学生需要设置 / students need: export {datasets.ENV_DATA_ROOT}={args.into.resolve()}")


def _download(args):
    from mml.datasets.download import DownloadError, download_coco
    try:
        download_coco(url=args.url, dest=args.dest, force=args.force)
    except DownloadError as err:
        sys.exit(f"下载失败 / download failed: {err}")


def _info(_args):
    from mml.datasets.shapes import digest
    print(f"${datasets.ENV_DATA_DIR} = {os.environ.get(datasets.ENV_DATA_DIR, '(unset / 未设置)')}")
    for folder, kind in datasets.candidates():
        state = "complete / 完整" if datasets.is_complete(folder) else "not installed / 未安装"
        print(f"{kind}: {folder}: {state}")
    try:
        folder, kind = datasets.locate(build=False)
    except datasets.NoDataError:
        print("load_coco_data() 将生成内置数据集 / will build the embedded dataset into "
              f"{datasets.embedded_dir()}")
        return
    print(f"load_coco_data() 读取 / reads: {folder} ({kind})")
    if kind == datasets.EMBEDDED_KIND:
        print(f"  sha256 of all files / 全部文件的 sha256: {digest(folder)}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mml.datasets", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the embedded offline dataset / 生成内置离线数据集")
    build.add_argument("--force", action="store_true", help="rebuild even if it is complete / 强制重新生成")
    build.add_argument("--into", type=Path, default=None, metavar="ROOT",
                       help="build ROOT/shapes_captioning, e.g. the course-wide /srv/mml/data "
                            "(default: the per-user cache) / 生成到 ROOT/shapes_captioning")
    build.set_defaults(run=_build)
    download = commands.add_parser("download", help="download a dataset / 下载数据集")
    download.add_argument("dataset", choices=["coco"], help="which dataset / 数据集名称")
    download.add_argument("--url", default=None, help="archive URL (default: the cs231n COCO archive) / 压缩包地址")
    download.add_argument("--dest", type=Path, default=None,
                          help="dataset folder to create (default: ~/.cache/mml/coco_captioning) / 安装到的文件夹")
    download.add_argument("--force", action="store_true", help="download again even if installed / 强制重新下载")
    download.set_defaults(run=_download)
    info = commands.add_parser("info", help="show installed datasets / 显示已安装的数据集")
    info.set_defaults(run=_info)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
