"""`python -m kamadvisor`."""

from kamadvisor.cli import main

main()
