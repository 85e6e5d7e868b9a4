"""Live diagnosis of a running job: `tflog watch` (a pipe) and `tflog run` (a command), on shared machinery."""
