"""`python -m analyzer` is the `tflog` command."""
from .cli import main

if __name__ == "__main__":
    main()
