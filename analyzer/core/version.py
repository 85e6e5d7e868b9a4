"""tflog's version: one place, read by the package, the cache keys and the build.

Releases are tagged `v<version>` (v0.2.0), the `rev:` a pre-commit config names;
the distribution on the package index is `tflog-doctor` (the command stays `tflog`).
"""

__version__ = "0.2.0"
