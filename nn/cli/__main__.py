"""`python -m nn.cli`: the same as the `chainrule` command."""

import sys

from nn.cli import main

sys.exit(main())
