"""`python -m dbsynth …` runs the same command line as the `dbsynth` script."""
from dbsynth.cli import main

main()
