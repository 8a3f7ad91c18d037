"""python -m mml.datasets: build, download or describe the captioning datasets.

    python -m mml.datasets build [--force]          the embedded offline dataset
    python -m mml.datasets download coco [--url U] [--dest DIR]   the real COCO 2014 features (~1 GB)
    python -m mml.datasets info                     what is installed, and where

构建内置离线数据集、下载真实 COCO 数据、查看已安装的数据集。
"""
import argparse
import os
import sys
import time
from pathlib import Path

from mml import datasets


def _build(args):
    from mml.datasets.shapes import build
    if datasets.is_complete(datasets.EMBEDDED_DIR) and not args.force:
        print(f"已存在 / already built: {datasets.EMBEDDED_DIR} (--force rebuilds)")
        return
    start = time.perf_counter()
    print(f"正在生成内置离线数据集 / building the embedded dataset in {datasets.EMBEDDED_DIR}")
    build(datasets.EMBEDDED_DIR, force=args.force, verbose=True)
    print(f"完成 / done in {time.perf_counter() - start:.1f} s")


def _download(args):
    from mml.datasets.download import DownloadError, download_coco
    try:
        download_coco(url=args.url, dest=args.dest, force=args.force)
    except DownloadError as err:
        sys.exit(f"下载失败 / download failed: {err}")


def _info(_args):
    from mml.datasets.shapes import digest
    for name, folder in (("COCO 2014", datasets.COCO_DIR), ("embedded / 内置", datasets.EMBEDDED_DIR)):
        state = "complete / 完整" if datasets.is_complete(folder) else "not installed / 未安装"
        print(f"{name}: {folder}: {state}")
        if datasets.is_complete(folder) and folder == datasets.EMBEDDED_DIR:
            print(f"  sha256 of all files / 全部文件的 sha256: {digest(folder)}")
    print(f"${datasets.ENV_DATA_DIR} = {os.environ.get(datasets.ENV_DATA_DIR, '(unset / 未设置)')}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mml.datasets", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the embedded offline dataset / 生成内置离线数据集")
    build.add_argument("--force", action="store_true", help="rebuild even if it is complete / 强制重新生成")
    build.set_defaults(run=_build)
    download = commands.add_parser("download", help="download a dataset / 下载数据集")
    download.add_argument("dataset", choices=["coco"], help="which dataset / 数据集名称")
    download.add_argument("--url", default=None, help="archive URL (default: the cs231n COCO archive) / 压缩包地址")
    download.add_argument("--dest", type=Path, default=datasets.COCO_DIR,
                          help="dataset folder to create (default: COCO_DIR) / 安装到的文件夹")
    download.add_argument("--force", action="store_true", help="download again even if installed / 强制重新下载")
    download.set_defaults(run=_download)
    info = commands.add_parser("info", help="show installed datasets / 显示已安装的数据集")
    info.set_defaults(run=_info)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
