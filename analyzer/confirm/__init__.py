"""Confirming a diagnosis on this machine: probes in isolated subprocesses, the verdicts, `tflog doctor`."""
