"""``python -m compiler`` is ``kftest``."""

from compiler.cli import main

if __name__ == "__main__":
    main()
