"""python3 -m shmfuzz_cli ARGS: the same as scripts/shmfuzz ARGS."""
import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
