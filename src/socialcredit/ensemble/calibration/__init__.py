"""`socialcredit calibrate`: fit a scenario's free parameters to a targets file with Optuna.

request.py  what was asked (kept in the output folder, so --resume needs nothing else)
space.py    the free parameters as Optuna distributions, and the seeded sampler of each trial
scoring.py  a trial's members -> the simulated value of each target, mean over seeds, loss
search.py   the study: batches of trials over the ensemble's worker processes, resumable
outputs.py  the folder: scenario.yaml, fit.parquet, trials.parquet, fit.html
"""

from socialcredit.ensemble.calibration.search import Calibration, calibrate, resume

__all__ = ["Calibration", "calibrate", "resume"]
