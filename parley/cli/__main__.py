"""`python -m parley.cli`: what the e2e tests and the local stack run."""

from parley.cli import main

main()
