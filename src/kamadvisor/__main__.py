"""`python -m kamadvisor`."""

from kamadvisor.launch import main

main()
