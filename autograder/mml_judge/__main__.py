"""python -m mml_judge: see cli.py."""
import sys

from mml_judge.cli import main

sys.exit(main())
