"""Many runs of one scenario: replicates now; sensitivity and calibration build on the same runner.

``run_members`` (members.py) is the one way to run an ensemble: a list of ``MemberSpec`` (a seed,
and optionally parameter overrides) of one scenario at one size, run in a few long-lived worker
processes, each finished member kept on disk, results streamed back in any order. ``replicates``
writes one run folder from R seeds of a scenario (``socialcredit run --replicates R``).
Importing this package does no work (no Numba, no processes).
"""
