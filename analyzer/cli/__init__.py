"""The `tflog` command: a fast path for `tflog analyze` and the Typer app for everything else."""
