"""The commands: each a function taking an `Environment` and the command's arguments and
returning an `ExitStatus`. `kamadvisor.cli` is the click layer over them."""
