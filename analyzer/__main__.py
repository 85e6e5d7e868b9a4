"""`python -m analyzer` is the `tflog` command."""

from analyzer.cli.main import entry

if __name__ == "__main__":
    entry()
