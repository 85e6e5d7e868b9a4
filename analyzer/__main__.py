"""`python -m analyzer` is the `tflog` command."""

from analyzer.cli.main import main

if __name__ == "__main__":
    main()
